package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/latchkey/latchkey/internal/apperr"
)

// ProductionRules are QuietRules and a rule that refuses introspection,
// which production does not offer: without it gqlgen answers __schema and
// __type with an error of its own that the presenter could only mask as
// INTERNAL. The rule's error is GRAPHQL_VALIDATION_FAILED and says why.
// __typename stays, as clients select it with every object.
func ProductionRules() *rules.Rules {
	r := QuietRules()
	r.AddRule("NoIntrospection", func(o *core.Events, addError core.AddErrFunc) {
		o.OnField(func(_ *core.Walker, f *ast.Field) {
			if f.Name == "__schema" || f.Name == "__type" {
				addError(core.Message("introspection is disabled on this server"), core.At(f.Position))
			}
		})
	})
	return r
}

// IntrospectionLimits bound the introspection fields of an operation
// (__schema, __type), which Limits judges apart from the rest: the
// standard introspection query of graphql-js, which GraphiQL,
// graphql-codegen and graphql-inspector send, is 15 levels deep (its type
// references nest ofType), deeper than MaxDepth lets an operation be. Its
// size is bounded instead by the schema it describes: each introspection
// list counts as many items as the longest such list of the served schema
// holds (__Schema.types every type, __Type.fields the most fields of one
// type, __Field.args the most arguments of one field, and so on), so that
// fields { type { fields { type { fields … } } } } costs what it would
// answer at worst. The zero value refuses every introspection field.
type IntrospectionLimits struct {
	MaxDepth, MaxCost int
	lists             map[string]int
}

// NewIntrospectionLimits returns the bounds for introspecting schema.
func NewIntrospectionLimits(schema *ast.Schema, maxDepth, maxCost int) IntrospectionLimits {
	var fields, args, values, interfaces, possible, directiveArgs, locations int
	for _, d := range schema.Types {
		fields = max(fields, len(d.Fields))
		values = max(values, len(d.EnumValues))
		interfaces = max(interfaces, len(d.Interfaces))
		possible = max(possible, len(schema.PossibleTypes[d.Name]))
		for _, f := range d.Fields {
			args = max(args, len(f.Arguments))
		}
	}
	for _, d := range schema.Directives {
		directiveArgs = max(directiveArgs, len(d.Arguments))
		locations = max(locations, len(d.Locations))
	}
	return IntrospectionLimits{MaxDepth: maxDepth, MaxCost: maxCost, lists: map[string]int{
		"__Schema.types":        len(schema.Types),
		"__Schema.directives":   len(schema.Directives),
		"__Type.fields":         fields,
		"__Type.inputFields":    fields,
		"__Type.enumValues":     values,
		"__Type.interfaces":     interfaces,
		"__Type.possibleTypes":  possible,
		"__Field.args":          args,
		"__Directive.args":      directiveArgs,
		"__Directive.locations": locations,
	}}
}

// isIntrospection reports whether f is a root field of introspection.
func isIntrospection(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" }

// introspectionList is the most items the introspection list name
// ("__Type.fields") holds; a list this code does not know counts as the
// longest of them all.
func (w *walker) introspectionList(name string) int {
	if n, ok := w.introspection[name]; ok {
		return max(n, 1)
	}
	n := 1
	for _, m := range w.introspection {
		n = max(n, m)
	}
	return n
}

// judge summarises the introspection fields of the operation, which sit
// in its root selection or in fragments spread there, and refuses them when
// too deep, or too costly with what the batch's operations judged before
// spent. The summary's aliases count in the operation's.
func (l IntrospectionLimits) judge(rc *graphql.OperationContext, spent *spent) (summary, *gqlerror.Error) {
	w := newWalker(rc.Variables)
	w.introspection = l.lists
	if w.introspection == nil {
		w.introspection = map[string]int{}
	}
	var s summary
	seen := map[string]bool{}
	var visit func(ast.SelectionSet)
	visit = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch f := sel.(type) {
			case *ast.Field:
				if isIntrospection(f) {
					s.add(w.set(ast.SelectionSet{f}))
				}
			case *ast.InlineFragment:
				visit(f.SelectionSet)
			case *ast.FragmentSpread:
				// Spread twice, a fragment's fields merge into one answer.
				if f.Definition != nil && !seen[f.Name] {
					seen[f.Name] = true
					visit(f.Definition.SelectionSet)
				}
			}
		}
	}
	visit(rc.Operation.SelectionSet)
	switch {
	case s.depth > l.MaxDepth:
		return s, limitError(apperr.DepthLimitExceeded, "the introspection is %d levels deep; at most %d are allowed", s.depth, l.MaxDepth)
	case satAdd(spent.introspection, s.cost) > l.MaxCost:
		return s, limitError(apperr.ComplexityLimitExceeded, "the complexity of the introspection of %s is %s; at most %d is allowed (each list counts as its longest in the schema)",
			spent.subject("the operation"), count(satAdd(spent.introspection, s.cost)), l.MaxCost)
	}
	return s, nil
}
