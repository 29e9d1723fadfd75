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
// in place: fields that need a default are copied along their path, and a
// fragment that needs one is copied once and replaced in a copy of the
// document, where the executor looks fragments up.
func (l PageLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	b := &bounder{PageLimit: l, vars: rc.Variables, fragments: newFragmentMemo[bounded]()}
	set, changed, err := b.bound(rc.Operation.SelectionSet)
	if err != nil {
		return err
	}
	if changed {
		op := *rc.Operation
		op.SelectionSet = set
		rc.Operation = &op
	}
	if b.copied {
		doc := *rc.Doc
		doc.Fragments = make(ast.FragmentDefinitionList, len(rc.Doc.Fragments))
		for i, f := range rc.Doc.Fragments {
			doc.Fragments[i] = f
			if r, ok := b.fragments.done[f.Name]; ok && r.def != nil {
				doc.Fragments[i] = r.def
			}
		}
		rc.Doc = &doc
	}
	return nil
}

// bounder bounds one operation, each fragment definition once however
// often it is spread.
type bounder struct {
	PageLimit
	vars      map[string]any
	fragments *fragmentMemo[bounded]
	// copied tells whether any fragment needed a bounded copy.
	copied bool
}

// bounded is a fragment's bounded copy, or nil when it needed no change.
type bounded struct {
	def *ast.FragmentDefinition
	err *gqlerror.Error
}

func (b *bounder) bound(set ast.SelectionSet) (ast.SelectionSet, bool, *gqlerror.Error) {
	out := make(ast.SelectionSet, len(set))
	touched := false
	for i, sel := range set {
		out[i] = sel
		switch s := sel.(type) {
		case *ast.Field:
			children, changed, err := b.bound(s.SelectionSet)
			if err != nil {
				return nil, false, err
			}
			args, err := b.arguments(b.vars, s)
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
			children, changed, err := b.bound(s.SelectionSet)
			if err != nil {
				return nil, false, err
			}
			if changed {
				cp := *s
				cp.SelectionSet = children
				out[i], touched = &cp, true
			}
		case *ast.FragmentSpread:
			def, err := b.fragment(s)
			if err != nil {
				return nil, false, err
			}
			if def != s.Definition {
				cp := *s
				cp.Definition = def
				out[i], touched = &cp, true
			}
		}
	}
	return out, touched, nil
}

// fragment returns the bounded definition of a spread's fragment. A cycle
// of spreads is left alone.
func (b *bounder) fragment(s *ast.FragmentSpread) (*ast.FragmentDefinition, *gqlerror.Error) {
	if s.Definition == nil {
		return nil, nil
	}
	r := b.fragments.of(s, func(def *ast.FragmentDefinition) bounded {
		children, changed, err := b.bound(def.SelectionSet)
		if err != nil || !changed {
			return bounded{err: err}
		}
		cp := *def
		cp.SelectionSet = children
		b.copied = true
		return bounded{def: &cp}
	}, bounded{})
	if r.def == nil {
		return s.Definition, r.err
	}
	return r.def, nil
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
			return nil, badInput(f.Alias+"."+a.name, "must be between 0 and %d, got %d", l.Max, a.n)
		}
	}
	if err := direction(f.Alias, hasFirst, hasLast, args["after"] != nil, args["before"] != nil); err != nil {
		return nil, err
	}
	var out ast.ArgumentList
	if !hasFirst && !hasLast {
		size := "first"
		if args["before"] != nil {
			size = "last"
		}
		out = without(f.Arguments, "first", "last")
		out = append(out, &ast.Argument{Name: size, Value: &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(l.Default)}})
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

// direction refuses the page arguments that mix the two directions:
// entgql compares both cursors in the direction of the page size, so first
// with before would answer the items after the cursor, and last with after
// the items before it. A page goes forward (first, after) or backward
// (last, before); without a size it takes the default in its cursor's
// direction.
func direction(alias string, first, last, after, before bool) *gqlerror.Error {
	var field, msg string
	switch {
	case first && last:
		field, msg = "last", "give first or last, not both"
	case after && before:
		field, msg = "before", "give after or before, not both"
	case first && before:
		field, msg = "before", "before pages backward; use it with last"
	case last && after:
		field, msg = "after", "after pages forward; use it with first"
	default:
		return nil
	}
	return badInput(alias+"."+field, "%s", msg)
}

// badInput is a BAD_USER_INPUT refusal of an argument before any resolver
// runs; the message starts with the field.
func badInput(field, format string, args ...any) *gqlerror.Error {
	return refusal(apperr.Invalid(field, format, args...))
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
