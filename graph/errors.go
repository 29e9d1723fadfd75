package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/privacy"
	"github.com/latchkey/latchkey/internal/apperr"
)

// ErrorPresenter is the one home of client errors: it turns every error
// of an operation into a client error with an extensions.code. Resolvers,
// the handler extensions (Limits, PageLimit, MutationGuard, wrapping their
// typed errors with refusal) and the Transactioner (through presentError)
// return errors as they are; this maps *apperr.Error, Ent's typed errors
// and the constraints of constraints (a join of input errors becomes one
// client error each), and masks everything else: no driver,
// SQL, Ent or Go text reaches a client. Errors it masks are logged here.
// (internal/app adds extensions.requestId to INTERNAL errors around it.)
//
// Requests refused before gqlgen runs (a bad body, a missing token) cannot
// reach it; the HTTP layer answers them with httpapi.Fail, which writes the
// same shape: one error with a message, extensions.code and, for INTERNAL,
// extensions.requestId.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		// Several input errors of one field are each an error of their
		// own, in order: all but the last go to the response from here
		// (through this presenter again), the last is this answer.
		if errs := inputErrors(err); len(errs) > 1 {
			for _, e := range errs[:len(errs)-1] {
				graphql.AddError(ctx, e)
			}
			err = errs[len(errs)-1]
		}
		out := present(withInputField(ctx, err))
		var ae *apperr.Error
		switch {
		case out.Extensions["code"] != apperr.Internal:
		case errors.As(err, &ae):
			// Made on purpose by code that logged its cause (RecoverFunc,
			// the Transactioner).
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			// The client went away or the request ran out of time: not a fault.
			log.WarnContext(ctx, "request ended early", "err", err, "path", graphql.GetPath(ctx).String())
		default:
			log.ErrorContext(ctx, "internal error", "err", err, "path", graphql.GetPath(ctx).String())
		}
		if out.Path == nil {
			out.Path = graphql.GetPath(ctx)
		}
		return out
	}
}

// inputErrors returns the errors err joins (errors.Join) when each is an
// input error (an *apperr.Error of BAD_USER_INPUT, an Ent field
// validation), as for every invalid field of a call; otherwise nil, and a
// join of other errors is masked as one.
func inputErrors(err error) []error {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return nil
	}
	errs := joined.Unwrap()
	for _, e := range errs {
		var ae *apperr.Error
		if !ent.IsValidationError(e) && (!errors.As(e, &ae) || ae.Code != apperr.BadUserInput) {
			return nil
		}
	}
	return errs
}

// refusal carries a typed error out of a handler extension, whose gqlgen
// interfaces return *gqlerror.Error, to ErrorPresenter.
func refusal(err *apperr.Error) *gqlerror.Error {
	return &gqlerror.Error{Message: err.Error(), Err: err}
}

// presentError passes err through the error presenter of ctx's response,
// for errors that arise outside any resolver (the Transactioner's).
func presentError(ctx context.Context, err error) *gqlerror.Error {
	ctx = graphql.WithFreshResponseContext(ctx)
	graphql.AddError(ctx, err)
	return graphql.GetErrors(ctx)[0]
}

// RecoverFunc logs a panic in a resolver with its stack and answers
// INTERNAL; the transaction middleware then rolls back.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "path", graphql.GetPath(ctx).String(), "stack", string(debug.Stack()))
		return apperr.New(apperr.Internal, "internal error")
	}
}

// withInputField gives a client error that names no field (a scalar's, see
// graph/model/scalars.go) the path of the argument value gqlgen was
// reading when it failed ("input.restrictions.validFrom"): gqlgen records
// the field's path followed by the argument's.
func withInputField(ctx context.Context, err error) error {
	var ae *apperr.Error
	var ge *gqlerror.Error
	if !errors.As(err, &ae) || ae.Field != "" || !errors.As(err, &ge) || ge.Err == nil {
		return err
	}
	var at ast.Path
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		at = fc.Path()
	}
	if len(ge.Path) <= len(at) || ge.Path[:len(at)].String() != at.String() {
		return err
	}
	c := *ae
	c.Field = ge.Path[len(at):].String()
	return &c
}

func present(err error) *gqlerror.Error {
	if retryable(err) {
		err = errTxConflict
	} else if ce := constraintError(err); ce != nil {
		err = ce
	}
	var (
		ae   *apperr.Error
		ge   *gqlerror.Error
		ve   *ent.ValidationError
		code = apperr.Internal
		msg  = "internal error"
		ext  = map[string]any{}
	)
	switch {
	case errors.As(err, &ae):
		code, msg = ae.Code, ae.Error()
		if ae.Field != "" {
			ext["field"] = ae.Field
		}
		if ae.RetryAfter > 0 {
			ext["retryAfter"] = ae.RetryAfter
		}
	case errors.As(err, &ge) && ge.Err == nil:
		// gqlgen's own errors (parsing, validation, arguments) and entgql's
		// node and pagination errors are written for clients already.
		if ge.Extensions == nil || ge.Extensions["code"] == nil {
			ge.Extensions = mergeExt(ge.Extensions, "code", apperr.BadUserInput)
		}
		return ge
	case errors.As(err, &ve):
		field := "input." + camel(ve.Name)
		code, msg = apperr.BadUserInput, fmt.Sprintf("%s: %s", field, validationReason(ve))
		ext["field"] = field
	case ent.IsNotFound(err):
		code, msg = apperr.NotFound, "not found"
	case errors.Is(err, privacy.Deny):
		code, msg = apperr.Forbidden, "this token may not do that"
	}
	ext["code"] = code
	return &gqlerror.Error{Message: msg, Extensions: ext}
}

func mergeExt(m map[string]any, k string, v any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m[k] = v
	return m
}

// validationReason keeps the reason of an Ent validator but drops Ent's
// own wording around it.
func validationReason(ve *ent.ValidationError) string {
	inner := errors.Unwrap(ve)
	for inner != nil && errors.Unwrap(inner) != nil {
		inner = errors.Unwrap(inner)
	}
	if inner == nil {
		return "is invalid"
	}
	s := inner.Error()
	switch {
	case strings.Contains(s, "value is less than the required length"):
		return "must not be empty"
	case strings.Contains(s, "value is greater than the required"): // length, or rune length
		return "is too long"
	case strings.Contains(s, "invalid enum value"):
		return "is not a valid value"
	}
	return s
}

// camel turns an Ent field name (time_zone) into its GraphQL name
// (timeZone); entgql writes "id" as "ID" (vendor_id: vendorID).
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
