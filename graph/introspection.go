package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
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
