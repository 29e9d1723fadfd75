// Package rootfields names the root fields of a GraphQL operation. The
// mutation guard, the transactions and the request metrics all decide by
// them; the operation is walked once, by whichever asks first.
package rootfields

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// statsKey holds the names among the operation context's handler stats,
// the place gqlgen keeps for what extensions learn about an operation.
const statsKey = "latchkey.rootfields"

// Of returns the names of the root fields of oc's operation, in document
// order, following fragments and leaving out __typename; nil without an
// operation. Ask it from handler extensions (which gqlgen runs one at a
// time for an operation), not from resolvers; the slice is shared.
func Of(oc *graphql.OperationContext) []string {
	if oc == nil || oc.Operation == nil {
		return nil
	}
	if names, ok := oc.Stats.GetExtension(statsKey).([]string); ok {
		return names
	}
	names := collect(oc.Operation.SelectionSet, []string{}, map[string]bool{})
	oc.Stats.SetExtension(statsKey, names)
	return names
}

// collect appends the root field names of set to names. A fragment counts
// once, however often it is spread: its fields merge into one each, as
// GraphQL executes them, and a document that spreads fragments within
// fragments is not walked exponentially often.
func collect(set ast.SelectionSet, names []string, seen map[string]bool) []string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name != "__typename" {
				names = append(names, s.Name)
			}
		case *ast.InlineFragment:
			names = collect(s.SelectionSet, names, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				names = collect(s.Definition.SelectionSet, names, seen)
			}
		}
	}
	return names
}
