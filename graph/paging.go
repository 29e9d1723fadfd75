package graph

import (
	"context"
	"encoding/json"
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
}

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
			needDefault, err := l.check(vars, s)
			if err != nil {
				return nil, false, err
			}
			if changed || needDefault {
				cp := *s
				cp.SelectionSet = children
				if needDefault {
					cp.Arguments = withDefaultFirst(s.Arguments, l.Default)
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

// check validates the page size of a connection field and reports whether
// it needs the default.
func (l PageLimit) check(vars map[string]any, f *ast.Field) (bool, *gqlerror.Error) {
	if f.Definition == nil || !strings.HasSuffix(f.Definition.Type.Name(), "Connection") ||
		f.Definition.Arguments.ForName("first") == nil {
		return false, nil
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
			return false, err
		}
	}
	return !hasFirst && !hasLast, nil
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

func withDefaultFirst(args ast.ArgumentList, n int) ast.ArgumentList {
	out := make(ast.ArgumentList, 0, len(args)+1)
	for _, a := range args {
		if a.Name != "first" && a.Name != "last" {
			out = append(out, a)
		}
	}
	return append(out, &ast.Argument{
		Name:  "first",
		Value: &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(n)},
	})
}
