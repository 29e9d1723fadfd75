// Package graph holds the GraphQL resolvers and the gqlgen output.
package graph

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/grant"
)

//go:generate go run -C .. -mod=mod github.com/99designs/gqlgen generate

// Resolver wires the resolvers to their dependencies; it holds no state.
type Resolver struct {
	client *ent.Client
	codes  grant.Codes
	now    func() time.Time
}

// Options is what the schema needs from the server.
type Options struct {
	Client *ent.Client
	Codes  grant.Codes
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
}

// NewSchema returns the executable schema.
func NewSchema(cfg Options) graphql.ExecutableSchema {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return NewExecutableSchema(Config{
		Resolvers: &Resolver{client: cfg.Client, codes: cfg.Codes, now: now},
	})
}
