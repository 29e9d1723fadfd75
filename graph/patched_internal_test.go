package graph

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestObjectValueWritesAsFieldSet: an object is written byte for byte as
// gqlgen's FieldSet writes it, also when a response name repeats.
func TestObjectValueWritesAsFieldSet(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	for _, fields := range [][]graphql.CollectedField{
		nil,
		{field("id")},
		{field("id"), field("name"), field("id"), field("email")},
		{field("_a1"), field("B")},
	} {
		out := graphql.NewFieldSet(fields)
		for i := range fields {
			out.Values[i] = graphql.MarshalString(fields[i].Alias + " value")
		}
		var want, got bytes.Buffer
		out.MarshalGQL(&want)
		newObjectValue(fields, out).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("got %s, want %s", got.String(), want.String())
		}
	}
}
