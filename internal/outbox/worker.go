package outbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Worker sends queued mail. Several workers, in one process or many, may
// drain one database: a mail is claimed with a lease before it is sent.
type Worker struct {
	Client *ent.Client
	Sender mail.Sender
	Log    *slog.Logger
	Now    func() time.Time
	// SkipLocked claims rows with FOR UPDATE SKIP LOCKED (PostgreSQL);
	// without it the claiming transaction itself serialises the workers
	// (SQLite takes the write lock when the transaction begins).
	SkipLocked bool
	// Batch is how many mails one round claims.
	Batch int
	// MaxAttempts is when a mail is given up as FAILED.
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (n ≥ 1).
	Backoff func(n int) time.Duration
	// Lease is how long a claimed mail is reserved for its sender.
	Lease time.Duration
	// Parallel is how many mails are sent at the same time.
	Parallel int
	// OnAttempt, if set, learns the outcome of every send attempt.
	OnAttempt func(sent bool)
}

// ExponentialBackoff waits 5 s after the first failure, doubling up to an hour.
func ExponentialBackoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Run sends mail until ctx ends, polling every interval; while rounds
// come back full it goes on at once, so a backlog drains at the speed of
// sending rather than one batch per interval.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("outbox round failed", "err", err)
		}
		if n == w.Batch && err == nil && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the mails that are due, sends them, and records the
// outcome; it returns how many it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ctx = auth.SystemContext(ctx)
	claimed, err := w.claim(ctx)
	if err != nil {
		return 0, err
	}
	// Mails go out a few at a time: sending waits on the SMTP server.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		slot = make(chan struct{}, max(w.Parallel, 1))
	)
	for _, m := range claimed {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			sendErr := w.Sender.Send(ctx, mail.Message{To: m.ToAddress, ToName: m.ToName, Subject: m.Subject, Text: m.TextBody, HTML: m.HTMLBody})
			if w.OnAttempt != nil {
				w.OnAttempt(sendErr == nil)
			}
			if err := w.record(ctx, m, sendErr); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(claimed), errors.Join(errs...)
}

func (w *Worker) claim(ctx context.Context) ([]*ent.Outbox, error) {
	now := w.Now()
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	q := tx.Outbox.Query().
		Where(
			outbox.StatusEQ(enum.DeliveryQueued),
			outbox.NextAttemptAtLTE(now),
			outbox.Or(outbox.LeaseUntilIsNil(), outbox.LeaseUntilLT(now)),
		).
		Order(ent.Asc(outbox.FieldNextAttemptAt)).
		Limit(w.Batch)
	if w.SkipLocked {
		q = q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}
	list, err := q.All(ctx)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	ids := make([]pulid.ID, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	if err := tx.Outbox.Update().Where(outbox.IDIn(ids...)).SetLeaseUntil(now.Add(w.Lease)).Exec(ctx); err != nil {
		return nil, err
	}
	return list, tx.Commit()
}

// record stores the outcome of one attempt, and the invitation's delivery
// status with it.
func (w *Worker) record(ctx context.Context, m *ent.Outbox, sendErr error) error {
	now := w.Now()
	attempts := m.Attempts + 1
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	upd := tx.Outbox.UpdateOne(m).SetAttempts(attempts).ClearLeaseUntil()
	delivery := enum.DeliveryQueued
	switch {
	case sendErr == nil:
		// The bodies hold the invitation code: keep them no longer than needed.
		upd.SetStatus(enum.DeliverySent).SetSentAt(now).SetTextBody("").SetHTMLBody("").ClearLastError()
		delivery = enum.DeliverySent
	case attempts >= w.MaxAttempts:
		upd.SetStatus(enum.DeliveryFailed).SetLastError(sendErr.Error())
		delivery = enum.DeliveryFailed
	default:
		upd.SetLastError(sendErr.Error()).SetNextAttemptAt(now.Add(w.Backoff(attempts)))
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	if m.InvitationID != nil {
		err := tx.Invitation.Update().
			Where(invitation.ID(*m.InvitationID), invitation.DeliveryNEQ(enum.DeliveryNone)).
			SetDelivery(delivery).
			Exec(ctx)
		if err != nil {
			return err
		}
	}
	if sendErr != nil {
		w.Log.Warn("mail not sent", "mail", m.ID, "attempt", attempts, "err", sendErr, "next", delivery)
	} else {
		w.Log.Info("mail sent", "mail", m.ID, "attempt", attempts)
	}
	return tx.Commit()
}

// Depth counts the mails waiting to be sent.
func (w *Worker) Depth(ctx context.Context) (int, error) {
	return w.Client.Outbox.Query().Where(outbox.StatusEQ(enum.DeliveryQueued)).Count(auth.SystemContext(ctx))
}
