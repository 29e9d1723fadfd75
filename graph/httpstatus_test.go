package graph_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/budget"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestRefusalWithoutDataIs4xx: an operation a limit or the page size
// refuses never runs, so its answer has no "data"; for
// application/graphql-response+json that must be a 4xx (GraphQL over
// HTTP), while application/json keeps 200.
func TestRefusalWithoutDataIs4xx(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		for _, c := range []struct{ name, query, code string }{
			{"page size", `{ users(first: 1000) { totalCount } }`, "BAD_USER_INPUT"},
			{"depth", `{ users { edges { node { permissions { edges { node { device { permissions { edges { node { user { permissions { edges { node { id } } } } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
			{"tokens", `{ viewer { role ` + strings.Repeat("__typename ", 5000) + `} }`, "TOKEN_LIMIT_EXCEEDED"},
		} {
			for accept, status := range map[string]int{"application/graphql-response+json": 400, "application/json": 200} {
				r := e.DoWith(http.Header{"Accept": {accept}}, a.Token, c.query, nil)
				var doc map[string]json.RawMessage
				_ = json.Unmarshal(r.Body, &doc)
				if _, ok := doc["data"]; ok || r.Status != status || r.Code() != c.code {
					t.Errorf("%s, Accept %s: %d %.200s; want %d, %s and no data", c.name, accept, r.Status, r.Body, status, c.code)
				}
			}
		}
	})
}

// TestThrottledIs429: an operation the budget does not hold now never
// runs; for application/graphql-response+json its answer without "data" is
// 429 Too Many Requests with Retry-After, for application/json 200.
func TestThrottledIs429(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL, testenv.WithBudget(budget.Limits{Max: 30, Rate: 1}))
		a := e.Account("Acme")
		q := "{ __typename"
		for i := range 25 {
			q += " a" + strconv.Itoa(i) + ": __typename"
		}
		q += " }" // costs 26 of 30: the second one waits
		e.MustDo(a.Token, q, nil, nil)
		for accept, status := range map[string]int{"application/graphql-response+json": http.StatusTooManyRequests, "application/json": http.StatusOK} {
			r := e.DoWith(http.Header{"Accept": {accept}}, a.Token, q, nil)
			var doc map[string]json.RawMessage
			_ = json.Unmarshal(r.Body, &doc)
			if _, ok := doc["data"]; ok || r.Status != status || r.Code() != "THROTTLED" || r.Header.Get("Retry-After") != "22" {
				t.Errorf("Accept %s: %d %v %.300s; want %d, THROTTLED and no data", accept, r.Status, r.Header, r.Body, status)
			}
		}
	})
}
