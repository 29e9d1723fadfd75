// Package observe makes Latchkey observable: Prometheus metrics on a
// registry of their own, one structured log line per HTTP request with a
// request id, and the request id on INTERNAL errors so that support can find
// the log line of a failed call.
//
// Nothing in this package records request bodies, query strings, GraphQL
// variables, tokens, invitation codes or passwords. Every label of every
// metric takes its values from a fixed or schema-derived set, so the number
// of series stays bounded whatever clients send.
//
// Wiring (see the package tests for runnable versions):
//
//	m := observe.NewMetrics(db, outboxDepth)
//	gql.Use(m.Extension())
//	gql.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
//		return observe.WithRequestID(ctx, presenter(ctx, err))
//	})
//	handler := observe.RequestLog(log, cors.Handler(mux)) // outermost
//	metricsMux.Handle("GET /metrics", m.Handler())
package observe
