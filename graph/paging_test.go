package graph_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// rawCursor encodes a cursor as entgql does (MessagePack, then base64):
// a map of the ID (if any) and a value nested in depth one-item arrays.
func rawCursor(id string, depth int) string {
	b := []byte{0x81}
	if id != "" {
		b = append([]byte{0x82, 0xa1, 'i', 0xd9, byte(len(id))}, id...)
	}
	b = append(b, 0xa1, 'v')
	for range depth {
		b = append(b, 0x91)
	}
	b = append(b, 0xc0)
	return base64.RawStdEncoding.EncodeToString(b)
}

// TestCursorInputs: a cursor the server did not issue (garbage, too long,
// nested, without an ID) is refused with BAD_USER_INPUT and the argument in
// extensions.field, before it is decoded for any connection, top-level or
// nested; nothing is read, nothing is logged above INFO, and the metrics
// count no internal error.
func TestCursorInputs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		logs := &testenv.Buffer{}
		e := testenv.Start(t, db, testenv.WithStatements(&st), testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelWarn)))
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		var p userPage
		e.MustDo(acme.Token, `{ users(first: 1) { edges { cursor } } }`, nil, &p)
		good := p.Users.Edges[0].Cursor
		id := string(pulid.New("usr"))
		cases := []struct {
			name, query string
			vars        map[string]any
			field       string
		}{
			{"garbage", `{ users(after: "abc") { totalCount } }`, nil, "users.after"},
			{"garbage in a variable", `query($c: Cursor) { users(last: 2, before: $c) { totalCount } }`, map[string]any{"c": "!!not base64"}, "users.before"},
			{"garbage in a nested connection", `{ users { edges { node { permissions(first: 2, after: "abc") { totalCount } } } } }`, nil, "permissions.after"},
			{"not a string", `{ users(after: 42) { totalCount } }`, nil, "users.after"},
			{"100,000 levels deep", `query($c: Cursor) { users(after: $c) { totalCount } }`, map[string]any{"c": rawCursor(id, 100_000)}, "users.after"},
			{"nested value", `query($c: Cursor) { users(after: $c) { totalCount } }`, map[string]any{"c": rawCursor(id, 1000)}, "users.after"},
			{"no ID", `query($c: Cursor) { devices(after: $c) { totalCount } }`, map[string]any{"c": rawCursor("", 0)}, "devices.after"},
			{"cut short", `query($c: Cursor) { users(after: $c) { totalCount } }`, map[string]any{"c": good[:len(good)/2]}, "users.after"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRefusedUnread(t, e, &st, acme.Token, c.query, c.vars, "BAD_USER_INPUT", c.field)
			})
		}
		// The server's own cursors pass, in every connection.
		e.MustDo(acme.Token, `query($c: Cursor) { users(after: $c) { totalCount } devices(after: $c) { totalCount } users2: users(first: 1, after: $c) { edges { node { permissions(after: $c) { totalCount } } } } }`, map[string]any{"c": good}, nil)
		e.MustDo(acme.Token, `query($c: Cursor) { users(after: $c) { totalCount } }`, map[string]any{"c": rawCursor(id, 0)}, nil)

		if l := logs.String(); l != "" {
			t.Errorf("refused cursors were logged above INFO:\n%.2000s", l)
		}
		res, err := http.Get(e.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, `latchkey_graphql_errors_total{code="INTERNAL"}`) && !strings.HasSuffix(line, " 0") {
				t.Errorf("internal errors counted: %s", line)
			}
		}
		if !strings.Contains(string(body), `latchkey_graphql_errors_total{code="BAD_USER_INPUT"} 8`) {
			t.Errorf("the refusals are not counted as BAD_USER_INPUT:\n%s", body)
		}
	})
}

// TestPagingDirections: a page goes forward (first, after) or backward
// (last, before), in every connection. entgql compares both cursors in the
// page size's direction, so first with before answered the items after the
// cursor: such mixes are refused, and a cursor without a page size gets the
// default size in its own direction.
func TestPagingDirections(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 8, "UTC"))
		for i, name := range []string{"Ada", "Bob", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"} {
			user := newUser(e, acme.Token, name, strings.ToLower(name)+"@example.com")
			if i == 0 {
				e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}, nil)
			}
		}
		type page struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
		// Each connection, aliased conn; devices in an order of their own.
		connections := []struct{ name, query string }{
			{"users", `query($a: Cursor, $b: Cursor, $f: Int, $l: Int) { conn: users(after: $a, before: $b, first: $f, last: $l) { edges { cursor node { id } } } }`},
			{"devices", `query($a: Cursor, $b: Cursor, $f: Int, $l: Int) { conn: devices(after: $a, before: $b, first: $f, last: $l, orderBy: {field: NAME, direction: DESC}) { edges { cursor node { id } } } }`},
			{"permissions", `query($a: Cursor, $b: Cursor, $f: Int, $l: Int) { conn: permissions(after: $a, before: $b, first: $f, last: $l) { edges { cursor node { id } } } }`},
		}
		for _, c := range connections {
			t.Run(c.name, func(t *testing.T) {
				e := e.For(t)
				get := func(vars map[string]any) []string {
					var out struct{ Conn page }
					e.MustDo(acme.Token, c.query, vars, &out)
					var got []string
					for _, edge := range out.Conn.Edges {
						got = append(got, edge.Node.ID)
					}
					return got
				}
				var all struct{ Conn page }
				e.MustDo(acme.Token, c.query, map[string]any{"f": 8}, &all)
				if len(all.Conn.Edges) != 8 {
					t.Fatalf("%d items", len(all.Conn.Edges))
				}
				ids := get(map[string]any{"f": 8})
				at := all.Conn.Edges[5].Cursor
				if got := get(map[string]any{"l": 3, "b": at}); strings.Join(got, " ") != strings.Join(ids[2:5], " ") {
					t.Errorf("last 3 before the 6th: %v, want %v", got, ids[2:5])
				}
				if got := get(map[string]any{"b": at}); strings.Join(got, " ") != strings.Join(ids[:5], " ") {
					t.Errorf("before the 6th, default size: %v, want %v", got, ids[:5])
				}
				if got := get(map[string]any{"a": at}); strings.Join(got, " ") != strings.Join(ids[6:], " ") {
					t.Errorf("after the 6th, default size: %v, want %v", got, ids[6:])
				}
				for _, bad := range []struct {
					vars  map[string]any
					field string
				}{
					{map[string]any{"f": 3, "b": at}, "conn.before"},
					{map[string]any{"l": 3, "a": at}, "conn.after"},
					{map[string]any{"a": all.Conn.Edges[1].Cursor, "b": at}, "conn.before"},
					{map[string]any{"f": 3, "l": 3}, "conn.last"},
				} {
					expectRejected(t, e, acme.Token, c.query, bad.vars, "BAD_USER_INPUT", bad.field)
				}
			})
		}
	})
}

// TestFragmentDefaultPageSize: a connection selected in a fragment gets
// the default page size too (the executor reads fragments from the
// document, not from the operation's spreads).
func TestFragmentDefaultPageSize(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		e.Devices(acme, 60, "UTC")
		var out struct{ Devices struct{ Edges []struct{} } }
		e.MustDo(acme.Token, `{ ...D } fragment D on Query { devices { edges { node { id } } } }`, nil, &out)
		if len(out.Devices.Edges) != 50 {
			t.Errorf("%d devices in a fragment's page, want 50", len(out.Devices.Edges))
		}
	})
}
