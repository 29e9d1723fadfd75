package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/rootfields"
)

// Authorize enforces auth.Authority: every root field of an operation must
// admit the caller's role before any resolver runs, so that a refused
// caller learns nothing from data, and only an admitted operation may
// write (the privacy rules refuse every other write of an API caller).
type Authorize struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Authorize{}

// ExtensionName implements graphql.HandlerExtension.
func (Authorize) ExtensionName() string { return "Authorize" }

// Validate implements graphql.HandlerExtension.
func (Authorize) Validate(graphql.ExecutableSchema) error { return nil }

// rootTypes names the root type of each kind of operation, as Authority's
// keys do.
var rootTypes = map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation", ast.Subscription: "Subscription"}

// MutateOperationContext implements graphql.OperationContextMutator.
func (Authorize) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if err := auth.Authorize(ctx, rootTypes[rc.Operation.Operation], rootfields.Of(rc)); err != nil {
		return refusal(err)
	}
	return nil
}
