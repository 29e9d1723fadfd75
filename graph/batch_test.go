package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestBatch: a JSON array of requests, as Apollo's BatchHttpLink sends
// it, is answered by an array in the same order. More than 10 operations
// are refused before any runs; tokens, aliases and complexity count for the
// batch as a whole, judged for every operation before the first runs; the
// body limit holds for the whole array; a batch is no simple request.
func TestBatch(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		op := func(query string) map[string]any { return map[string]any{"query": query} }
		answers := func(ans rawAnswer) []testenv.Response {
			t.Helper()
			var out []testenv.Response
			if err := json.Unmarshal(ans.Body, &out); err != nil {
				t.Fatalf("batch answer %d %s: %v", ans.Status, ans.Body, err)
			}
			return out
		}
		device := `mutation { createDevice(input: {name: "Door", timeZone: "UTC"}) { device { name } } }`

		ans := sendRaw(t, e, a.Token, gqlResponse, "", []any{op(device), op(`{ devices { totalCount } }`), op(`{ viewer { nope } }`)})
		got := answers(ans)
		if ans.Status != 200 || len(got) != 3 || string(got[0].Data) != `{"createDevice":{"device":{"name":"Door"}}}` ||
			string(got[1].Data) != `{"devices":{"totalCount":1}}` || got[2].Code() != "GRAPHQL_VALIDATION_FAILED" || got[2].Data != nil {
			t.Errorf("batch: %d %s", ans.Status, ans.Body)
		}

		before := e.Tables()
		eleven := make([]any, 11)
		for i := range eleven {
			eleven[i] = op(device)
		}
		if r := sendRaw(t, e, a.Token, "", "", eleven).one(t); r.Status != 400 || r.Code() != "BATCH_LIMIT_EXCEEDED" {
			t.Errorf("11 operations: %d %s", r.Status, r.Body)
		}
		unchanged(t, e, before, "a batch of 11")

		// Each operation passes alone; together the second is over a limit
		// and refused, writing nothing, while the first runs. What runs
		// never sums to more than the limits.
		var vars, uses strings.Builder
		for i := range 300 {
			fmt.Fprintf(&vars, `$v%d: String! = "a" `, i)
			fmt.Fprintf(&uses, "$v%d ", i)
		}
		tokens := "query Q(" + vars.String() + ") { users(where: {nameIn: [" + uses.String() + "]}) { totalCount } }"
		tokensMutation := "mutation M(" + vars.String() + strings.Repeat(`$w: Int `, 100) + `) { createDevice(input: {name: $v0, timeZone: "UTC"}) { device { id } } }`
		pages := `{ a: users(first: 200) { edges { node { permissions(first: 200) { totalCount } } } } b: users(first: 100) { edges { node { permissions(first: 200) { totalCount } } } } }`
		var aliases, devices strings.Builder
		for i := range 16 {
			fmt.Fprintf(&aliases, "r%d: role ", i)
			fmt.Fprintf(&devices, `d%d: createDevice(input: {name: "D%d", timeZone: "UTC"}) { device { id } } `, i, i)
		}
		for name, c := range map[string]struct{ first, second, code string }{
			"tokens":     {tokens, tokensMutation, "TOKEN_LIMIT_EXCEEDED"},
			"aliases":    {"{ viewer { " + aliases.String() + "} }", "mutation { " + devices.String() + "}", "ALIAS_LIMIT_EXCEEDED"},
			"complexity": {pages, pages, "COMPLEXITY_LIMIT_EXCEEDED"},
		} {
			for _, q := range []string{c.first, c.second} {
				if r := e.Do(a.Token, q, nil); r.Code() != "" && r.Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("%s: one operation alone is refused by a limit: %.300s", name, r.Body)
				}
			}
			before := e.Tables()
			// (A space makes them new to the query cache, whose documents
			// cost no parsing and so count no tokens.)
			ans := sendRaw(t, e, a.Token, "", "", []any{op(c.first + " "), op(c.second + " ")})
			got := answers(ans)
			if len(got) != 2 || len(got[0].Errors) > 0 || got[1].Code() != c.code {
				t.Errorf("%s: %.500s", name, ans.Body)
			}
			unchanged(t, e, before, name+" over the batch's limit")
		}

		big := make([]any, 10)
		for i := range big {
			big[i] = op("{ viewer { role } } # " + strings.Repeat("x", 110<<10))
		}
		if r := sendRaw(t, e, a.Token, "", "", big).one(t); r.Status != 413 {
			t.Errorf("a batch over the body limit: %d %s", r.Status, r.Body)
		}
		if r := sendRaw(t, e, a.Token, "", "", []any{}).one(t); r.Status != 400 || r.Code() != "BAD_REQUEST" {
			t.Errorf("an empty batch: %d %s", r.Status, r.Body)
		}

		// A batch sent as a simple request (no preflight) is refused.
		before = e.Tables()
		res, err := e.Server.Client().Post(e.Server.URL+"/query", "text/plain", strings.NewReader(`[{"query":"`+strings.ReplaceAll(device, `"`, `\"`)+`"}]`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 415 {
			t.Errorf("text/plain batch: %d", res.StatusCode)
		}
		unchanged(t, e, before, "a text/plain batch")
	})
}

// TestBatchPastDeadline: a batch whose first operation runs into the
// request's deadline is still answered whole, and a lone operation the
// deadline passed before it ran answers 503: the operations left
// unanswered say the request took too long (INTERNAL, with the request's
// id). (gqlgen answers nil for an operation once the context has ended,
// which the batch's encoder took for a response: a panic, and one 500 for
// the whole batch.)
func TestBatchPastDeadline(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		armed := new(atomic.Bool)
		e := testenv.Start(t, databaseURL, faultTimeout(200*time.Millisecond),
			testenv.WithDriver(func(d dialect.Driver) dialect.Driver { return stallDriver{d, armed} }))
		a := e.Account("Acme")
		e.Do(a.Token, `{ viewer { role } }`, nil) // the token is checked once, then trusted
		armed.Store(true)
		ans := sendRaw(t, e, a.Token, "", "", []any{
			map[string]any{"query": `{ viewer { account { name } } }`},
			map[string]any{"query": `{ viewer { role } }`},
		})
		var got []testenv.Response
		if err := json.Unmarshal(ans.Body, &got); err != nil || len(got) != 2 || got[0].Code() != "INTERNAL" ||
			got[1].Code() != "INTERNAL" || got[1].Errors[0].Extensions["requestId"] == nil {
			t.Errorf("a batch past its deadline: %d %q", ans.Status, ans.Body)
		}

		// An operation alone whose request ended before it ran gets the
		// deadline's answer.
		late := testenv.Start(t, databaseURL, faultTimeout(time.Nanosecond))
		if r := sendRaw(t, late, "", "", "", map[string]any{"query": `{ __typename }`}).one(t); r.Status != 503 || r.Code() != "INTERNAL" {
			t.Errorf("an operation past its deadline: %d %s", r.Status, r.Body)
		}
	})
}
