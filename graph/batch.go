package graph

import "context"

// NewBatch returns the context the operations of one batched request are
// created in: Limits counts their tokens, aliases and complexity together,
// and their introspection's (IntrospectionLimits), so that a batch costs no
// more than one operation may. (Depth bounds the
// shape of each operation, not its cost, and stays per operation; a
// document from the query cache counts no tokens, as it is not parsed.)
// An operation that would take the sums over a limit is refused, so what
// runs never adds up to more.
func NewBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, batchKey{}, &spent{batch: true})
}

type batchKey struct{}

// spent is what the operations judged so far in one batch have used.
type spent struct {
	batch                 bool
	tokens, aliases, cost int
	introspection         int
}

// spentIn returns the batch of ctx, or a fresh account for an operation of
// its own.
func spentIn(ctx context.Context) *spent {
	if s, ok := ctx.Value(batchKey{}).(*spent); ok {
		return s
	}
	return &spent{}
}

// subject names what a limit was exceeded by.
func (s *spent) subject(one string) string {
	if s.batch {
		return "the batch (its operations together so far)"
	}
	return one
}
