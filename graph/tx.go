package graph

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/apperr"
)

// Transactioner runs every mutation operation in one database transaction:
// any error in the response rolls all of it back. It replaces entgql's,
// which would show the driver's text to the client when a transaction
// cannot begin or commit.
type Transactioner struct {
	Client *ent.Client
	Log    *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = Transactioner{}

// ExtensionName implements graphql.HandlerExtension.
func (Transactioner) ExtensionName() string { return "Transactioner" }

// Validate implements graphql.HandlerExtension.
func (Transactioner) Validate(graphql.ExecutableSchema) error { return nil }

// transactional reports whether an operation runs in a transaction: every
// mutation but a lone redeemInvitation, which runs its own so that a failed
// attempt can be recorded while the attempt itself writes nothing, and
// operateDevice, which commits each decision before the device acts so that
// nothing else in the request can erase it (MutationGuard keeps other
// mutations out of its operations).
func transactional(op *ast.OperationDefinition) bool {
	if op == nil || op.Operation != ast.Mutation {
		return false
	}
	fields := rootFields(op.SelectionSet, nil)
	if len(fields) == 1 && fields[0] == "redeemInvitation" {
		return false
	}
	return !slices.Contains(fields, "operateDevice")
}

// MutateOperationContext runs the root fields of a mutation one at a time,
// as they share the transaction.
func (Transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !transactional(oc.Operation) {
		return nil
	}
	previous := oc.ResolverMiddleware
	var mu sync.Mutex
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		return previous(ctx, next)
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor.
func (t Transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request can fail before it has an operation (or even an operation
	// context); such a response has nothing to commit.
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if !transactional(graphql.GetOperationContext(ctx).Operation) {
		return next(ctx)
	}
	tx, err := t.Client.Tx(ctx)
	if err != nil {
		return t.fail(ctx, "begin transaction", err)
	}
	ctx = ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(ctx)
	if len(rsp.Errors) > 0 {
		_ = tx.Rollback()
		// Nothing the operation did holds: its data is null.
		return &graphql.Response{Errors: rsp.Errors, Data: nullData}
	}
	if err := tx.Commit(); err != nil {
		if ended(ctx, err) {
			// The client left or the deadline passed before the commit was
			// sent: database/sql rolls the transaction back.
			t.Log.WarnContext(ctx, "request ended before commit", "err", err)
			return internal("the request ended before the change was saved; nothing was written")
		}
		// A commit lost with its connection may still have happened.
		return t.fail(ctx, "commit transaction", err, "the change may not have been saved; retry with the same idempotencyKey")
	}
	return rsp
}

// ended reports whether a commit failed because the transaction's context
// had ended before the commit was sent: database/sql then answers the
// context's error, or ErrTxDone once it has rolled the transaction back.
// (An error from the driver, the commit sent, leaves its outcome unknown.)
func ended(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, sql.ErrTxDone) || errors.Is(err, ctx.Err()))
}

func (t Transactioner) fail(ctx context.Context, what string, err error, msg ...string) *graphql.Response {
	t.Log.ErrorContext(ctx, what, "err", err)
	m := "the change could not be saved; nothing was written"
	if len(msg) > 0 {
		m = msg[0]
	}
	return internal(m)
}

// internal is the answer to an operation that wrote nothing, or may not
// have, for a reason not the client's.
func internal(msg string) *graphql.Response {
	return &graphql.Response{Data: nullData, Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": apperr.Internal},
	}}}
}

// nullData is the data of an operation whose effects were rolled back.
var nullData = json.RawMessage("null")
