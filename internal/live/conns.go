package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Why a connection ended early (context.Cause of its context).
var (
	// ErrRevoked: its token was revoked or signed out, or its user or
	// admin deleted, disabled or given another role.
	ErrRevoked = errors.New("the token was revoked, or its user or admin removed or changed: sign in again")
	// ErrExpired: its token's life ended.
	ErrExpired = errors.New("the token has expired: sign in again")
	// ErrShutdown: this instance is stopping; the client reconnects (to
	// another instance) and resumes from its last event id.
	ErrShutdown = errors.New("the server is restarting: reconnect and resume from the last eventID")
	// ErrTooManyConnections refuses a connection beyond Limits.PerToken.
	ErrTooManyConnections = errors.New("too many live connections for this token")
)

// Conn is one live connection (a WebSocket, or an SSE stream) of one
// token on this instance.
type Conn struct {
	v      *auth.Viewer
	cancel context.CancelCauseFunc
	limit  int
	subs   atomic.Int32
	stop   func() bool // the expiry timer's
	b      *Broker
	once   sync.Once
}

type connKey struct{}

// ConnFrom returns the live connection of ctx, nil outside one.
func ConnFrom(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// Connect opens a live connection for v, whose token stops working at end
// (zero for never): the context returned ends, with ErrRevoked or
// ErrExpired as its cause, when the token does, on every instance (the
// revocation arrives through the feed). A token holding Limits.PerToken
// connections here already gets ErrTooManyConnections. Close releases the
// connection.
func (b *Broker) Connect(ctx context.Context, v *auth.Viewer, end time.Time) (context.Context, *Conn, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	c := &Conn{v: v, cancel: cancel, limit: b.limits.PerConnection, b: b}
	if !b.conns.add(c, b.limits.PerToken) {
		cancel(ErrTooManyConnections)
		return ctx, nil, ErrTooManyConnections
	}
	if !end.IsZero() {
		t := time.AfterFunc(end.Sub(b.now()), func() { c.cancel(ErrExpired) })
		c.stop = t.Stop
	}
	context.AfterFunc(ctx, c.Close)
	return context.WithValue(ctx, connKey{}, c), c, nil
}

// Close ends the connection and releases its place.
func (c *Conn) Close() {
	c.once.Do(func() {
		c.cancel(context.Canceled)
		if c.stop != nil {
			c.stop()
		}
		c.b.conns.remove(c)
	})
}

// Viewer is the connection's viewer.
func (c *Conn) Viewer() *auth.Viewer { return c.v }

// Acquire takes a subscription's place on the connection; false when it
// holds Limits.PerConnection already. Release gives it back.
func (c *Conn) Acquire() bool {
	if c.subs.Add(1) > int32(c.limit) {
		c.subs.Add(-1)
		return false
	}
	return true
}

// Release gives back a place Acquire took.
func (c *Conn) Release() { c.subs.Add(-1) }

// PerConnection is how many subscriptions a connection may hold.
func (b *Broker) PerConnection() int { return b.limits.PerConnection }

// PerToken is how many connections a token may hold on this instance.
func (b *Broker) PerToken() int { return b.limits.PerToken }

// CloseAll ends every live connection of this instance with ErrShutdown
// (a draining server's clients move to another instance).
func (b *Broker) CloseAll() {
	b.conns.mu.Lock()
	var all []*Conn
	for _, set := range b.conns.byToken {
		for c := range set {
			all = append(all, c)
		}
	}
	b.conns.mu.Unlock()
	for _, c := range all {
		c.cancel(ErrShutdown)
	}
}

// registry holds the live connections of this instance by token.
type registry struct {
	mu      sync.Mutex
	byToken map[pulid.ID]map[*Conn]struct{}
}

func (r *registry) add(c *Conn, perToken int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.byToken[c.v.TokenID]
	if len(set) >= perToken {
		return false
	}
	if set == nil {
		set = map[*Conn]struct{}{}
		r.byToken[c.v.TokenID] = set
	}
	set[c] = struct{}{}
	return true
}

func (r *registry) remove(c *Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if set := r.byToken[c.v.TokenID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(r.byToken, c.v.TokenID)
		}
	}
}

// matching returns the connections whose viewer has the id as its token,
// user or admin.
func (r *registry) matching(id pulid.ID) []*Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Conn
	if set, ok := r.byToken[id]; ok {
		for c := range set {
			out = append(out, c)
		}
		return out
	}
	for _, set := range r.byToken {
		for c := range set {
			if c.v.UserID == id || c.v.AdminID == id {
				out = append(out, c)
			}
		}
	}
	return out
}

// ending is the hub's listener: it ends the connections of the tokens,
// users and admins a record removed, and looks again at the admin of an
// updated one. It runs on the hub's goroutine and must not block.
func (b *Broker) ending(r feed.Record) {
	if len(r.Targets) == 0 {
		return
	}
	id := r.Targets[0]
	switch r.Action {
	case enum.AuditAPITokenRevoked, enum.AuditAppTokenRevoked, enum.AuditSignedOut,
		enum.AuditUserDeleted, enum.AuditAdminDeleted:
		for _, c := range b.conns.matching(id) {
			c.cancel(ErrRevoked)
		}
	case enum.AuditAdminUpdated:
		if conns := b.conns.matching(id); len(conns) > 0 {
			go b.recheck(conns)
		}
	}
}

// current reports whether v's token still works as v: ErrRevoked when it
// is gone (revoked, signed out, its user or admin deleted) or its admin is
// disabled or of another role.
func (b *Broker) current(ctx context.Context, v *auth.Viewer) error {
	sys := auth.SystemContext(ctx)
	t, err := b.client.APIToken.Query().Where(apitoken.ID(v.TokenID)).Select(apitoken.FieldAdminID).Only(sys)
	switch {
	case ent.IsNotFound(err):
		return ErrRevoked
	case err != nil:
		return err
	case t.AdminID == nil:
		return nil
	}
	a, err := b.client.Admin.Query().Where(admin.ID(*t.AdminID)).Select(admin.FieldRole, admin.FieldDisabled).Only(sys)
	switch {
	case ent.IsNotFound(err):
		return ErrRevoked
	case err != nil:
		return err
	case a.Disabled || auth.RoleOf(a.Role) != v.Role:
		return ErrRevoked
	}
	return nil
}

// recheck ends the connections of an admin's sessions that it no longer
// carries: disabled, or of another role.
func (b *Broker) recheck(conns []*Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range conns {
		if err := b.current(ctx, c.v); err != nil {
			c.cancel(ErrRevoked)
		}
	}
}
