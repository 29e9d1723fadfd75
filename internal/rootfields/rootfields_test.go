package rootfields

import (
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const schema = `
type Query { a: Int b: Int c: Int }
type Mutation { m: Int }
`

// TestOf: the root fields in document order through inline fragments and
// spreads (a spread fragment once), without __typename; the operation is
// walked once, later calls answer what the first found.
func TestOf(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	doc := gqlparser.MustLoadQuery(s, `
		query { __typename a ...F ... on Query { c } ...F }
		fragment F on Query { b ...G }
		fragment G on Query { x: a }`)
	oc := &graphql.OperationContext{Operation: doc.Operations[0]}
	want := []string{"a", "b", "a", "c"}
	if got := Of(oc); !slices.Equal(got, want) {
		t.Fatalf("Of = %q, want %q", got, want)
	}
	oc.Operation = &ast.OperationDefinition{Operation: ast.Mutation, SelectionSet: ast.SelectionSet{&ast.Field{Name: "m"}}}
	if got := Of(oc); !slices.Equal(got, want) {
		t.Fatalf("Of walked again: %q", got)
	}
	if got := Of(&graphql.OperationContext{}); got != nil {
		t.Fatalf("Of without an operation = %q", got)
	}
}
