package graph

import (
	"context"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/idempotency"
	"github.com/latchkey/latchkey/internal/pulid"
)

// createOnce runs a single-row create under an idempotency key; a retry
// loads the row the first execution created.
func createOnce[T ent.Noder](ctx context.Context, r *mutationResolver, key *string, op string, input any,
	create func(*ent.Client) (T, error), id func(T) pulid.ID) (T, error) {
	c := ent.FromContext(ctx)
	return idempotency.Do(ctx, c, r.now(), key, op, input,
		func() (T, error) { return create(c) },
		func(v T) []string { return []string{string(id(v))} },
		func(ids []string) (T, error) {
			n, err := c.Noder(ctx, pulid.ID(ids[0]), ent.WithNodeType(nodeType))
			v, _ := n.(T)
			return v, err
		})
}
