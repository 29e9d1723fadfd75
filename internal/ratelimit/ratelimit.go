// Package ratelimit counts failures per key (a client address, an email)
// in a sliding window, to make guessing invitation codes and passwords
// hopeless. The failures are kept in the database, so that every server
// instance limits a key together.
package ratelimit

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/redeembucket"
	"github.com/latchkey/latchkey/ent/redeemfailure"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Failures limits each key to Max failures per Window. While a key is at
// its limit, every attempt is refused, successful or not.
//
// An attempt counts as a failure from before it is made until it is
// forgiven, and counting and recording happen under a lock on the
// address's bucket row, so that of any number of attempts at once exactly
// the allowed number go ahead.
type Failures struct {
	// Client must not be inside the caller's transaction: a failure is
	// recorded even though the failed request writes nothing else.
	Client *ent.Client
	Max    int
	Window time.Duration
	Now    func() time.Time
	Log    *slog.Logger
	// Prefix keeps the keys of one limit apart from another's ("" for
	// invitation codes, whose keys are bare address buckets). Keys are at
	// most 64 bytes with it.
	Prefix string
}

// Bucket is the key an address is counted under: an IPv4 address itself,
// an IPv6 address by its /64 (what one subscriber is usually given). Every
// request without an IP address (none over TCP) shares the key "".
func Bucket(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	if addr = addr.Unmap().WithZone(""); addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// Attempt records an attempt from addr as a failure, unless addr is at its
// limit: then it records nothing and says how long until it may try again.
// A successful attempt is then passed to Forgive. When the database does
// not answer, the attempt is refused: a guesser must not gain from a
// struggling database.
func (f *Failures) Attempt(ctx context.Context, addr netip.Addr) (attempt pulid.ID, wait time.Duration, ok bool) {
	return f.AttemptKey(ctx, Bucket(addr))
}

// AttemptKey is Attempt for any key (see Prefix).
func (f *Failures) AttemptKey(ctx context.Context, key string) (attempt pulid.ID, wait time.Duration, ok bool) {
	ctx = auth.SystemContext(ctx)
	key, now := f.Prefix+key, f.Now()
	tx, err := f.Client.Tx(ctx)
	if err != nil {
		f.Log.WarnContext(ctx, "failures could not be counted", "err", err)
		return "", time.Second, false
	}
	defer func() { _ = tx.Rollback() }()
	// The upsert locks the bucket's row until the commit: attempts under one
	// key count one after the other, on every instance. (SQLite writes
	// one transaction at a time anyway.)
	if err := tx.RedeemBucket.Create().SetID(key).SetSeenAt(now).
		OnConflictColumns("id").UpdateSeenAt().Exec(ctx); err != nil {
		f.Log.WarnContext(ctx, "failures could not be counted", "err", err)
		return "", time.Second, false
	}
	recent, err := tx.RedeemFailure.Query().
		Where(redeemfailure.Addr(key), redeemfailure.AtGT(now.Add(-f.Window))).
		Order(ent.Desc(redeemfailure.FieldAt)).
		Limit(f.Max).
		All(ctx)
	if err != nil {
		f.Log.WarnContext(ctx, "failures could not be counted", "err", err)
		return "", time.Second, false
	}
	if len(recent) >= f.Max {
		return "", recent[len(recent)-1].At.Add(f.Window).Sub(now), false
	}
	rf, err := tx.RedeemFailure.Create().SetAddr(key).SetAt(now).Save(ctx)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		f.Log.WarnContext(ctx, "attempt not recorded", "err", err)
		return "", time.Second, false
	}
	return rf.ID, 0, true
}

// Forgive takes back a successful attempt, which is no failure.
func (f *Failures) Forgive(ctx context.Context, attempt pulid.ID) {
	if err := f.Client.RedeemFailure.DeleteOneID(attempt).Exec(auth.SystemContext(ctx)); err != nil {
		f.Log.WarnContext(ctx, "a successful attempt still counts as a failure", "err", err)
	}
}

// Touch writes key's bucket row once more, in a statement and commit of its
// own, and counts nothing. A caller that writes a record for some failures
// and not for others pays with it for the others, so that both take as
// long.
func (f *Failures) Touch(ctx context.Context, key string) {
	if err := f.Client.RedeemBucket.Update().Where(redeembucket.ID(f.Prefix + key)).SetSeenAt(f.Now()).Exec(auth.SystemContext(ctx)); err != nil {
		f.Log.WarnContext(ctx, "bucket not touched", "err", err)
	}
}
