package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/budget"
	"github.com/latchkey/latchkey/internal/ide"
	"github.com/latchkey/latchkey/internal/testenv"
)

// cost is extensions.cost of an answer.
type cost struct {
	RequestedQueryCost, ActualQueryCost int
	ThrottleStatus                      struct{ MaximumAvailable, CurrentlyAvailable, RestoreRate int }
}

func costOf(t testing.TB, r *testenv.Response) cost {
	t.Helper()
	var body struct{ Extensions struct{ Cost *cost } }
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Extensions.Cost == nil {
		t.Fatalf("no extensions.cost: %s", r.Body)
	}
	return *body.Extensions.Cost
}

// expectCost checks an answer's cost and the budget it leaves.
func expectCost(t testing.TB, r *testenv.Response, requested, actual, left int, l budget.Limits) {
	t.Helper()
	c := costOf(t, r)
	if c.RequestedQueryCost != requested || c.ActualQueryCost != actual || c.ThrottleStatus.CurrentlyAvailable != left ||
		c.ThrottleStatus.MaximumAvailable != l.Max || c.ThrottleStatus.RestoreRate != l.Rate {
		t.Errorf("cost %+v, want requested %d, actual %d, %d of %d left, restored at %d/s: %s", c, requested, actual, left, l.Max, l.Rate, r.Body)
	}
}

// TestCostReport: every answer reports what its operation was judged to
// cost before it ran (Limits' complexity) and what it cost (each field it
// answered, and its edge filters), and the budget left after the charge,
// with the production budget.
func TestCostReport(t *testing.T) {
	l := app.DefaultBudget
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithBudget(l))
		acme := e.Account("Acme")
		// A name whose quotes and colon are inside a string value: no field.
		for i, name := range []string{`Ada": x`, `Bob \": \\":`} {
			u := newUser(e, acme.Token, name, fmt.Sprintf("u%d@example.com", i))
			e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": u, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, nil)
		}
		e.Advance(time.Minute) // the budget is full again

		// 1 + 10 × (totalCount 1 + edges (1 + node (1 + name 1 +
		// permissions (1 + 5 × (edges 1 + node (1 + status 1))))));
		// answered: users, totalCount, edges and, for each of the two
		// users, node, name, permissions, edges and one node and status.
		const q = `{ users(first: 10) { totalCount edges { node { name permissions(first: 5) { edges { node { status } } } } } } }`
		expectCost(t, e.Do(acme.Token, q, nil), 201, 15, l.Max-15, l)
		// The clock stands still: nothing refilled.
		expectCost(t, e.Do(acme.Token, q, nil), 201, 15, l.Max-30, l)
		e.Advance(time.Second)
		expectCost(t, e.Do(acme.Token, q, nil), 201, 15, l.Max-15, l)

		// An edge filter costs 15 whatever it finds (here nothing: the
		// permissions are pending).
		e.Advance(time.Minute)
		r := e.Do(acme.Token, `{ users(first: 10, where: {hasPermissionsWith: [{status: ACTIVE}]}) { edges { node { name } } } }`, nil)
		if !strings.Contains(string(r.Data), `"edges":[]`) {
			t.Fatalf("filter: %s", r.Body)
		}
		expectCost(t, r, 1+15+10*3, 2+15, l.Max-17, l)

		// An operation a limit or the mutation guard refuses never ran: no
		// cost, nothing taken.
		for _, q := range []string{
			`{ users(first: 200) { edges { node { permissions(first: 200) { edges { node { id status } } } } } } }`,
			`mutation { redeemInvitation(code: "A") { token } a: redeemInvitation(code: "B") { token } }`,
		} {
			if r := e.Do(acme.Token, q, nil); r.Code() == "" || strings.Contains(string(r.Body), "cost") {
				t.Errorf("a refused operation: %s", r.Body)
			}
		}
		expectCost(t, e.Do(acme.Token, q, nil), 201, 15, l.Max-17-15, l)

		// An error answers and costs what it answers; a mutation costs as
		// a query.
		e.Advance(time.Minute)
		expectCost(t, e.Do(acme.Token, `{ node(id: "usr_01J0000000000000000000000") { id } }`, nil), 2, 1, l.Max-1, l)
		e.Advance(time.Minute)
		expectCost(t, e.Do(acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Cy", "email": "cy@example.com"}}), 7, 7, l.Max-7, l)
	})
}

// TestCostBudget: each token's budget is spent by what its operations
// cost, refills with time, and refuses an operation it does not hold now
// before anything runs, saying how long to wait; other tokens and other
// addresses have budgets of their own.
func TestCostBudget(t *testing.T) {
	l := budget.Limits{Max: 100, Rate: 10}
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithBudget(l), testenv.WithTrustedProxies("127.0.0.0/8"))
		acme, other := e.Account("Acme"), e.Account("Other")
		for i := range 3 {
			newUser(e, acme.Token, "U", fmt.Sprintf("u%d@example.com", i))
		}
		e.Advance(time.Minute)

		// Requested 1 + 3 × (1 + (1 + 2)), actual 2 + 3 × 3.
		const q = `{ users(first: 3) { edges { node { id name } } } }`
		for n := 1; n <= 8; n++ {
			expectCost(t, e.Do(acme.Token, q, nil), 13, 11, l.Max-11*n, l)
		}
		// 12 points left. A mutation that asks for more is refused before
		// it runs, and writes nothing.
		r := expectRejected(t, e, acme.Token, `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id permissions(first: 20) { totalCount } } } }`,
			map[string]any{"input": map[string]any{"name": "X", "email": "x@example.com"}}, "THROTTLED", "")
		expectCost(t, r, 24, 0, 12, l)
		// 1 + 9 × 4 = 37 needs 25 more: 2.5 seconds.
		const q9 = `{ users(first: 9) { edges { node { id name } } } }`
		expectCost(t, expectThrottled(t, e, acme.Token, q9, 3), 37, 0, 12, l)
		// So is a deferred one, whose multipart answer says so in its
		// header too.
		ans := sendRaw(t, e, acme.Token, acceptDefer, "", map[string]any{"query": `{ users(first: 9) { edges { node { id ... @defer { name } } } } }`})
		if parts := multipartParts(t, ans); len(parts) != 1 || !strings.Contains(string(parts[0]["errors"]), `"THROTTLED"`) || ans.Header.Get("Retry-After") != "3" {
			t.Errorf("a deferred query over the budget: %v %q", ans.Header, ans.Body)
		}
		e.Advance(2 * time.Second)
		expectCost(t, expectThrottled(t, e, acme.Token, q9, 1), 37, 0, 32, l)
		e.Advance(time.Second)
		expectCost(t, e.Do(acme.Token, q9, nil), 37, 11, 42-11, l)

		// Other tokens, of the account or another, have full budgets.
		expectCost(t, e.Do(other.Token, `{ users(first: 3) { edges { node { id } } } }`, nil), 10, 2, l.Max-2, l)

		// An operation larger than any budget is refused as too complex,
		// and takes nothing.
		expectRejected(t, e, other.Token, `{ users(first: 50) { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
		expectCost(t, e.Do(other.Token, `{ viewer { role } }`, nil), 2, 2, l.Max-4, l)

		// Calls without a token are charged to their address.
		var aliases strings.Builder
		for i := range 30 {
			fmt.Fprintf(&aliases, " a%d: __typename", i)
		}
		anon := func(addr string) *testenv.Response {
			return e.DoWith(http.Header{"X-Forwarded-For": {addr}}, "", "{"+aliases.String()+"}", nil)
		}
		expectCost(t, anon("192.0.2.1"), 30, 30, 70, l)
		expectCost(t, anon("192.0.2.1"), 30, 30, 40, l)
		expectCost(t, anon("192.0.2.1"), 30, 30, 10, l)
		expectCost(t, anon("192.0.2.2"), 30, 30, 70, l)
		if r := anon("192.0.2.1"); r.Code() != "THROTTLED" {
			t.Errorf("a spent address: %s", r.Body)
		}
	})
}

// expectThrottled checks that the token's operation is refused for its
// budget, with no data, asking to wait secs seconds in the error and in
// the Retry-After header.
func expectThrottled(t *testing.T, e *testenv.Env, token, query string, secs int) *testenv.Response {
	t.Helper()
	r := e.Do(token, query, nil)
	if r.Code() != "THROTTLED" || r.Data != nil || r.Status != http.StatusOK ||
		r.Errors[0].Extensions["retryAfter"] != float64(secs) || r.Header.Get("Retry-After") != strconv.Itoa(secs) {
		t.Errorf("want THROTTLED, retry after %d s: %d %v %s", secs, r.Status, r.Header, r.Body)
	}
	return r
}

// TestOverviewFitsLimits: the overview the README shows (and the one the
// IDE opens with), asked for the largest page, fits the complexity limit
// and the budget, at the costs the README documents (200 users with five
// permissions each).
func TestOverviewFitsLimits(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`gql '(\{"query":"\{ users\(first: 50\).*\}"\})'`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("no overview query in README.md")
	}
	var shown struct{ Query string }
	if err := json.Unmarshal(m[1], &shown); err != nil {
		t.Fatal(err)
	}
	largest := fmt.Sprintf("users(first: %d)", app.MaxPageSize)
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithBudget(app.DefaultBudget))
		acme := e.Account("Acme")
		seedOverview(t, e, acme, app.MaxPageSize)
		e.Advance(time.Minute)
		for _, q := range []string{shown.Query, ide.DefaultQuery} {
			r := e.Do(acme.Token, strings.Replace(q, "users(first: 50)", largest, 1), nil)
			if len(r.Errors) > 0 {
				t.Fatalf("the overview with %s: %s", largest, r.Body)
			}
			c := costOf(t, r)
			if c.RequestedQueryCost > app.Limits.MaxComplexity || c.RequestedQueryCost > app.DefaultBudget.Max {
				t.Errorf("the overview with %s costs %d", largest, c.RequestedQueryCost)
			}
			e.Advance(time.Minute)
			if q != shown.Query {
				continue
			}
			for _, say := range []string{"costs " + thousands(c.RequestedQueryCost), "actually costs " + thousands(c.ActualQueryCost)} {
				if !strings.Contains(string(readme), say) {
					t.Errorf("README.md does not say the overview with %s %s", largest, say)
				}
			}
		}
	})
}

// thousands writes n as the README does: 77,201.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestBudgetConfig: a budget that could never refill (or hold anything) is
// refused at start.
func TestBudgetConfig(t *testing.T) {
	for _, l := range []budget.Limits{{Max: 100}, {Rate: 10}, {Max: -1, Rate: 10}} {
		if _, err := app.New(context.Background(), app.Config{DatabaseURL: filepath.Join(t.TempDir(), "latchkey.db"), InviteSecret: make([]byte, 32), Budget: l}); err == nil {
			t.Errorf("budget %+v accepted", l)
		}
	}
}
