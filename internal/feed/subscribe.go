package feed

import (
	"context"
	"sync"

	"github.com/latchkey/latchkey/internal/pulid"
)

// Subscription is one subscriber's view of an account's records.
type Subscription struct {
	// C delivers the items in feed order, each once; it is closed when the
	// subscription's context ends or it fails (Err says why).
	C <-chan Item

	c       chan Item
	account pulid.ID
	// floor is the resume point: nothing at or before it is delivered.
	floor Cursor

	mu sync.Mutex
	// catchingUp holds the live records back while the older ones are
	// read from the table; pending keeps them meanwhile.
	catchingUp bool
	pending    []*Record
	// behind says that pending overflowed; the catching up ends it.
	behind bool
	closed bool
	err    error
}

// Err says why C was closed early: nil when its context ended.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Subscribe delivers the account's records written after `after` (nil:
// from now on). A resume point older than the retention window delivers
// one Refetch item first, then the records from now on.
func (h *Hub) Subscribe(ctx context.Context, account pulid.ID, after *Cursor) (*Subscription, error) {
	tail, err := h.follow(ctx)
	if err != nil {
		return nil, err
	}
	c := make(chan Item, buffer)
	s := &Subscription{C: c, c: c, account: account}
	refetch := after != nil && after.Time().Before(h.cfg.Now().Add(-h.cfg.Retention))
	if refetch {
		c <- Item{Refetch: true}
	}
	resume := after != nil && !refetch
	h.mu.Lock()
	if h.tail.Less(tail) {
		// The hub was idle: it follows the feed from here, at once.
		h.tail = tail
		h.Wake()
	}
	tail = h.tail
	if resume {
		s.floor = *after
		resume = after.Less(tail)
	} else {
		s.floor = tail
	}
	s.catchingUp = resume
	if h.subs[account] == nil {
		h.subs[account] = map[*Subscription]struct{}{}
	}
	h.subs[account][s] = struct{}{}
	h.mu.Unlock()
	leave := func() {
		h.mu.Lock()
		h.dropLocked(s)
		h.mu.Unlock()
		s.close(nil)
	}
	if !resume {
		// No goroutine (and its stack) per idle subscriber.
		context.AfterFunc(ctx, leave)
		return s, nil
	}
	go func() {
		s.catchUp(ctx, h, *after, tail)
		<-ctx.Done()
		leave()
	}()
	return s, nil
}

// follow returns where the hub is in the feed: its tail while it has
// subscribers, else the feed's end now (an idle hub has read nothing).
func (h *Hub) follow(ctx context.Context) (Cursor, error) {
	h.mu.Lock()
	busy, tail := len(h.subs) > 0, h.tail
	h.mu.Unlock()
	if busy {
		return tail, nil
	}
	return h.store.tail(ctx)
}

// deliver hands a live record on; false when the subscriber is too far
// behind (it is then closed) or gone.
func (s *Subscription) deliver(r *Record) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return false
	case !s.floor.Less(r.Cursor):
		return true
	case s.catchingUp:
		// Only the catching up goroutine sends (and closes) meanwhile.
		if len(s.pending) >= buffer {
			s.behind, s.pending = true, nil
			return false
		}
		s.pending = append(s.pending, r)
		return true
	}
	select {
	case s.c <- Item{Record: r}:
		return true
	default:
		s.closeLocked(ErrBehind)
		return false
	}
}

// catchUp sends the account's records after `after` up to tail from the
// table, then the live ones held back meanwhile, then lets live records
// through.
func (s *Subscription) catchUp(ctx context.Context, h *Hub, after, tail Cursor) {
	last := after
	for last.Less(tail) {
		rs, _, err := h.store.read(ctx, last, s.account, page)
		if err != nil {
			s.close(err)
			return
		}
		for i := range rs {
			if tail.Less(rs[i].Cursor) {
				break
			}
			if !s.send(ctx, &rs[i]) {
				return
			}
			last = rs[i].Cursor
		}
		if len(rs) < page {
			break
		}
	}
	for {
		s.mu.Lock()
		held := s.pending
		s.pending = nil
		if s.behind {
			s.closeLocked(ErrBehind)
		}
		if len(held) == 0 || s.closed {
			s.catchingUp = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		for _, r := range held {
			if !s.send(ctx, r) {
				return
			}
		}
	}
}

// send delivers r while catching up, waiting for the reader.
func (s *Subscription) send(ctx context.Context, r *Record) bool {
	select {
	case s.c <- Item{Record: r}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Subscription) close(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(err)
}

func (s *Subscription) closeLocked(err error) {
	if s.closed {
		return
	}
	s.closed, s.err = true, err
	close(s.c)
}
