// Package audit appends to the audit trail: one record per write, in the
// write's transaction, naming the actor of the request (from its viewer),
// the request id and the client address (from its context).
package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Entry is what a write records of itself.
type Entry struct {
	Action enum.AuditAction
	// Targets are the IDs of the rows the write touched, the main one first.
	Targets []pulid.ID
	// Changes are the fields it changed (see Changes); never a secret.
	Changes []changes.Field
	// At is the server's clock at the write.
	At time.Time
	// System makes the server the actor, in the account it names, whoever
	// the viewer: for a write that a code allows rather than the request's
	// token (redeeming an invitation, which any caller may).
	System *System
}

// System is the server as an actor in one account.
type System struct {
	AccountID pulid.ID
	// Name says on whose behalf the server acted ("invitation code").
	Name string
}

// Record appends e to the trail in the transaction of c. The actor is
// e.System or else the viewer of ctx: an admin's session, an API or app
// token, or the server's own work for an account. A write with neither is
// refused, as is a change of a field that holds a secret: either would be
// a bug, and the write fails with it rather than go unrecorded.
func Record(ctx context.Context, c *ent.Client, e Entry) error {
	if e.At.IsZero() {
		return errors.New("audit: an entry needs the server's time")
	}
	for _, f := range e.Changes {
		if changes.Secret(f.Name) {
			return fmt.Errorf("audit: %s holds a secret and cannot be recorded", f.Name)
		}
	}
	if e.Changes == nil {
		e.Changes = []changes.Field{}
	}
	addr := ""
	if a := clientaddr.FromContext(ctx); a.IsValid() {
		addr = a.String()
	}
	b := c.AuditEvent.Create().
		SetAction(e.Action).
		SetTargets(e.Targets).
		SetChanges(e.Changes).
		SetRequestID(observe.RequestID(ctx)).
		SetClientAddress(addr).
		// Microseconds, which PostgreSQL keeps, so both databases order alike.
		SetOccurredAt(e.At.UTC().Truncate(time.Microsecond))
	switch v := auth.FromContext(ctx); {
	case e.System != nil:
		b.SetAccountID(e.System.AccountID).SetActorKind(enum.ActorSystem).SetActorName(e.System.Name)
		ctx = auth.SystemContext(ctx)
	case v == nil:
		return errors.New("audit: a write without an actor")
	default:
		kind, id := actorOf(v)
		b.SetActorKind(kind).SetActorName(v.Name).SetNillableActorID(id)
		if v.TokenID != "" {
			b.SetActorTokenID(v.TokenID)
		}
	}
	return b.Exec(ctx)
}

// actorOf says what kind of actor v is, and its ID: the admin of a
// session, the token of an API or app token; none for the server's own
// work on an account's behalf (a viewer without a token).
func actorOf(v *auth.Viewer) (enum.ActorKind, *pulid.ID) {
	switch {
	case v.AdminID != "":
		return enum.ActorAdmin, &v.AdminID
	case v.TokenID == "":
		return enum.ActorSystem, nil
	case v.Role == auth.RoleUser:
		return enum.ActorAppToken, &v.TokenID
	}
	return enum.ActorAPIToken, &v.TokenID
}

// Save runs save, the Save of a builder of one row whose mutation is m,
// and records action for it with the fields it set or changed and the row
// as the target. An update that changed nothing records nothing: it wrote
// nothing either (the version hook of ent/schema drops unchanged fields).
func Save[T any](ctx context.Context, c *ent.Client, at time.Time, action enum.AuditAction, m ent.Mutation, save func(context.Context) (T, error)) (T, error) {
	v, err := save(ctx)
	if err != nil {
		return v, err
	}
	fields, err := Changes(ctx, m)
	if err != nil || (len(fields) == 0 && m.Op().Is(ent.OpUpdateOne)) {
		return v, err
	}
	id, ok := m.(interface{ ID() (pulid.ID, bool) }).ID()
	if !ok {
		return v, fmt.Errorf("audit: the %s saved has no ID", m.Type())
	}
	return v, Record(ctx, c, Entry{Action: action, Targets: []pulid.ID{id}, Changes: fields, At: at})
}

// Actor is who made a recorded write, as the API shows it.
type Actor struct {
	Kind    enum.ActorKind
	ID      *pulid.ID
	TokenID *pulid.ID
	Name    string
}

// ActorOf reads the actor of a record.
func ActorOf(e *ent.AuditEvent) *Actor {
	return &Actor{Kind: e.ActorKind, ID: e.ActorID, TokenID: e.ActorTokenID, Name: e.ActorName}
}
