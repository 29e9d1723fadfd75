package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
			fmt.Fprintf(&aliasedWrites, ` u%d: createUser(input: {name: "U", email: "u%d@example.com"}) { id }`, i, i)
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
		`mutation { createUser(input: {nam: "A", email: "a@example.com"}) { id } }`,
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
