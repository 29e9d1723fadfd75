package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestIntrospectionBounds: the whole-schema introspection that GraphiQL,
// graphql-codegen and graphql-inspector send (15 levels deep, deeper than
// an operation may be) is answered, with or without a token, also from a
// fragment; introspection deeper than its own bound, or larger than its
// cost bound, is refused before any work, with the limit's code; the
// introspection of a batch's operations counts together.
func TestIntrospectionBounds(t *testing.T) {
	full, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	// 21 levels: __type, then ofType 20 times.
	deep := `{ __type(name: "User") {` + strings.Repeat(" ofType {", 20) + " name" + strings.Repeat(" }", 20) + " } }"
	// The whole introspection's types four times over, each list counted
	// as its longest.
	var wide strings.Builder
	wide.WriteString("{")
	for i := range 4 {
		fmt.Fprintf(&wide, " s%d: __schema { types { ...AllOfType } }", i)
	}
	wide.WriteString(" }\n")
	_, fragments, _ := strings.Cut(string(full), "\nfragment")
	wide.WriteString("fragment" + fragments)
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		var got struct {
			Schema struct {
				Types []struct{ Name string } `json:"types"`
			} `json:"__schema"`
		}
		e.MustDo("", string(full), nil, &got)
		if len(got.Schema.Types) < 50 {
			t.Errorf("the introspection answered %d types", len(got.Schema.Types))
		}
		e.MustDo(acme.Token, string(full), nil, nil)
		e.MustDo(acme.Token, `query { viewer { role } ...Q } fragment Q on Query { __schema { queryType { name } } }`, nil, nil)

		cases := []struct{ name, query, code string }{
			{"depth", deep, "DEPTH_LIMIT_EXCEEDED"},
			{"depth in a fragment", `query { ...Q } fragment Q on Query { ... on Query { a: ` + strings.TrimPrefix(deep, "{ ") + ` }`, "DEPTH_LIMIT_EXCEEDED"},
			{"cost", wide.String(), "COMPLEXITY_LIMIT_EXCEEDED"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, c.query, nil, c.code, "")
			})
		}

		// A batch's introspection counts together: each whole one fits
		// the bound alone (above), but four are over it, so the first are
		// answered and, from the one that would pass the bound on, the
		// rest refused (how many fit depends on the schema's size).
		batch := make([]any, 4)
		for i := range batch {
			batch[i] = map[string]any{"query": string(full)}
		}
		var answers []testenv.Response
		ans := sendRaw(t, e, acme.Token, "", "", batch)
		if err := json.Unmarshal(ans.Body, &answers); err != nil || len(answers) != 4 {
			t.Fatalf("a batch of four whole introspections: %d %.300s", ans.Status, ans.Body)
		}
		answered := 0
		for answered < len(answers) && len(answers[answered].Errors) == 0 {
			answered++
		}
		if answered == 0 || answered == 4 {
			t.Errorf("a batch of four whole introspections, %d answered: %.300s", answered, ans.Body)
		}
		for _, a := range answers[answered:] {
			if a.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Errorf("an introspection over the batch's bound: %v", a.Errors)
			}
		}
	})
}
