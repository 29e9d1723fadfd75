package observe

import (
	"context"
	"maps"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// WithRequestID returns err with extensions.requestId set to the request
// id of ctx when err's extensions.code is INTERNAL, so that a client can
// quote the id and support can find the request's log lines. Other errors,
// and errors of requests without an id, are returned as they are. err itself
// is not changed: the result is a copy.
//
// Call it on the result of the error presenter:
//
//	gql.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
//		return observe.WithRequestID(ctx, present(ctx, err))
//	})
//
// The HTTP layer's errors, answered before GraphQL runs, pass through it
// too (internal/edge's Fail).
func WithRequestID(ctx context.Context, err *gqlerror.Error) *gqlerror.Error {
	if err == nil || codeOf(err) != "INTERNAL" {
		return err
	}
	id := RequestID(ctx)
	if id == "" {
		return err
	}
	out := *err
	out.Extensions = maps.Clone(err.Extensions)
	out.Extensions["requestId"] = id
	return &out
}
