package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
)

// MutationGuard guards the mutation root: an operation may redeem at most
// once (aliases cannot try many codes in one request), and every other
// mutation but operateDevice (which acts for a user's own token) needs an
// admin token, checked before any resolver reads data so
// that a user token learns nothing from a refused write. The privacy rules
// refuse such writes too; this check only answers earlier.
type MutationGuard struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = MutationGuard{}

// ExtensionName implements graphql.HandlerExtension.
func (MutationGuard) ExtensionName() string { return "MutationGuard" }

// Validate implements graphql.HandlerExtension.
func (MutationGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (MutationGuard) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation.Operation != ast.Mutation {
		return nil
	}
	redeems, others := countRoot(rc.Operation.SelectionSet)
	var ae *apperr.Error
	switch v := auth.FromContext(ctx); {
	case redeems > 1:
		ae = apperr.New(apperr.BadUserInput, "an operation may redeem at most one invitation code")
	case others > 0 && v == nil:
		ae = apperr.ErrUnauthenticated
	case others > 0 && v.Role != auth.RoleAdmin:
		ae = apperr.ErrForbidden
	default:
		return nil
	}
	err := gqlerror.Errorf("%s", ae.Message)
	err.Extensions = map[string]any{"code": ae.Code}
	return err
}

// countRoot counts the root fields that redeem and those that do not.
func countRoot(set ast.SelectionSet) (redeems, others int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			switch s.Name {
			case "redeemInvitation":
				redeems++
			case "__typename", "operateDevice":
			default:
				others++
			}
		case *ast.InlineFragment:
			r, o := countRoot(s.SelectionSet)
			redeems, others = redeems+r, others+o
		case *ast.FragmentSpread:
			if s.Definition != nil {
				r, o := countRoot(s.Definition.SelectionSet)
				redeems, others = redeems+r, others+o
			}
		}
	}
	return redeems, others
}
