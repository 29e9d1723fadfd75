package feed

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/latchkey/latchkey/ent"
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
	// notifyEvery spaces the notifications one instance sends: the
	// records of many commits are read by one wake-up.
	notifyEvery = 10 * time.Millisecond
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
	// ready is closed once the hub knows the feed's tail.
	ready chan struct{}

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
		ready: make(chan struct{}),
		subs:  map[pulid.ID]map[*Subscription]struct{}{},
	}
}

// Hook wakes the hub when a write appends an audit record: after its
// transaction commits, or at once for a write outside one.
func (h *Hub) Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			tx, txErr := m.(interface{ Tx() (*ent.Tx, error) }).Tx()
			if txErr != nil {
				h.Wake()
				return v, nil
			}
			tx.OnCommit(func(next ent.Committer) ent.Committer {
				return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
					err := next.Commit(ctx, tx)
					if err == nil {
						h.Wake()
					}
					return err
				})
			})
			return v, nil
		})
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
// the hub's goroutine: f must not block. Call it before Run.
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

// Run reads the feed, when woken and every Poll, until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	tail, err := h.start(ctx)
	if err != nil {
		return
	}
	notify := h.listen(ctx)
	poll := time.NewTicker(h.cfg.Poll)
	defer poll.Stop()
	settle := settleFirst
	retry := time.NewTimer(0)
	<-retry.C
	var lastNotify time.Time
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
			// at most once per notifyEvery.
			if wait := notifyEvery - time.Since(lastNotify); wait > 0 {
				retry.Reset(wait)
			} else {
				owed, lastNotify = false, time.Now()
				h.notify(ctx)
			}
		}
		var unsettled bool
		tail, unsettled = h.drain(ctx, tail)
		if unsettled {
			retry.Reset(settle)
			settle = min(2*settle, settleMax)
		} else {
			settle = settleFirst
		}
	}
}

// start finds the tail, retrying until the database answers.
func (h *Hub) start(ctx context.Context) (Cursor, error) {
	for {
		tail, err := h.store.tail(ctx)
		if err == nil {
			h.mu.Lock()
			h.tail = tail
			h.mu.Unlock()
			close(h.ready)
			return tail, nil
		}
		if ctx.Err() != nil {
			return Cursor{}, ctx.Err()
		}
		h.cfg.Log.Error("feed: cannot read the tail", "err", err)
		select {
		case <-ctx.Done():
			return Cursor{}, ctx.Err()
		case <-time.After(h.cfg.Poll):
		}
	}
}

// drain reads every settled record after tail and hands it on; it
// returns the new tail and whether an unsettled record is waiting.
func (h *Hub) drain(ctx context.Context, tail Cursor) (Cursor, bool) {
	for {
		rs, unsettled, err := h.store.read(ctx, tail, "", page)
		if err != nil {
			if ctx.Err() == nil {
				h.cfg.Log.Error("feed: read failed", "err", err)
			}
			return tail, true
		}
		if len(rs) > 0 {
			tail = rs[len(rs)-1].Cursor
			h.dispatch(rs)
		}
		if unsettled || len(rs) < page {
			return tail, unsettled
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
	h.tail = rs[len(rs)-1].Cursor
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
