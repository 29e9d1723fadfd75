package app

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/ent/idempotencykey"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/ent/redeemfailure"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/idempotency"
)

// SentMailRetention is how long a sent, logged or failed mail's record
// (its bodies already emptied) is kept for support questions.
const SentMailRetention = 30 * 24 * time.Hour

// Sweep deletes what has served its time: idempotency keys past their
// 24 hours, failed redemptions older than the rate-limit window, and mail
// records past SentMailRetention. Any instance may run it; it is
// idempotent.
func (a *App) Sweep(ctx context.Context) error {
	ctx = auth.SystemContext(ctx)
	now := a.now()
	_, err1 := a.Client.IdempotencyKey.Delete().Where(idempotencykey.CreatedAtLT(now.Add(-idempotency.TTL))).Exec(ctx)
	_, err2 := a.Client.RedeemFailure.Delete().Where(redeemfailure.AtLT(now.Add(-time.Hour))).Exec(ctx)
	_, err3 := a.Client.Outbox.Delete().Where(
		outbox.StatusIn(enum.DeliverySent, enum.DeliveryFailed, enum.DeliveryLogged),
		outbox.UpdatedAtLT(now.Add(-SentMailRetention)),
	).Exec(ctx)
	return errors.Join(err1, err2, err3)
}

// sweepEvery runs Sweep every interval until ctx ends.
func (a *App) sweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("sweep failed", "err", err)
			}
		}
	}
}
