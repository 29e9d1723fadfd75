package schema

import (
	"context"
	"errors"

	"entgo.io/ent"
)

var errBadEmail = errors.New("must be a valid email address such as ada@example.com")

// allFieldErrors refuses a write with one error for every field that fails
// its validator (the generated FieldErrors, ent/template/fielderrors.tmpl),
// where Ent's own check stops at the first. It comes last among a schema's
// hooks, so that it judges the values as they will be stored.
func allFieldErrors(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if err := m.(interface{ FieldErrors() error }).FieldErrors(); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}
