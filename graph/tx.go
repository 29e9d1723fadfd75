package graph

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/rootfields"
)

// Transactioner runs every mutation operation in one database transaction:
// any error in the response rolls all of it back. It replaces entgql's,
// which would show the driver's text to the client when a transaction
// cannot begin or commit.
//
// It is also the one home of retries: when the database fails an operation
// for meeting a concurrent one (a deadlock, a serialization failure), the
// operation runs again from the start in a new transaction, up to
// retryAttempts times with a jittered pause, if it is rerunnable. After the
// last attempt the client gets CONFLICT.
type Transactioner struct {
	Client *ent.Client
	Log    *slog.Logger
	// schema runs an operation again; Validate sets it.
	schema graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = &Transactioner{}

// retryAttempts bounds the runs of one operation.
const retryAttempts = 4

// retryPause is the longest pause after the first attempt; it doubles
// after each further one, and the pause taken is a random part of it, so
// that the operations that met do not meet again.
const retryPause = 10 * time.Millisecond

// rerunnable names the mutations whose effects all stay in the database
// until their transaction commits, so that running one again after a
// conflict repeats nothing: mails go through the outbox and idempotency
// keys are claimed in the operation's transaction, and redeemInvitation's
// own transaction is rolled back by the conflict. operateDevice is not one:
// it commits its decision on its own, and the door may have moved.
var rerunnable = map[string]bool{
	"createUser": true, "updateUser": true, "deleteUser": true,
	"createDevice": true, "updateDevice": true, "deleteDevice": true,
	"grantPermission": true, "updatePermission": true, "revokePermission": true,
	"resendInvitation": true, "redeemInvitation": true,
	"createAPIToken": true, "revokeAPIToken": true, "revokeAppToken": true, "signOut": true,
	"setAdminPassword": true, "inviteAdmin": true, "updateAdmin": true, "deleteAdmin": true,
}

// errTxConflict is the answer to an operation the database failed for
// meeting a concurrent one, when it is not run again.
var errTxConflict = apperr.New(apperr.Conflict, "the change met a concurrent change and was not saved; send it again")

// retryable reports whether the database failed a statement or a commit
// for meeting a concurrent transaction, which rolls the transaction back.
func retryable(err error) bool {
	var se interface{ SQLState() string }
	if !errors.As(err, &se) {
		return false
	}
	switch se.SQLState() {
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return true
	}
	return false
}

// ExtensionName implements graphql.HandlerExtension.
func (*Transactioner) ExtensionName() string { return "Transactioner" }

// Validate implements graphql.HandlerExtension.
func (t *Transactioner) Validate(es graphql.ExecutableSchema) error {
	t.schema = es
	return nil
}

// transactional reports whether an operation runs in a transaction: every
// mutation but a lone redeemInvitation or signIn, which run their own so
// that a failed attempt can be recorded while the attempt itself writes
// nothing, and
// operateDevice, which commits each decision before the device acts so that
// nothing else in the request can erase it (MutationGuard keeps other
// mutations out of its operations).
func transactional(oc *graphql.OperationContext) bool {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return false
	}
	fields := rootfields.Of(oc)
	if len(fields) == 1 && (fields[0] == "redeemInvitation" || fields[0] == "signIn") {
		return false
	}
	return !slices.Contains(fields, "operateDevice")
}

// attempt is the state of one run of an operation.
type attempt struct{ conflict atomic.Bool }

type attemptKey struct{}

// MutateOperationContext runs the root fields of a mutation one at a time,
// as they share the transaction, and notes the errors that call for
// running it again.
func (*Transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	shared := transactional(oc)
	previous := oc.ResolverMiddleware
	var mu sync.Mutex
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		if shared {
			mu.Lock()
			defer mu.Unlock()
		}
		v, err := previous(ctx, next)
		if a, ok := ctx.Value(attemptKey{}).(*attempt); ok && retryable(err) {
			a.conflict.Store(true)
		}
		return v, err
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor.
func (t *Transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request can fail before it has an operation (or even an operation
	// context); such a response has nothing to commit.
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	again := true
	for _, f := range rootfields.Of(oc) {
		again = again && rerunnable[f]
	}
	tx := transactional(oc)
	run := next
	for n := 1; ; n++ {
		a := &attempt{}
		rsp := t.attempt(context.WithValue(ctx, attemptKey{}, a), tx, run)
		if !a.conflict.Load() {
			return rsp
		}
		if !again || n == retryAttempts {
			t.Log.WarnContext(ctx, "operation met a concurrent one; answering CONFLICT", "attempts", n)
			return rsp
		}
		t.Log.InfoContext(ctx, "operation met a concurrent one; running it again", "attempt", n)
		pause := time.NewTimer(rand.N(retryPause << (n - 1)))
		select {
		case <-ctx.Done():
			pause.Stop()
			return rsp
		case <-pause.C:
		}
		run = t.rerun
	}
}

// rerun executes the operation again, with its own errors and extensions,
// as the innermost response handler does: that handler runs an operation
// only once.
func (t *Transactioner) rerun(ctx context.Context) *graphql.Response {
	ctx = graphql.WithFreshResponseContext(ctx)
	rsp := t.schema.Exec(ctx)(ctx)
	rsp.Errors = append(rsp.Errors, graphql.GetErrors(ctx)...)
	rsp.Extensions = graphql.GetExtensions(ctx)
	return rsp
}

// attempt runs the operation once, in a transaction of its own if tx.
func (t *Transactioner) attempt(ctx context.Context, tx bool, run graphql.ResponseHandler) *graphql.Response {
	if !tx {
		return run(ctx)
	}
	dbtx, err := t.Client.Tx(ctx)
	if err != nil {
		return t.fail(ctx, "begin transaction", err)
	}
	ctx = ent.NewTxContext(ent.NewContext(ctx, dbtx.Client()), dbtx)
	defer func() {
		if r := recover(); r != nil {
			_ = dbtx.Rollback()
			panic(r)
		}
	}()
	rsp := run(ctx)
	if len(rsp.Errors) > 0 {
		_ = dbtx.Rollback()
		// Nothing the operation did holds: its data is null.
		return &graphql.Response{Errors: rsp.Errors, Data: nullData}
	}
	if err := dbtx.Commit(); err != nil {
		switch {
		case ended(ctx, err):
			// The client left or the deadline passed before the commit was
			// sent: database/sql rolls the transaction back.
			t.Log.WarnContext(ctx, "request ended before commit", "err", err)
			return failed(ctx, apperr.New(apperr.Internal, "the request ended before the change was saved; nothing was written"))
		case retryable(err):
			// The database refused the commit: nothing was written.
			ctx.Value(attemptKey{}).(*attempt).conflict.Store(true)
			t.Log.WarnContext(ctx, "commit met a concurrent transaction", "err", err)
			return failed(ctx, errTxConflict)
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

// fail logs why a transaction could not begin or commit and answers
// INTERNAL: the operation wrote nothing, or may not have.
func (t *Transactioner) fail(ctx context.Context, what string, err error, msg ...string) *graphql.Response {
	t.Log.ErrorContext(ctx, what, "err", err)
	m := "the change could not be saved; nothing was written"
	if len(msg) > 0 {
		m = msg[0]
	}
	return failed(ctx, apperr.New(apperr.Internal, "%s", m))
}

// failed is the answer of an operation whose effects do not hold, with err
// passed through the error presenter like every other.
func failed(ctx context.Context, err *apperr.Error) *graphql.Response {
	return &graphql.Response{Data: nullData, Errors: gqlerror.List{presentError(ctx, err)}}
}

// nullData is the data of an operation whose effects were rolled back.
var nullData = json.RawMessage("null")
