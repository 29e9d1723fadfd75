package graph

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
)

// PageLimit bounds every Relay connection of an operation before any
// resolver runs: first/last above Max is refused, and a connection asked
// for without either gets first: Default. entgql itself would read every
// row, including in eagerly loaded nested connections, so the bound is set
// on the operation rather than in each resolver.
type PageLimit struct {
	Default, Max int
	// Order gives connections (by type name, e.g. "AccessEventConnection")
	// an orderBy for when the client sends none.
	Order map[string]Order
}

// Order is a default orderBy: an order field and ASC or DESC.
type Order struct{ Field, Direction string }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = PageLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (PageLimit) ExtensionName() string { return "PageLimit" }

// Validate implements graphql.HandlerExtension.
func (PageLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator. The
// parsed document is shared through the query cache, so it is never changed
// in place: fields that need a default are copied along their path.
func (l PageLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	set, changed, err := l.bound(rc.Variables, rc.Operation.SelectionSet)
	if err != nil {
		return err
	}
	if changed {
		op := *rc.Operation
		op.SelectionSet = set
		rc.Operation = &op
	}
	return nil
}

func (l PageLimit) bound(vars map[string]any, set ast.SelectionSet) (ast.SelectionSet, bool, *gqlerror.Error) {
	out := make(ast.SelectionSet, len(set))
	touched := false
	for i, sel := range set {
		out[i] = sel
		switch s := sel.(type) {
		case *ast.Field:
			children, changed, err := l.bound(vars, s.SelectionSet)
			if err != nil {
				return nil, false, err
			}
			args, err := l.arguments(vars, s)
			if err != nil {
				return nil, false, err
			}
			if changed || args != nil {
				cp := *s
				cp.SelectionSet = children
				if args != nil {
					cp.Arguments = args
				}
				out[i], touched = &cp, true
			}
		case *ast.InlineFragment:
			children, changed, err := l.bound(vars, s.SelectionSet)
			if err != nil {
				return nil, false, err
			}
			if changed {
				cp := *s
				cp.SelectionSet = children
				out[i], touched = &cp, true
			}
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			children, changed, err := l.bound(vars, s.Definition.SelectionSet)
			if err != nil {
				return nil, false, err
			}
			if changed {
				def := *s.Definition
				def.SelectionSet = children
				cp := *s
				cp.Definition = &def
				out[i], touched = &cp, true
			}
		}
	}
	return out, touched, nil
}

// arguments validates the page size of a connection field and returns its
// arguments with the defaults added, or nil when they need none.
func (l PageLimit) arguments(vars map[string]any, f *ast.Field) (ast.ArgumentList, *gqlerror.Error) {
	if f.Definition == nil || !strings.HasSuffix(f.Definition.Type.Name(), "Connection") ||
		f.Definition.Arguments.ForName("first") == nil {
		return nil, nil
	}
	args := f.ArgumentMap(vars)
	first, hasFirst := intArg(args["first"])
	last, hasLast := intArg(args["last"])
	for _, a := range []struct {
		name string
		n    int64
		set  bool
	}{{"first", first, hasFirst}, {"last", last, hasLast}} {
		if a.set && (a.n < 0 || a.n > int64(l.Max)) {
			err := gqlerror.Errorf("%s.%s: must be between 0 and %d, got %d", f.Alias, a.name, l.Max, a.n)
			err.Extensions = map[string]any{"code": apperr.BadUserInput, "field": f.Alias + "." + a.name}
			return nil, err
		}
	}
	var out ast.ArgumentList
	if !hasFirst && !hasLast {
		out = without(f.Arguments, "first", "last")
		out = append(out, &ast.Argument{Name: "first", Value: &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(l.Default)}})
	}
	if o, ok := l.Order[f.Definition.Type.Name()]; ok && args["orderBy"] == nil {
		if out == nil {
			out = f.Arguments
		}
		out = append(without(out, "orderBy"), &ast.Argument{Name: "orderBy", Value: &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
			{Name: "field", Value: &ast.Value{Kind: ast.EnumValue, Raw: o.Field}},
			{Name: "direction", Value: &ast.Value{Kind: ast.EnumValue, Raw: o.Direction}},
		}}})
	}
	return out, nil
}

func intArg(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// without returns a copy of args without the named arguments.
func without(args ast.ArgumentList, names ...string) ast.ArgumentList {
	out := make(ast.ArgumentList, 0, len(args)+2)
	for _, a := range args {
		if !slices.Contains(names, a.Name) {
			out = append(out, a)
		}
	}
	return out
}
