package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
)

// SingleRedeem refuses an operation that redeems more than once (for
// example through aliases), so one request cannot try many codes.
type SingleRedeem struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = SingleRedeem{}

// ExtensionName implements graphql.HandlerExtension.
func (SingleRedeem) ExtensionName() string { return "SingleRedeem" }

// Validate implements graphql.HandlerExtension.
func (SingleRedeem) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (SingleRedeem) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation.Operation != ast.Mutation || countField(rc.Operation.SelectionSet, "redeemInvitation") <= 1 {
		return nil
	}
	err := gqlerror.Errorf("an operation may redeem at most one invitation code")
	err.Extensions = map[string]any{"code": apperr.BadUserInput}
	return err
}

func countField(set ast.SelectionSet, name string) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				n++
			}
		case *ast.InlineFragment:
			n += countField(s.SelectionSet, name)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				n += countField(s.Definition.SelectionSet, name)
			}
		}
	}
	return n
}
