package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestOperationLimits: each limit answers with its own code before any
// resolver runs, and a refused mutation writes nothing.
func TestOperationLimits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		var aliasedWrites strings.Builder
		aliasedWrites.WriteString("mutation {")
		for i := range 31 {
			fmt.Fprintf(&aliasedWrites, ` u%d: createUser(input: {name: "U", email: "u%d@example.com"}) { user { id } }`, i, i)
		}
		aliasedWrites.WriteString("}")
		cases := []struct {
			name, query, code string
		}{
			{"tokens", "{" + strings.Repeat(" viewer { role }", 2000) + "}", "TOKEN_LIMIT_EXCEEDED"},
			{"depth", `{ users { edges { node { permissions { edges { node { device { permissions { edges { node { user { permissions { edges { node { id } } } } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
			{"aliases", aliasedWrites.String(), "ALIAS_LIMIT_EXCEEDED"},
			{"complexity", `{ users(first: 200) { edges { node { permissions(first: 200) { edges { node { id status device { id name } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, c.query, nil, c.code, "")
			})
		}
		// The overview and a page of 200 users with 20 permissions each pass.
		e.MustDo(acme.Token, overview, nil, nil)
		e.MustDo(acme.Token, `{ users(first: 200) { edges { node { permissions(first: 20) { edges { node { id status device { id name } } } } } } } }`, nil, nil)
	})
}

// TestProductionMode: no introspection, no IDE, and no "Did you mean" in
// any validation error; development mode keeps all three.
func TestProductionMode(t *testing.T) {
	typos := []string{
		`{ userz { totalCount } }`,
		`{ users(frist: 1) { totalCount } }`,
		`{ users(orderBy: {field: NAMEE, direction: ASC}) { totalCount } }`,
		`mutation { createUser(input: {nam: "A", email: "a@example.com"}) { user { id } } }`,
		`{ viewer { rol } }`,
	}
	testenv.Each(t, func(t *testing.T, db string) {
		prod := testenv.Start(t, db, testenv.WithProduction())
		acme := prod.Account("Acme")
		if r := prod.Do(acme.Token, `{ __schema { types { name } } }`, nil); len(r.Errors) == 0 {
			t.Errorf("introspection is on in production: %.200s", r.Body)
		}
		for _, q := range typos {
			r := prod.Do(acme.Token, q, nil)
			if len(r.Errors) == 0 || strings.Contains(string(r.Body), "Did you mean") {
				t.Errorf("production answer to %s: %s", q, r.Body)
			}
		}
		res, err := http.Get(prod.Server.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("IDE in production: %d", res.StatusCode)
		}
	})
	testenv.Each(t, func(t *testing.T, db string) {
		dev := testenv.Start(t, db)
		acme := dev.Account("Acme")
		dev.MustDo(acme.Token, `{ __schema { types { name } } }`, nil, nil)
		if r := dev.Do(acme.Token, typos[0], nil); !strings.Contains(string(r.Body), "Did you mean") {
			t.Errorf("development mode should suggest: %s", r.Body)
		}
	})
}

// expectRefusedUnread is expectRejected for a request that must be refused
// before it reads anything: the request itself runs no SQL statement (the
// token was checked by an earlier request).
func expectRefusedUnread(t *testing.T, e *testenv.Env, st *testenv.Statements, token, query string, vars map[string]any, code, field string) *testenv.Response {
	t.Helper()
	// expectRejected counts and snapshots the tables before and after.
	st.Reset()
	e.For(t).Counts()
	e.For(t).Snapshot()
	checks := 2 * st.Count()
	st.Reset()
	r := expectRejected(t, e, token, query, vars, code, field)
	if n := st.Count() - checks; n != 0 {
		t.Errorf("the refused request ran %d statements: %q", n, st.Log())
	}
	return r
}

// TestFragmentDoubling: 30 fragments that each spread the next twice (a
// 1 KB document) are judged by walking each fragment once, with or without
// a token: spread directly, the fragment runs once and the document
// passes; spread again through other fragments, the walk counts every
// expansion and refuses the document before reading anything.
func TestFragmentDoubling(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		const viewer = "viewer { role }"
		var out struct{ Viewer struct{ Role string } }
		e.MustDo(acme.Token, graph.Doubling(30, false, viewer), nil, &out)
		if out.Viewer.Role == "" {
			t.Errorf("no viewer: %+v", out)
		}
		if r := e.Do("", graph.Doubling(30, false, viewer), nil); r.Code() == "INTERNAL" || len(r.Errors) == 0 && r.Code() != "" {
			t.Errorf("without a token: %s", r.Body)
		}
		// The metrics' operation label looks into fragments too, and finds
		// no field in this one.
		e.MustDo("", graph.Doubling(30, false, "__typename"), nil, nil)
		expectRefusedUnread(t, e, &st, acme.Token, graph.Doubling(30, true, viewer), nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
		expectRefusedUnread(t, e, &st, "", graph.Doubling(30, true, viewer), nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
	})
}

// nest wraps inner in n levels of {not: ...}.
func nest(n int, inner map[string]any) map[string]any {
	for range n {
		inner = map[string]any{"not": inner}
	}
	return inner
}

// TestInputLimits: argument values, in the document or in variables, are
// bounded in depth, list length and size, and edge filters count into
// complexity; each refusal names the argument (or list) and reads and
// writes nothing.
func TestInputLimits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		id := func(i int) any { return fmt.Sprint(i) }
		const byWhere = `query($w: UserWhereInput) { users(where: $w) { totalCount } }`
		deepLiteral := strings.Repeat("{not: ", 11) + `{name: "x"}` + strings.Repeat("}", 11)
		// Edge filters nest two deep at most; within that, their weight
		// times the pages they filter counts into complexity.
		chain := `{hasPermissionsWith: [{hasDeviceWith: [{hasPermissionsWith: [{status: ACTIVE}]}]}]}`
		wide := `{hasDeviceWith: [{hasPermissionsWith: [{status: ACTIVE}], hasEventsWith: [{action: UNLOCK}]}], hasUserWith: [{hasEventsWith: [{action: UNLOCK}]}]}`
		cases := []struct {
			name, query string
			vars        map[string]any
			code, field string
		}{
			{"deep where", `{ users(where: ` + deepLiteral + `) { totalCount } }`, nil, "INPUT_LIMIT_EXCEEDED", "users.where"},
			{"deep where in a variable", byWhere, map[string]any{"w": nest(11, map[string]any{"name": "x"})}, "INPUT_LIMIT_EXCEEDED", "$w"},
			{"deep where around a variable", `query($w: UserWhereInput) { users(where: {not: {not: {not: {not: {not: {not: $w}}}}}}) { totalCount } }`,
				map[string]any{"w": nest(5, map[string]any{"name": "x"})}, "INPUT_LIMIT_EXCEEDED", "users.where"},
			{"deep where in a fragment", `query($w: UserWhereInput) { ...F } fragment F on Query { list: users(where: $w) { totalCount } }`,
				map[string]any{"w": nest(11, map[string]any{"name": "x"})}, "INPUT_LIMIT_EXCEEDED", "$w"},
			{"or of 20,000", byWhere, map[string]any{"w": map[string]any{"or": many(20_000, func(int) any { return map[string]any{"name": "x"} })}}, "INPUT_LIMIT_EXCEEDED", "$w.or"},
			{"idIn of 100,000", byWhere, map[string]any{"w": map[string]any{"idIn": many(100_000, id)}}, "INPUT_LIMIT_EXCEEDED", "$w.idIn"},
			{"too many values", byWhere, map[string]any{"w": map[string]any{"or": many(700, func(i int) any { return map[string]any{"idIn": []any{id(i), id(i + 1)}} })}}, "INPUT_LIMIT_EXCEEDED", "$w"},
			{"list in a nested connection", `{ users { edges { node { permissions(where: {idIn: [` + strings.Repeat(`"a", `, 1001) + `]}) { totalCount } } } } }`, nil,
				"INPUT_LIMIT_EXCEEDED", "permissions.where.idIn"},
			{"grant of 1,001 devices", grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": many(1001, id)}}, "INPUT_LIMIT_EXCEEDED", "$input.deviceIDs"},
			{"three nested edge filters", `{ users(first: 1, where: ` + chain + `) { totalCount } }`, nil, "INPUT_LIMIT_EXCEEDED", "users.where.hasPermissionsWith.hasDeviceWith.hasPermissionsWith"},
			{"edge filters on every page", `{ users(first: 200) { edges { node { permissions(where: ` + wide + `) { totalCount } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", ""},
		}
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := expectRefusedUnread(t, e, &st, acme.Token, c.query, c.vars, c.code, c.field)
				if r.Data != nil && string(r.Data) != "null" {
					t.Errorf("data with a refusal: %s", r.Data)
				}
			})
		}
		// Within the limits: a where with two edge predicates inside an or,
		// ten levels deep, and a grant's own limit of 500 devices.
		e.MustDo(acme.Token, `{ users(first: 200, where: {or: [{hasPermissionsWith: [{hasDeviceWith: [{nameContains: "x"}]}]}]}) { totalCount edges { node { id } } } }`, nil, nil)
		e.MustDo(acme.Token, byWhere, map[string]any{"w": nest(8, map[string]any{"idIn": many(1000, id)})}, nil)
		expectRejected(t, e, acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": many(501, id)}}, "BAD_USER_INPUT", "input.deviceIDs")
	})
}
