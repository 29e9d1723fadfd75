package feed

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/latchkey/latchkey/internal/pulid"
)

// Channel is the PostgreSQL notification channel that wakes every
// instance's hub when one of them wrote records.
const Channel = "latchkey_feed"

// DefaultRetention is how far back a subscriber may resume.
const DefaultRetention = 24 * time.Hour

// Bounds of the hub's work.
const (
	// page is how many records one read takes.
	page = 500
	// buffer is how many records a live subscriber may lag behind before
	// it is dropped (it resumes from its last event id).
	buffer = 1024
	// readEvery spaces the reads of a hub and the notifications it
	// sends: under many writes, one read takes the records of many
	// commits.
	readEvery = 10 * time.Millisecond
	// settleFirst and settleMax space the looks again while a record's
	// transaction is younger than one still running.
	settleFirst = 5 * time.Millisecond
	settleMax   = time.Second
)

// ErrBehind ends a subscription whose reader fell more than a buffer of
// records behind.
var ErrBehind = errors.New("feed: the subscriber fell too far behind; resume from the last event id")

// Config is what a hub reads from and how.
type Config struct {
	DB *sql.DB
	// PostgresURL is the database's URL on PostgreSQL (the hub LISTENs on
	// a connection of its own); empty on SQLite.
	PostgresURL string
	Log         *slog.Logger
	Now         func() time.Time
	// Retention is how far back a subscriber may resume; 0 means
	// DefaultRetention.
	Retention time.Duration
	// Poll is how often the hub looks without being woken (a wake-up lost
	// with a connection); 0 means a second.
	Poll time.Duration
}

// Hub reads the feed once for this instance and hands each record to the
// subscribers of its account and to every listener.
type Hub struct {
	cfg   Config
	store store
	wake  chan struct{}

	mu        sync.Mutex
	tail      Cursor
	subs      map[pulid.ID]map[*Subscription]struct{}
	listeners []func(Record)
}

// New returns a hub; Run starts it.
func New(cfg Config) *Hub {
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Hub{
		cfg:   cfg,
		store: store{db: cfg.DB, postgres: cfg.PostgresURL != ""},
		wake:  make(chan struct{}, 1),
		subs:  map[pulid.ID]map[*Subscription]struct{}{},
	}
}

// Wake says that this instance committed records.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Listen calls f with every record of every account, in feed order, on
// the hub's goroutine, while the hub has subscribers (an idle hub reads
// nothing): f must not block.
func (h *Hub) Listen(f func(Record)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listeners = append(h.listeners, f)
}

// Read returns up to limit records of every account after c, in feed
// order.
func (h *Hub) Read(ctx context.Context, c Cursor, limit int) ([]Record, error) {
	rs, _, err := h.store.read(ctx, c, "", limit)
	return rs, err
}

// Tail returns the position of the newest record whose transaction, and
// every one before it, has ended.
func (h *Hub) Tail(ctx context.Context) (Cursor, error) { return h.store.tail(ctx) }

// Run follows the feed until ctx ends: when woken and every Poll, it
// reads what was committed, at most once per readEvery (the records of
// many commits go in one read). A hub without subscribers reads nothing,
// so that writes cost no reading where nobody listens; it still
// announces this instance's commits to the others.
func (h *Hub) Run(ctx context.Context) {
	notify := h.listen(ctx)
	poll := time.NewTicker(h.cfg.Poll)
	defer poll.Stop()
	settle := settleFirst
	retry := time.NewTimer(0)
	<-retry.C
	var lastNotify, lastRead time.Time
	owed := false // this instance committed records it has not announced
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
			owed = h.store.postgres
		case <-notify:
		case <-poll.C:
		case <-retry.C:
		}
		if owed {
			// Tell the other instances (the notice comes back here too),
			// at most once per readEvery.
			if wait := readEvery - time.Since(lastNotify); wait > 0 {
				retry.Reset(wait)
			} else {
				owed, lastNotify = false, time.Now()
				h.notify(ctx)
			}
		}
		if !h.active() {
			continue
		}
		if wait := readEvery - time.Since(lastRead); wait > 0 {
			retry.Reset(wait)
			continue
		}
		lastRead = time.Now()
		if h.drain(ctx) {
			retry.Reset(settle)
			settle = min(2*settle, settleMax)
		} else {
			settle = settleFirst
		}
	}
}

// active reports whether anyone on this instance follows the feed.
func (h *Hub) active() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

// drain reads every settled record after the hub's tail and hands it
// on; it reports whether an unsettled record is waiting.
func (h *Hub) drain(ctx context.Context) bool {
	h.mu.Lock()
	tail := h.tail
	h.mu.Unlock()
	for {
		rs, unsettled, err := h.store.read(ctx, tail, "", page)
		if err != nil {
			if ctx.Err() == nil {
				h.cfg.Log.Error("feed: read failed", "err", err)
			}
			return true
		}
		if len(rs) > 0 {
			tail = rs[len(rs)-1].Cursor
			h.dispatch(rs)
		}
		if unsettled || len(rs) < page {
			return unsettled
		}
	}
}

// dispatch hands records to the listeners and the subscribers of their
// accounts, and moves the hub's tail past them.
func (h *Hub) dispatch(rs []Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range rs {
		r := &rs[i]
		for _, f := range h.listeners {
			f(*r)
		}
		for s := range h.subs[r.AccountID] {
			if !s.deliver(r) {
				h.dropLocked(s)
			}
		}
	}
	if last := rs[len(rs)-1].Cursor; h.tail.Less(last) {
		h.tail = last
	}
}

func (h *Hub) dropLocked(s *Subscription) {
	if set := h.subs[s.account]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, s.account)
		}
	}
}

// notify wakes every instance that listens.
func (h *Hub) notify(ctx context.Context) {
	if _, err := h.cfg.DB.ExecContext(ctx, `SELECT pg_notify($1, '')`, Channel); err != nil && ctx.Err() == nil {
		h.cfg.Log.Warn("feed: notify failed; other instances read within their poll", "err", err)
	}
}

// listen returns the channel of notifications from every instance (nil,
// which never delivers, on SQLite: the only writer is this process).
func (h *Hub) listen(ctx context.Context) <-chan struct{} {
	if !h.store.postgres {
		return nil
	}
	out := make(chan struct{}, 1)
	l := pq.NewListener(h.cfg.PostgresURL, 10*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil && ctx.Err() == nil {
			h.cfg.Log.Warn("feed: listener", "event", ev, "err", err)
		}
	})
	if err := l.Listen(Channel); err != nil {
		h.cfg.Log.Warn("feed: listen failed; reading every poll", "err", err)
	}
	go func() {
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.Notify:
				// A nil notification follows a reconnect: look too.
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}
