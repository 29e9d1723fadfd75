// Package idempotency makes create mutations safe to retry: the first
// execution under a key is remembered, and a retry with the same key and
// input gets its answer back instead of writing again.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/idempotencykey"
	"github.com/latchkey/latchkey/internal/apperr"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// MaxKeyLen bounds a key.
const MaxKeyLen = 200

// Do runs run once per key of the caller's account, in the caller's
// transaction. Without a key it just runs. A retry with the same key and
// input returns load(ids of the first result); another input under the key
// is a CONFLICT, and so is a second request while the first is still in
// flight (its INSERT of the key waits for the first transaction and then
// violates the unique index).
func Do[T any](ctx context.Context, c *ent.Client, now time.Time, key *string, op string, input any,
	run func() (T, error), ids func(T) []string, load func([]string) (T, error)) (T, error) {
	var zero T
	if key == nil {
		return run()
	}
	if *key == "" || len(*key) > MaxKeyLen {
		return zero, apperr.Invalid("idempotencyKey", "must have 1 to %d characters", MaxKeyLen)
	}
	body, err := json.Marshal(input)
	if err != nil {
		return zero, err
	}
	sum := sha256.Sum256(append([]byte(op+"\x00"), body...))
	hash := hex.EncodeToString(sum[:])

	prev, err := c.IdempotencyKey.Query().Where(idempotencykey.Key(*key)).Only(ctx)
	switch {
	case err == nil && prev.CreatedAt.Add(TTL).After(now):
		if prev.Operation != op || prev.RequestHash != hash {
			return zero, &apperr.Error{Code: apperr.Conflict, Field: "idempotencyKey", Message: "was already used for a different request"}
		}
		if prev.ResultIds == nil {
			return zero, apperr.New(apperr.Conflict, "a request with this idempotencyKey is still running; retry shortly")
		}
		return load(prev.ResultIds)
	case err == nil:
		if err := c.IdempotencyKey.DeleteOne(prev).Exec(ctx); err != nil {
			return zero, err
		}
	case !ent.IsNotFound(err):
		return zero, err
	}
	claim, err := c.IdempotencyKey.Create().
		SetKey(*key).
		SetOperation(op).
		SetRequestHash(hash).
		SetCreatedAt(now).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return zero, apperr.New(apperr.Conflict, "a request with this idempotencyKey is still running; retry shortly")
	}
	if err != nil {
		return zero, err
	}
	res, err := run()
	if err != nil {
		return zero, err
	}
	return res, c.IdempotencyKey.UpdateOne(claim).SetResultIds(ids(res)).Exec(ctx)
}
