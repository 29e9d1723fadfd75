// Package ratelimit counts failures per key in a sliding window, to make
// guessing invitation codes hopeless. The failures are kept in the
// database, so that every server instance limits an address together.
package ratelimit

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/redeemfailure"
	"github.com/latchkey/latchkey/internal/auth"
)

// Failures limits each key to Max failures per Window. While a key is at
// its limit, every attempt is refused, successful or not.
type Failures struct {
	// Client must not be inside the caller's transaction: a failure is
	// recorded even though the failed request writes nothing else.
	Client *ent.Client
	Max    int
	Window time.Duration
	Now    func() time.Time
	Log    *slog.Logger
}

// Blocked reports whether key is at its limit, and when it may try again.
// When the count cannot be read, it says blocked: a guesser must not gain
// from a struggling database.
func (f *Failures) Blocked(ctx context.Context, key string) (bool, time.Duration) {
	now := f.Now()
	recent, err := f.Client.RedeemFailure.Query().
		Where(redeemfailure.Addr(key), redeemfailure.AtGT(now.Add(-f.Window))).
		Order(ent.Desc(redeemfailure.FieldAt)).
		Limit(f.Max).
		All(auth.SystemContext(ctx))
	if err != nil {
		f.Log.WarnContext(ctx, "failed redemptions could not be counted", "err", err)
		return true, time.Second
	}
	if len(recent) < f.Max {
		return false, 0
	}
	return true, recent[len(recent)-1].At.Add(f.Window).Sub(now)
}

// Fail records a failure of key, and forgets the key's failures that have
// left the window.
func (f *Failures) Fail(ctx context.Context, key string) {
	ctx = auth.SystemContext(ctx)
	now := f.Now()
	if err := f.Client.RedeemFailure.Create().SetAddr(key).SetAt(now).Exec(ctx); err != nil {
		f.Log.WarnContext(ctx, "failed redemption not recorded", "err", err)
		return
	}
	_, _ = f.Client.RedeemFailure.Delete().
		Where(redeemfailure.Addr(key), redeemfailure.AtLTE(now.Add(-f.Window))).
		Exec(ctx)
}
