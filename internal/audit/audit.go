// Package audit appends to the audit trail: one record per write, in the
// write's transaction, naming the actor of the request (from its viewer),
// the request id and the client address (from its context).
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/auditevent"
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
//
// The record is one INSERT of this package's own (insertStatement), not
// Ent's create: the trail is append-only, every record of it comes through
// here, and Ent's hooks, builder and JSON encoding cost the grant more than
// its statement (BENCHMARKS.md). Once the record is committed, c's
// Appended (internal/app) tells the change feed.
func Record(ctx context.Context, c *ent.Client, e Entry) error {
	if e.At.IsZero() {
		return errors.New("audit: an entry needs the server's time")
	}
	for _, f := range e.Changes {
		if changes.Secret(f.Name) {
			return fmt.Errorf("audit: %s holds a secret and cannot be recorded", f.Name)
		}
	}
	addr := ""
	if a := clientaddr.FromContext(ctx); a.IsValid() {
		addr = a.String()
	}
	var (
		account       pulid.ID
		kind          enum.ActorKind
		name          string
		actor, viaTok any // NULL unless set
	)
	switch v := auth.FromContext(ctx); {
	case e.System != nil:
		account, kind, name = e.System.AccountID, enum.ActorSystem, e.System.Name
	case v == nil:
		return errors.New("audit: a write without an actor")
	default:
		var id *pulid.ID
		kind, id = actorOf(v)
		account, name = v.AccountID, v.Name
		if id != nil {
			actor = string(*id)
		}
		if v.TokenID != "" {
			viaTok = string(v.TokenID)
		}
	}
	if account == "" {
		return errors.New("audit: a record needs its account")
	}
	if err := errors.Join(auditevent.ActorKindValidator(kind), auditevent.ActionValidator(e.Action)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	insert, ok := insertStatements[c.SQLDialect()]
	if !ok {
		return fmt.Errorf("audit: no statement for the %s dialect", c.SQLDialect())
	}
	err := c.Exec(ctx, insert,
		string(auditevent.DefaultID()), string(account), string(kind), actor, viaTok, name, string(e.Action),
		targetsJSON(e.Targets), changesJSON(e.Changes), observe.RequestID(ctx), addr,
		// Microseconds, which PostgreSQL keeps, so both databases order alike.
		e.At.UTC().Truncate(time.Microsecond))
	if err != nil {
		return err
	}
	if c.Appended != nil {
		c.AfterCommit(c.Appended)
	}
	return nil
}

// insertColumns are the columns Record writes, in the order of its
// arguments; feed_tx takes its default (ent/schema).
var insertColumns = []string{
	auditevent.FieldID, auditevent.FieldAccountID, auditevent.FieldActorKind, auditevent.FieldActorID,
	auditevent.FieldActorTokenID, auditevent.FieldActorName, auditevent.FieldAction, auditevent.FieldTargets,
	auditevent.FieldChanges, auditevent.FieldRequestID, auditevent.FieldClientAddress, auditevent.FieldOccurredAt,
}

// insertStatements holds Record's INSERT by dialect.
var insertStatements = map[string]string{
	dialect.Postgres: insertStatement(dialect.Postgres),
	dialect.SQLite:   insertStatement(dialect.SQLite),
}

func insertStatement(d string) string {
	// Any value but nil (which the builder writes as NULL) makes a
	// placeholder; Record passes the arguments.
	args := make([]any, len(insertColumns))
	for i := range args {
		args[i] = ""
	}
	q, _ := entsql.Dialect(d).Insert(auditevent.Table).Columns(insertColumns...).Values(args...).Query()
	return q
}

// targetsJSON and changesJSON encode a record's lists as the trail's JSON
// columns hold them (what encoding/json makes of []pulid.ID and
// []changes.Field, without its reflection): IDs and field names are
// written as JSON strings, values as the JSON they are.
func targetsJSON(ids []pulid.ID) string {
	return jsonArray(ids, 32, func(b []byte, id pulid.ID) []byte { return appendString(b, string(id)) })
}

func changesJSON(fs []changes.Field) string {
	return jsonArray(fs, 64, func(b []byte, f changes.Field) []byte {
		b = append(b, `{"field":`...)
		b = appendString(b, f.Name)
		b = append(b, `,"before":`...)
		b = appendRaw(b, f.Before)
		b = append(b, `,"after":`...)
		b = appendRaw(b, f.After)
		return append(b, '}')
	})
}

// jsonArray writes list as a JSON array of what item appends for each
// element (about size bytes).
func jsonArray[T any](list []T, size int, item func([]byte, T) []byte) string {
	b := make([]byte, 0, 2+len(list)*size)
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(b, v)
	}
	return string(append(b, ']'))
}

// appendString writes s as a JSON string: as it is when it holds only
// printable ASCII that needs no escape, else through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendRaw writes a value of a change: null when it has none.
func appendRaw(b []byte, v json.RawMessage) []byte {
	if len(v) == 0 {
		return append(b, "null"...)
	}
	return append(b, v...)
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
