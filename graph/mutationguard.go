package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/rootfields"
)

// MutationGuard guards the mutation root: redeemInvitation must be alone in
// its operation and appear once (aliases cannot try many codes in one
// request, and it runs its own transaction); operateDevice shares its
// operation with nothing but itself, as it records each decision on its
// own and never runs in the operation's transaction (see Transactioner);
// signIn, which records failed attempts on its own, is alone too; and
// every other mutation but operateDevice (which acts for a user's own
// token) needs the role auth.Authority names for it, checked before any
// resolver reads data so that a token learns nothing from a refused write. The privacy rules refuse such writes too;
// this check only answers earlier.
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
	fields := rootfields.Of(rc)
	v := auth.FromContext(ctx)
	redeems, operates, signIns := 0, 0, 0
	var refused error
	for _, f := range fields {
		switch f {
		case "redeemInvitation":
			redeems++
		case "operateDevice":
			operates++
		case "signIn":
			signIns++
		}
		if f != "operateDevice" && refused == nil {
			refused = auth.May(v, "Mutation."+f)
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
	case refused != nil:
		if !errors.As(refused, &ae) {
			ae = apperr.ErrForbidden
		}
	default:
		return nil
	}
	return refusal(ae)
}
