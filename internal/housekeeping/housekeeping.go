// Package housekeeping deletes the rows that have served their time.
package housekeeping

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/ent/idempotencykey"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/ent/redeembucket"
	"github.com/latchkey/latchkey/ent/redeemfailure"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/idempotency"
)

// SentMailRetention is how long a sent, logged or failed mail's record
// (its bodies already emptied) is kept for support questions.
const SentMailRetention = 30 * 24 * time.Hour

// DefaultAuditRetention is how long audit records are kept unless
// AUDIT_RETENTION says otherwise.
const DefaultAuditRetention = 365 * 24 * time.Hour

// Sweep deletes what has served its time: idempotency keys past their
// 24 hours, failed redemptions and their buckets an hour old, mail
// records past SentMailRetention and audit records past auditRetention,
// as of now. Any instance may run it; it is idempotent.
func Sweep(ctx context.Context, client *ent.Client, now time.Time, auditRetention time.Duration) error {
	ctx = auth.SystemContext(ctx)
	_, err1 := client.IdempotencyKey.Delete().Where(idempotencykey.CreatedAtLT(now.Add(-idempotency.TTL))).Exec(ctx)
	_, err2 := client.RedeemFailure.Delete().Where(redeemfailure.AtLT(now.Add(-time.Hour))).Exec(ctx)
	_, err4 := client.RedeemBucket.Delete().Where(redeembucket.SeenAtLT(now.Add(-time.Hour))).Exec(ctx)
	_, err3 := client.Outbox.Delete().Where(
		outbox.StatusIn(enum.DeliverySent, enum.DeliveryFailed, enum.DeliveryLogged),
		outbox.UpdatedAtLT(now.Add(-SentMailRetention)),
	).Exec(ctx)
	// The only removal of audit records: their privacy policy refuses the API.
	_, err5 := client.AuditEvent.Delete().Where(auditevent.OccurredAtLT(now.Add(-auditRetention))).Exec(ctx)
	return errors.Join(err1, err2, err3, err4, err5)
}
