package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/rootfields"
)

// MutationGuard guards the mutation root: redeemInvitation must be alone in
// its operation and appear once (aliases cannot try many codes in one
// request, and it runs its own transaction); operateDevice shares its
// operation with nothing but itself, as it records each decision on its
// own and never runs in the operation's transaction (see Transactioner);
// and signIn, which records failed attempts on its own, is alone too.
// Who may call which field is Authorize's.
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
func (MutationGuard) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation.Operation != ast.Mutation {
		return nil
	}
	fields := rootfields.Of(rc)
	redeems, operates, signIns := 0, 0, 0
	for _, f := range fields {
		switch f {
		case "redeemInvitation":
			redeems++
		case "operateDevice":
			operates++
		case "signIn":
			signIns++
		}
	}
	var ae *apperr.Error
	switch {
	case redeems > 1:
		ae = apperr.New(apperr.BadUserInput, "an operation may redeem at most one invitation code")
	case redeems == 1 && len(fields) > 1:
		ae = apperr.New(apperr.BadUserInput, "redeemInvitation must be the only field of its operation")
	case signIns > 0 && len(fields) > 1:
		ae = apperr.New(apperr.BadUserInput, "signIn must be the only field of its operation")
	case operates > 0 && operates < len(fields):
		ae = apperr.New(apperr.BadUserInput, "operateDevice cannot share an operation with other mutations")
	default:
		return nil
	}
	return refusal(ae)
}
