// Package graph holds the GraphQL resolvers and the gqlgen output.
package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/grant"
	"github.com/latchkey/latchkey/internal/lock"
)

//go:generate go run -C .. github.com/99designs/gqlgen generate
//go:generate go run ../internal/tools/gqlpatch generated.go

// Resolver wires the resolvers to their dependencies; it holds no state.
type Resolver struct {
	client *ent.Client
	grants *grant.Service
	locks  *lock.Service
	now    func() time.Time
}

// NewSchema returns the executable schema. The service's clock is the
// server's clock.
func NewSchema(client *ent.Client, grants *grant.Service, locks *lock.Service) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{client: client, grants: grants, locks: locks, now: grants.Now},
		Directives: DirectiveRoot{Scoped: scoped},
	})
}

// scoped implements @scoped, which every where input carries: its edge
// predicates see only the rows the viewer may read (see auth.ScopeEdges).
func scoped(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	in, err := next(ctx)
	if err != nil {
		return nil, err
	}
	return auth.ScopeEdges(ctx, in)
}
