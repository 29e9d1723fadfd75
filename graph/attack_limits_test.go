package graph_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestRepeatedResponsePaths: validation compares every pair of fields that
// answer one response path, so a document that repeats one (directly, in
// nested selections, through fragments or across operations, or with
// conflicting fields that each pair up into an error) is refused before
// validation, with or without a token, and reads and writes nothing; 20
// fields on one path still pass.
func TestRepeatedResponsePaths(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)

		var fragments, operations, conflicts strings.Builder
		fragments.WriteString("{")
		for i := range 25 {
			fmt.Fprintf(&fragments, " ...F%d", i)
		}
		fragments.WriteString(" }")
		for i := range 25 {
			fmt.Fprintf(&fragments, " fragment F%d on Query { viewer { role } }", i)
			fmt.Fprintf(&operations, "query Q%d { ...F } ", i)
		}
		operations.WriteString("fragment F on Query { viewer { role } }")
		conflicts.WriteString("{")
		for range 21 {
			conflicts.WriteString(" a: __typename a: viewer { role }")
		}
		conflicts.WriteString(" }")
		cases := []struct{ name, query string }{
			// Old code: 70 of these viewers with 68 roles each took 3.6 s.
			{"nested", "{" + strings.Repeat(" viewer {"+strings.Repeat(" role", 25)+" }", 25) + " }"},
			{"flat", "{" + strings.Repeat(" viewer { role }", 21) + " }"},
			{"fragments", fragments.String()},
			{"operations", operations.String()},
			// Old code: 830 against 415 answered 345,000 errors (90 MB).
			{"conflicts", conflicts.String()},
			{"inline fragments", "{" + strings.Repeat(" ... on Query { viewer { role } }", 21) + " }"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := expectRefusedUnread(t, e, &st, acme.Token, c.query, nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
				if len(r.Errors) != 1 {
					t.Errorf("%d errors, want 1: %.300s", len(r.Errors), r.Body)
				}
				if r := e.Do("", c.query, nil); r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
					t.Errorf("without a token: %.300s", r.Body)
				}
			})
		}
		// A fragment spread twice into one selection set counts once, as
		// it runs once; 20 fields on one path pass.
		e.MustDo(acme.Token, "{"+strings.Repeat(" viewer { role }", 20)+" }", nil, nil)
		e.MustDo(acme.Token, "{"+strings.Repeat(" ...F", 40)+" } fragment F on Query { viewer { role } }", nil, nil)
	})
}

// TestPlainListsCountTheirItems: a list of objects that is not a page (the
// permissions of a grant's payload, up to 500) counts its selection once
// per item it may hold, so that a grant of 500 devices cannot answer each
// door's 200 permissions (100,000 rows for a complexity of 600 before);
// the usual payload still fits.
func TestPlainListsCountTheirItems(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 1, "UTC"))
		in := map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}
		const wide = `mutation($input: GrantPermissionInput!) { grantPermission(input: $input) {
			permissions { device { permissions(first: 200) { edges { node { id user { name } } } } } } } }`
		expectRefusedUnread(t, e, &st, acme.Token, wide, in, "COMPLEXITY_LIMIT_EXCEEDED", "")
		const redeemWide = `mutation($code: String!) { redeemInvitation(code: $code) {
			permissions { device { permissions(first: 200) { edges { node { id user { name } } } } } } } }`
		expectRefusedUnread(t, e, &st, "", redeemWide, map[string]any{"code": "ABCD-EFGH"}, "COMPLEXITY_LIMIT_EXCEEDED", "")
		var g grantResult
		e.MustDo(acme.Token, grant, in, &g)
		if len(g.GrantPermission.Permissions) != 1 {
			t.Errorf("grant: %+v", g)
		}
	})
}

// TestConditionHeight: an or or an and of 999 conditions (within the list,
// value and depth limits) made SQLite refuse the statement ("Expression
// tree is too large") and the client got INTERNAL; the expression's height
// is bounded before anything is read, and 450 conditions still run.
func TestConditionHeight(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		const byWhere = `query($w: UserWhereInput) { users(where: $w) { totalCount } }`
		for _, op := range []string{"or", "and"} {
			for _, term := range []map[string]any{{"name": "x"}, {"hasPermissions": false}} {
				terms := func(n int) []any { return many(n, func(int) any { return term }) }
				w := map[string]any{op: terms(999)}
				expectRefusedUnread(t, e, &st, acme.Token, byWhere, map[string]any{"w": w}, "INPUT_LIMIT_EXCEEDED", "$w")
				// A variable within the bound, used inside a literal, is bounded
				// as part of the argument.
				inner := map[string]any{op: terms(495)}
				expectRefusedUnread(t, e, &st, acme.Token, `query($w: UserWhereInput!) { users(where: {or: [{name: "y"}, {and: [{not: $w}, $w]}]}) { totalCount } }`,
					map[string]any{"w": inner}, "INPUT_LIMIT_EXCEEDED", "users.where")
			}
		}
		var out struct{ Users struct{ TotalCount int } }
		e.MustDo(acme.Token, byWhere, map[string]any{"w": map[string]any{"or": many(450, func(i int) any {
			if i == 0 {
				return map[string]any{"name": "Ada"}
			}
			return map[string]any{"name": "x"}
		})}}, &out)
		if out.Users.TotalCount != 1 {
			t.Errorf("or of 450: %+v", out)
		}
	})
}

// TestEdgeExistenceCounts: hasUser: true is an edge filter as much as
// hasUserWith (a subquery for every row considered): two chains of four
// that end in one were counted as 7,230 and ran; like their hasUserWith
// twins they are refused, and one such chain still runs.
func TestEdgeExistenceCounts(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)
		page := func(where string) string {
			return `{ users(first: 200) { edges { node { permissions(where: ` + where + `) { totalCount } } } } }`
		}
		expectRefusedUnread(t, e, &st, acme.Token, page(`{hasDeviceWith: [{hasPermissions: true, hasEvents: true}], hasUserWith: [{hasEvents: true}]}`), nil,
			"COMPLEXITY_LIMIT_EXCEEDED", "")
		e.MustDo(acme.Token, page(`{hasDeviceWith: [{hasPermissions: true}]}`), nil, nil)
	})
}

// TestLongDocumentsNotCached: the query cache kept every valid document,
// and a document's length is bounded only by the body limit (a 1 MiB
// comment is no token): 30 documents of 1 MB, sent without a token, stayed
// on the heap (30 MB more). Long documents are parsed anew instead. (Not
// parallel: the heap is measured.)
func TestLongDocumentsNotCached(t *testing.T) {
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse)
	}
	pad := strings.Repeat("x", 1_000_000)
	before := heap()
	for i := range 30 {
		if r := e.Do("", fmt.Sprintf("{ __typename } # %d %s", i, pad), nil); len(r.Errors) > 0 {
			t.Fatalf("document %d: %.300s", i, r.Body)
		}
	}
	if grown := heap() - before; grown > 10<<20 {
		t.Errorf("30 documents of 1 MB left the heap %d MB larger", grown>>20)
	}
}
