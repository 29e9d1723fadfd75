// Package graph holds the GraphQL resolvers and the gqlgen output.
package graph

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/door"
	"github.com/latchkey/latchkey/internal/grant"
	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/webhook"
	"github.com/latchkey/latchkey/schema"
)

//go:generate go run -C .. github.com/99designs/gqlgen generate
//go:generate go run ../internal/tools/gqlpatch generated.go

// Resolver wires the resolvers to their dependencies; it holds no state.
type Resolver struct {
	client *ent.Client
	grants *grant.Service
	doors  *door.Service
	admins *admins.Service
	hooks  *webhook.Endpoints
	live   *live.Broker
	now    func() time.Time
}

// NewSchema returns the executable schema. The service's clock is the
// server's clock.
func NewSchema(client *ent.Client, grants *grant.Service, doors *door.Service, admins *admins.Service, hooks *webhook.Endpoints, live *live.Broker) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Schema:     Published(),
		Resolvers:  &Resolver{client: client, grants: grants, doors: doors, admins: admins, hooks: hooks, live: live, now: grants.Now},
		Directives: DirectiveRoot{Scoped: scoped},
	})
}

// Published is the schema the server validates operations against and
// introspection answers with: the generated one without the directives only
// the server reads (schema.Public). They take effect in the generated code,
// which does not look them up.
var Published = sync.OnceValue(func() *ast.Schema {
	return schema.Public(NewExecutableSchema(Config{}).Schema())
})

// scoped implements @scoped, which every where input carries: its edge
// predicates see only the rows the viewer may read (see auth.ScopeEdges).
func scoped(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	in, err := next(ctx)
	if err != nil {
		return nil, err
	}
	if err := noEmptyOperands(ctx, in); err != nil {
		return nil, err
	}
	return auth.ScopeEdges(ctx, in)
}

// noEmptyOperands refuses a where input inside not, and or or that states
// no condition ({}, {idIn: []}): Ent cannot build a predicate from it and
// would answer INTERNAL. A where input of its own, or in a has…With list,
// that states none means "any row".
func noEmptyOperands(ctx context.Context, in any) error {
	rv := reflect.Indirect(reflect.ValueOf(in))
	if rv.Kind() != reflect.Struct {
		return nil
	}
	path := graphql.GetPath(ctx).String()
	empty := func(w reflect.Value) bool {
		out := w.MethodByName("P").Call(nil)
		return !out[1].IsNil()
	}
	if n := rv.FieldByName("Not"); n.IsValid() && !n.IsNil() && empty(n) {
		return apperr.Invalid(path+".not", "must state a condition")
	}
	for _, op := range [...]struct{ field, name string }{{"And", "and"}, {"Or", "or"}} {
		list := rv.FieldByName(op.field)
		for i := range list.Len() {
			if empty(list.Index(i)) {
				return apperr.Invalid(fmt.Sprintf("%s.%s[%d]", path, op.name, i), "must state a condition")
			}
		}
	}
	return nil
}
