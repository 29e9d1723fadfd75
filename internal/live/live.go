// Package live turns the change feed into what subscribers receive: each
// record with the nodes it touched, read once per event for every group of
// subscribers who may see the same rows (auth.ScopeKey), and the live
// connections, which end when their token does.
package live

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/accessevent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Change is one record of the feed as one subscriber receives it. Changes
// are shared by every subscriber of the same scope: never modify one.
type Change struct {
	Record *feed.Record
	// Node is the main node the write changed, when it exists and the
	// subscriber may read it.
	Node ent.Noder
	// Nodes are every node the write touched that exists and the
	// subscriber may read, the main one first.
	Nodes []ent.Noder
	// DeletedID is the node the write deleted.
	DeletedID *pulid.ID
	// Refetch says that the resume point was older than the retention.
	Refetch bool
}

// Filter narrows a subscription. The zero Filter lets every change
// through.
type Filter struct {
	// Prefixes are the ID prefixes of the node types wanted (none: all).
	Prefixes []string
	UserID   pulid.ID
	DeviceID pulid.ID
}

// Prefixes of the node types a change may touch, as ent/schema gives them.
const (
	PrefixUser        = "usr"
	PrefixDevice      = "dev"
	PrefixPermission  = "prm"
	PrefixInvitation  = "inv"
	PrefixAccessEvent = "evt"
	PrefixAdmin       = "adm"
	PrefixToken       = "tok"
)

// entTypes are the Ent types of the prefixes (for auth.ScopeKey).
var entTypes = map[string]string{
	PrefixUser: ent.TypeUser, PrefixDevice: ent.TypeDevice, PrefixPermission: ent.TypePermission,
	PrefixInvitation: ent.TypeInvitation, PrefixAccessEvent: ent.TypeAccessEvent,
	PrefixAdmin: ent.TypeAdmin, PrefixToken: ent.TypeAPIToken,
}

// Limits bound the live connections.
type Limits struct {
	// PerConnection is how many subscriptions one connection may hold.
	PerConnection int
	// PerToken is how many connections one token may hold on this
	// instance.
	PerToken int
}

// Default limits (LIVE_SUBSCRIPTIONS_PER_CONNECTION, LIVE_CONNECTIONS_PER_TOKEN).
var DefaultLimits = Limits{PerConnection: 20, PerToken: 10}

// Broker serves the subscriptions and connections of one instance.
type Broker struct {
	client *ent.Client
	hub    *feed.Hub
	log    *slog.Logger
	now    func() time.Time
	limits Limits

	shared shared
	conns  registry
}

// New returns a broker over hub, reading nodes with client; it listens to
// hub for the records that end connections.
func New(client *ent.Client, hub *feed.Hub, limits Limits, now func() time.Time, log *slog.Logger) *Broker {
	if limits.PerConnection <= 0 {
		limits.PerConnection = DefaultLimits.PerConnection
	}
	if limits.PerToken <= 0 {
		limits.PerToken = DefaultLimits.PerToken
	}
	b := &Broker{client: client, hub: hub, log: log, now: now, limits: limits}
	b.shared.entries = map[changeKey]*entry{}
	b.conns.byToken = map[pulid.ID]map[*Conn]struct{}{}
	hub.Listen(b.ending)
	return b
}

// Subscribe delivers the changes of v's account after `after` (nil: from
// now on) that v may see and f lets through, until ctx ends or the
// subscriber falls too far behind (the channel closes; it resumes from
// the last event id).
func (b *Broker) Subscribe(ctx context.Context, v *auth.Viewer, after *feed.Cursor, f Filter) (<-chan *Change, error) {
	sub, err := b.hub.Subscribe(ctx, v.AccountID, after)
	if err != nil {
		return nil, err
	}
	// A connection without subscriptions is not followed (an idle hub
	// reads nothing), so its token may have ended since it connected. The
	// feed is followed from here on: a check now leaves no gap.
	if err := b.current(ctx, v); err != nil {
		if c := ConnFrom(ctx); c != nil {
			c.cancel(err)
		}
		if errors.Is(err, ErrRevoked) {
			return nil, apperr.New(apperr.Unauthenticated, "%s", err)
		}
		return nil, err
	}
	out := make(chan *Change)
	ids, _ := ctx.Value(eventIDsKey{}).(chan string)
	scopes := scopesOf(v)
	go func() {
		defer close(out)
		for it := range sub.C {
			var c *Change
			if it.Refetch {
				c = &Change{Refetch: true}
			} else {
				var err error
				if c, err = b.change(it.Record, v, &scopes); err != nil {
					if ctx.Err() == nil {
						b.log.Error("live: reading a change's nodes failed; the subscription ends", "err", err, "event", it.Record.Cursor.String())
					}
					return
				}
				if c == nil || !f.admits(c) {
					continue
				}
			}
			if ids != nil {
				id := ""
				if c.Record != nil {
					id = c.Record.Cursor.String()
				}
				select {
				case ids <- id:
				case <-ctx.Done():
					return
				}
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

type eventIDsKey struct{}

// WithEventIDs returns ctx whose subscription hands the event id of each
// change (empty for a refetch notice) to the channel returned before the
// change itself, for a transport that sends it beside the response (SSE's
// id): the id of a response is there once the response is, and the next
// change waits until it is taken.
func WithEventIDs(ctx context.Context) (context.Context, <-chan string) {
	ids := make(chan string, 1)
	return context.WithValue(ctx, eventIDsKey{}, ids), ids
}

type resumeKey struct{}

// WithResume returns ctx whose subscription resumes after the event id
// (SSE's Last-Event-ID), whatever its after argument says.
func WithResume(ctx context.Context, eventID string) context.Context {
	return context.WithValue(ctx, resumeKey{}, eventID)
}

// ResumeFrom returns the event id WithResume set.
func ResumeFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(resumeKey{}).(string)
	return id, ok
}

// admits reports whether c passes the filter.
func (f Filter) admits(c *Change) bool {
	if len(f.Prefixes) > 0 && !slices.ContainsFunc(c.Record.Targets, func(id pulid.ID) bool { return slices.Contains(f.Prefixes, id.Prefix()) }) {
		return false
	}
	if f.UserID != "" && !touches(c, f.UserID, userOf) {
		return false
	}
	if f.DeviceID != "" && !touches(c, f.DeviceID, deviceOf) {
		return false
	}
	return true
}

// touches reports whether the change names id among its targets or one
// of its nodes belongs to it.
func touches(c *Change, id pulid.ID, owner func(ent.Noder) pulid.ID) bool {
	if slices.Contains(c.Record.Targets, id) {
		return true
	}
	return slices.ContainsFunc(c.Nodes, func(n ent.Noder) bool { return owner(n) == id })
}

func userOf(n ent.Noder) pulid.ID {
	switch n := n.(type) {
	case *ent.Permission:
		return n.UserID
	case *ent.Invitation:
		return n.UserID
	case *ent.AccessEvent:
		return deref(n.UserID)
	case *ent.APIToken:
		return deref(n.UserID)
	}
	return ""
}

func deviceOf(n ent.Noder) pulid.ID {
	switch n := n.(type) {
	case *ent.Permission:
		return n.DeviceID
	case *ent.AccessEvent:
		return deref(n.DeviceID)
	}
	return ""
}

func deref(id *pulid.ID) pulid.ID {
	if id == nil {
		return ""
	}
	return *id
}

// deletes are the actions whose main target is gone afterwards.
var deletes = map[enum.AuditAction]bool{
	enum.AuditUserDeleted: true, enum.AuditDeviceDeleted: true, enum.AuditAdminDeleted: true,
	enum.AuditAPITokenRevoked: true, enum.AuditAppTokenRevoked: true, enum.AuditSignedOut: true,
}

// subjects are the record's targets, the main changed node first: a
// grant's record names the user and the invitation before the
// permissions (internal/grant), but what it changed first is its
// permissions.
func subjects(r *feed.Record) []pulid.ID {
	if r.Action != enum.AuditPermissionsGranted || len(r.Targets) < 3 {
		return r.Targets
	}
	out := make([]pulid.ID, 0, len(r.Targets))
	for i := 2; i < len(r.Targets); i += 2 {
		out = append(out, r.Targets[i])
	}
	out = append(out, r.Targets[1], r.Targets[0])
	for i := 3; i < len(r.Targets); i += 2 {
		out = append(out, r.Targets[i])
	}
	return out
}

// prefixes are the node types a change may touch, in a fixed order.
var prefixes = [...]string{PrefixUser, PrefixDevice, PrefixPermission, PrefixInvitation, PrefixAccessEvent, PrefixAdmin, PrefixToken}

// scopes are a viewer's auth.ScopeKey of each of prefixes.
type scopes [len(prefixes)]string

func scopesOf(v *auth.Viewer) scopes {
	var s scopes
	for i, p := range prefixes {
		s[i] = auth.ScopeKey(v, entTypes[p])
	}
	return s
}

// changeKey names a change as the viewers of one scope receive it: the
// record and the scopes of the types it touches (the others are empty),
// so that viewers who read those types alike share it.
type changeKey struct {
	record pulid.ID
	// viewer is the viewer's own scope: what is built depends on it even
	// when r touches no node type (an app token receives only changes
	// whose main node it reads).
	viewer string
	scopes scopes
}

// change returns r as v (whose scopes are s) receives it, nil when v may
// not see it: the account's admins and API tokens, who read the audit
// trail, receive every record; an app token those whose main node it may
// read.
func (b *Broker) change(r *feed.Record, v *auth.Viewer, s *scopes) (*Change, error) {
	key := changeKey{record: r.ID, viewer: auth.ScopeKey(v, "")}
	for _, id := range r.Targets {
		if i := slices.Index(prefixes[:], id.Prefix()); i >= 0 {
			key.scopes[i] = s[i]
		}
	}
	return b.shared.get(key, func() (*Change, error) {
		ids := subjects(r)
		nodes := map[pulid.ID]ent.Noder{}
		for i, p := range prefixes {
			if key.scopes[i] == "" {
				continue
			}
			var wanted []pulid.ID
			for _, id := range ids {
				if id.Prefix() == p && !slices.Contains(wanted, id) {
					wanted = append(wanted, id)
				}
			}
			if err := b.nodes(p, v, wanted, nodes); err != nil {
				return nil, err
			}
		}
		c := &Change{Record: r, Nodes: make([]ent.Noder, 0, len(nodes))}
		for _, id := range ids {
			if n, ok := nodes[id]; ok && !slices.Contains(c.Nodes, n) {
				c.Nodes = append(c.Nodes, n)
			}
		}
		if len(ids) > 0 {
			c.Node = nodes[ids[0]]
			if deletes[r.Action] && c.Node == nil {
				c.DeletedID = &ids[0]
			}
		}
		if v.Role == auth.RoleUser && c.Node == nil {
			return nil, nil
		}
		return c, nil
	})
}

// nodes reads the nodes of one type as v sees them into into, on the
// broker's own context: the first subscriber to ask reads for all of its
// group, and may leave meanwhile.
func (b *Broker) nodes(prefix string, v *auth.Viewer, ids []pulid.ID, into map[pulid.ID]ent.Noder) error {
	ctx, cancel := context.WithTimeout(auth.NewContext(context.Background(), v), 10*time.Second)
	defer cancel()
	c := b.client
	switch prefix {
	case PrefixUser:
		return index(into, func(n *ent.User) pulid.ID { return n.ID })(c.User.Query().Where(user.IDIn(ids...)).All(ctx))
	case PrefixDevice:
		return index(into, func(n *ent.Device) pulid.ID { return n.ID })(c.Device.Query().Where(device.IDIn(ids...)).All(ctx))
	case PrefixPermission:
		return index(into, func(n *ent.Permission) pulid.ID { return n.ID })(c.Permission.Query().Where(permission.IDIn(ids...)).All(ctx))
	case PrefixInvitation:
		return index(into, func(n *ent.Invitation) pulid.ID { return n.ID })(c.Invitation.Query().Where(invitation.IDIn(ids...)).All(ctx))
	case PrefixAccessEvent:
		return index(into, func(n *ent.AccessEvent) pulid.ID { return n.ID })(c.AccessEvent.Query().Where(accessevent.IDIn(ids...)).All(ctx))
	case PrefixAdmin:
		// Never the password's hash.
		return index(into, func(n *ent.Admin) pulid.ID { return n.ID })(c.Admin.Query().Where(admin.IDIn(ids...)).Select(without(admin.Columns, admin.FieldPasswordHash)...).All(ctx))
	case PrefixToken:
		return index(into, func(n *ent.APIToken) pulid.ID { return n.ID })(c.APIToken.Query().Where(apitoken.IDIn(ids...)).Select(without(apitoken.Columns, apitoken.FieldTokenHash)...).All(ctx))
	}
	return errors.New("live: no node type for prefix " + prefix)
}

// without is cols but drop.
func without(cols []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return c == drop })
}

// index returns the function that puts rows, by id, into into.
func index[T ent.Noder](into map[pulid.ID]ent.Noder, id func(T) pulid.ID) func([]T, error) error {
	return func(rows []T, err error) error {
		for _, r := range rows {
			into[id(r)] = r
		}
		return err
	}
}

// shared remembers the changes built lately, so that every subscriber of
// a scope gets the one read for all of them.
type shared struct {
	mu      sync.Mutex
	entries map[changeKey]*entry
	// order holds the keys oldest first; beyond keep, the oldest go.
	order []changeKey
}

// keep is how many changes are remembered: a subscriber that lags behind
// by more reads its change again.
const keep = 8192

type entry struct {
	done chan struct{}
	c    *Change
	err  error
}

// get returns the change of key, built by build once for every caller
// that asks while it is remembered.
func (s *shared) get(key changeKey, build func() (*Change, error)) (*Change, error) {
	s.mu.Lock()
	e, ok := s.entries[key]
	if !ok {
		e = &entry{done: make(chan struct{})}
		s.entries[key] = e
		s.order = append(s.order, key)
		if len(s.order) > keep {
			drop := len(s.order) - keep
			for _, k := range s.order[:drop] {
				delete(s.entries, k)
			}
			s.order = append(s.order[:0], s.order[drop:]...)
		}
	}
	s.mu.Unlock()
	if ok {
		<-e.done
		return e.c, e.err
	}
	e.c, e.err = build()
	close(e.done)
	if e.err != nil {
		s.mu.Lock()
		if s.entries[key] == e {
			delete(s.entries, key)
		}
		s.mu.Unlock()
	}
	return e.c, e.err
}
