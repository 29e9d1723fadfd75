package graph_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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
