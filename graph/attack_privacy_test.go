package graph_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestEmptyWhereOperands: a where input that states no condition inside
// not, and or or is the client's mistake (BAD_USER_INPUT naming it), never
// INTERNAL, for every role, at any depth, written or in a variable; alone
// or in a has…With list it still means "any row".
func TestEmptyWhereOperands(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada, adaToken := sharedDoor(e, acme)
		for _, c := range []struct{ query, field string }{
			{`{ users(where: {or: [{}]}) { totalCount } }`, "users.where.or[0]"},
			{`{ users(where: {and: [{name: "x"}, {}]}) { totalCount } }`, "users.where.and[1]"},
			{`{ devices(where: {not: {}}) { totalCount } }`, "devices.where.not"},
			{`{ devices(where: {or: [{idIn: []}]}) { totalCount } }`, "devices.where.or[0]"},
			{`{ devices(where: {or: [{or: []}]}) { totalCount } }`, "devices.where.or[0]"},
			{`{ d: devices(where: {hasPermissionsWith: [{not: {hasUserWith: []}}]}) { totalCount } }`, "d.where.hasPermissionsWith[0].not"},
			{`{ accessEvents(where: {hasUserWith: [{or: [{}]}]}) { totalCount } }`, "accessEvents.where.hasUserWith[0].or[0]"},
			{`{ node(id: "` + ada + `") { ... on User { permissions(where: {or: [{}]}) { totalCount } } } }`, "node.permissions.where.or[0]"},
			{`{ users(first: 5) { edges { node { events(where: {and: [{}]}) { totalCount } } } } }`, "users.edges[0].node.events.where.and[0]"},
		} {
			for role, token := range map[string]string{"admin": acme.Token, "user": adaToken} {
				r := e.Do(token, c.query, nil)
				if r.Code() != "BAD_USER_INPUT" || r.Field() != c.field {
					t.Errorf("%s, %s: want BAD_USER_INPUT at %s; %s", role, c.query, c.field, r.Body)
				}
			}
		}
		r := e.Do(adaToken, `query($w: UserWhereInput) { users(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"or": []any{map[string]any{}}}})
		if r.Code() != "BAD_USER_INPUT" || r.Field() != "users.where.or[0]" {
			t.Errorf("in a variable: %s", r.Body)
		}
		for _, q := range []string{
			`{ users(where: {}) { totalCount } }`,
			`{ users(where: {idIn: []}) { totalCount } }`,
			`{ users(where: {or: []}) { totalCount } }`,
			`{ users(where: {hasPermissionsWith: [{}]}) { totalCount } }`,
			`{ users(where: {hasPermissionsWith: [{idIn: []}]}) { totalCount } }`,
		} {
			var out any
			e.MustDo(acme.Token, q, nil, &out)
			if n := totalCounts(out); n != 2 {
				t.Errorf("%s: totalCount %d, want 2 (Ada and Bob)", q, n)
			}
		}
	})
}

// TestDoorEventsReachTheDisk: a door event is saved before the door acts,
// which only holds if a commit is on disk when it returns: SQLite in WAL
// mode with synchronous NORMAL may lose the last commits to a power loss,
// so the server asks for FULL; PostgreSQL must not run with
// synchronous_commit off.
func TestDoorEventsReachTheDisk(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		// Every connection of the pool must say so, not just the first.
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			c, err := e.App.DB.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var got string
			if strings.HasPrefix(db, "postgres") {
				err = c.QueryRowContext(t.Context(), "SHOW synchronous_commit").Scan(&got)
				if err == nil && got == "off" {
					t.Errorf("synchronous_commit = %s", got)
				}
			} else {
				err = c.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got)
				if err == nil && got != "2" {
					t.Errorf("PRAGMA synchronous = %s, want 2 (FULL)", got)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range conns {
			_ = c.Close()
		}
	})
}

// TestCursorOfAnotherOrder: a cursor holds its connection's ordering
// value, so one taken from a connection of another order (a name where a
// time is compared, a time where a status is) is not a cursor of this
// connection: it answers BAD_USER_INPUT naming the argument, on root and
// nested connections, where PostgreSQL failed on it with INTERNAL.
func TestCursorOfAnotherOrder(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		sharedDoor(e, acme)
		cursor := func(query string) string {
			t.Helper()
			var out map[string]struct{ Edges []struct{ Cursor string } }
			e.MustDo(acme.Token, query, nil, &out)
			for _, c := range out {
				if len(c.Edges) > 0 {
					return c.Edges[0].Cursor
				}
			}
			t.Fatalf("%s: no cursor", query)
			return ""
		}
		byName := cursor(`{ users(first: 1, orderBy: {field: NAME}) { edges { cursor } } }`)
		byTime := cursor(`{ accessEvents(first: 1) { edges { cursor } } }`)
		byStatus := cursor(`{ permissions(first: 1, orderBy: {field: STATUS}) { edges { cursor } } }`)
		for _, c := range []struct{ query, cursor, field string }{
			{`query($c: Cursor) { accessEvents(after: $c) { totalCount edges { cursor } } }`, byName, "accessEvents.after"},
			{`query($c: Cursor) { invitations(first: 5, after: $c, orderBy: {field: EXPIRES_AT}) { totalCount edges { cursor } } }`, byStatus, "invitations.after"},
			{`query($c: Cursor) { u: users(last: 5, before: $c, orderBy: {field: CREATED_AT, direction: DESC}) { totalCount edges { cursor } } }`, byName, "u.before"},
			{`query($c: Cursor) { permissions(after: $c, orderBy: {field: STATUS}) { totalCount edges { cursor } } }`, byTime, "permissions.after"},
			{`query($c: Cursor) { devices(after: $c, orderBy: {field: NAME}) { totalCount edges { cursor } } }`, byTime, "devices.after"},
			{`query($c: Cursor) { users(first: 1) { edges { node { events(after: $c) { totalCount edges { cursor } } } } } }`, byStatus, "events.after"},
			{`query($c: Cursor) { users(first: 1) { edges { node { ...P } } } } fragment P on User { permissions(after: $c, orderBy: {field: CREATED_AT}) { totalCount edges { cursor } } }`, byName, "permissions.after"},
		} {
			r := e.Do(acme.Token, c.query, map[string]any{"c": c.cursor})
			if r.Code() != "BAD_USER_INPUT" || r.Field() != c.field {
				t.Errorf("%s: want BAD_USER_INPUT at %s; %s", c.query, c.field, r.Body)
			}
		}
		// A connection's own cursors still page, and one ordered by ID
		// takes any of the server's cursors (it compares IDs only).
		for _, c := range []struct{ query, cursor string }{
			{`query($c: Cursor) { users(after: $c, orderBy: {field: NAME}) { totalCount edges { cursor } } }`, byName},
			{`query($c: Cursor) { users(after: $c, orderBy: {field: EMAIL, direction: DESC}) { totalCount edges { cursor } } }`, byName},
			{`query($c: Cursor) { accessEvents(after: $c) { totalCount edges { cursor } } }`, byTime},
			{`query($c: Cursor) { invitations(after: $c, orderBy: {field: CREATED_AT}) { totalCount edges { cursor } } }`, byTime},
			{`query($c: Cursor) { permissions(after: $c, orderBy: {field: STATUS}) { totalCount edges { cursor } } }`, byStatus},
			{`query($c: Cursor) { users(after: $c) { totalCount edges { cursor } } devices(after: $c) { totalCount edges { cursor } } }`, byTime},
		} {
			e.MustDo(acme.Token, c.query, map[string]any{"c": c.cursor}, nil)
		}
	})
}

// TestNoDeviceNameWithoutPermission: a user who names a device of its
// account that it holds no permission on is refused and logged, but learns
// nothing of the device: the answer's event has no name, and the user's own
// event list (and a filter on names) does not hold the attempt. The admin's
// log keeps the name.
func TestNoDeviceNameWithoutPermission(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, true)
		e, acme, dev, token := d.Env, d.acme, d.dev, d.token
		e.MustDo(acme.Token, `mutation($id: ID!) { updateDevice(id: $id, input: {name: "Secret vault"}) { device { id } } }`, map[string]any{"id": dev[1]}, nil)
		var o opResult
		e.MustDo(token, operate, map[string]any{"d": dev[1], "a": "UNLOCK"}, &o)
		if o.OperateDevice.Reason != "NO_PERMISSION" || o.OperateDevice.Event.DeviceName != "" {
			t.Errorf("the refusal names the device: %+v", o.OperateDevice)
		}
		var own struct {
			All, Named struct{ TotalCount int }
		}
		e.MustDo(token, `{ all: accessEvents { totalCount } named: accessEvents(where: {deviceNameHasPrefix: "Secret"}) { totalCount } }`, nil, &own)
		if own.All.TotalCount != 0 || own.Named.TotalCount != 0 {
			t.Errorf("the user's own log holds the attempt: %+v", own)
		}
		if evs := adminEvents(e, acme.Token); len(evs) != 1 || evs[0].DeviceName != "Secret vault" || evs[0].Reason != "NO_PERMISSION" {
			t.Errorf("the admin's log: %+v", evs)
		}
	})
}

// TestCursorValuesTheDatabasesCannotHold: a cursor of the right shape whose
// value no input of its type could carry (a time outside years 1 to 9999,
// text with NUL) is refused as the client's mistake, not sent to the
// database (SQLite's time form cannot hold year 10000, PostgreSQL refuses
// NUL in text).
func TestCursorValuesTheDatabasesCannotHold(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada, _ := sharedDoor(e, acme)
		forged := func(v any) string {
			var b bytes.Buffer
			ent.Cursor{ID: pulid.ID(ada), Value: v}.MarshalGQL(&b)
			return strings.Trim(b.String(), `"`)
		}
		for _, c := range []struct{ query, cursor, field string }{
			{`query($c: Cursor) { users(after: $c, orderBy: {field: CREATED_AT}) { totalCount edges { cursor } } }`, forged(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), "users.after"},
			{`query($c: Cursor) { users(after: $c, orderBy: {field: CREATED_AT}) { totalCount edges { cursor } } }`, forged(time.Time{}), "users.after"},
			{`query($c: Cursor) { users(after: $c, orderBy: {field: NAME}) { totalCount edges { cursor } } }`, forged("Ad\x00a"), "users.after"},
		} {
			r := e.Do(acme.Token, c.query, map[string]any{"c": c.cursor})
			if r.Code() != "BAD_USER_INPUT" || r.Field() != c.field {
				t.Errorf("%s with %s: want BAD_USER_INPUT at %s; %s", c.query, c.cursor, c.field, r.Body)
			}
		}
		// The same shape with an ordinary value pages.
		e.MustDo(acme.Token, `query($c: Cursor) { users(after: $c, orderBy: {field: NAME}) { totalCount } }`, map[string]any{"c": forged("Ada")}, nil)
	})
}

// TestAccessEventNode: an access event is a Node that node(id:) finds for
// its account's admin and its user, and for nobody else.
func TestAccessEventNode(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 1, true)
		e, acme, token := d.Env, d.acme, d.token
		var o opResult
		e.MustDo(token, operate, map[string]any{"d": d.dev[0], "a": "UNLOCK"}, &o)
		const q = `query($id: ID!) { node(id: $id) { id ... on AccessEvent { reason deviceName } } }`
		for who, tok := range map[string]string{"admin": acme.Token, "user": token} {
			var out struct {
				Node *struct{ ID, Reason, DeviceName string }
			}
			e.MustDo(tok, q, map[string]any{"id": o.OperateDevice.Event.ID}, &out)
			if out.Node == nil || out.Node.ID != o.OperateDevice.Event.ID || out.Node.Reason != "ALLOWED" || out.Node.DeviceName != "Door 000" {
				t.Errorf("%s: node(id: %s) = %+v", who, o.OperateDevice.Event.ID, out.Node)
			}
		}
		other := e.Account("Other")
		if r := e.Do(other.Token, q, map[string]any{"id": o.OperateDevice.Event.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("another account's admin: %s", r.Body)
		}
	})
}
