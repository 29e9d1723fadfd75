package outbox

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
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
	// Sender delivers the mails. A mail that mail.LogSender took is
	// recorded LOGGED, never SENT: it reached only the server's log.
	Sender mail.Sender
	// Keys open the sealed bodies.
	Keys *Keys
	Log  *slog.Logger
	Now  func() time.Time
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
	// OnAttempt, if set, learns the outcome of every attempt to deliver a
	// mail; a mail the log mailer took was not delivered, and not counted.
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
// outcome; it returns how many it attempted. The mails sent are recorded
// together in one transaction once the round's sending is over (a crash
// before that sends them again, as it would a single mail); a failed
// attempt is recorded on its own as soon as it fails.
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
		sent []*ent.Outbox
		errs []error
		slot = make(chan struct{}, max(w.Parallel, 1))
	)
	for _, m := range claimed {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			msg, sendErr := w.Keys.open(m)
			if sendErr == nil {
				sendErr = w.Sender.Send(ctx, msg)
			}
			logged := sendErr == nil && w.delivered() == enum.DeliveryLogged
			if w.OnAttempt != nil && !logged {
				w.OnAttempt(sendErr == nil)
			}
			if sendErr == nil {
				mu.Lock()
				sent = append(sent, m)
				mu.Unlock()
				return
			}
			if err := w.recordFailure(ctx, m, sendErr); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := w.recordSent(ctx, sent); err != nil {
		errs = append(errs, err)
	}
	return len(claimed), errors.Join(errs...)
}

func (w *Worker) claim(ctx context.Context) ([]*ent.Outbox, error) {
	now := w.Now()
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	// The due mails are chosen and locked by ID in a subquery, and their
	// bodies read only for those: where PostgreSQL sorts the whole queue
	// (its statistics not yet showing one, as on a new database), it sorts
	// narrow rows rather than every waiting mail's bodies.
	due := entsql.Select(outbox.FieldID).From(entsql.Table(outbox.Table))
	outbox.And(
		outbox.StatusEQ(enum.DeliveryQueued),
		outbox.NextAttemptAtLTE(now),
		outbox.Or(outbox.LeaseUntilIsNil(), outbox.LeaseUntilLT(now)),
	)(due)
	due.OrderBy(outbox.FieldNextAttemptAt).Limit(w.Batch)
	list, err := tx.Outbox.Query().
		Where(func(s *entsql.Selector) {
			// PostgreSQL: the workers claim rows with FOR UPDATE SKIP
			// LOCKED. SQLite takes no row locks; the claiming transaction
			// serialises them (it takes the write lock when it begins).
			if s.Dialect() != dialect.SQLite {
				due.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
			}
			s.Where(entsql.In(s.C(outbox.FieldID), due))
		}).
		Order(ent.Asc(outbox.FieldNextAttemptAt)).
		All(ctx)
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

// delivered is the status of a mail the Sender took: SENT, or LOGGED for
// the log mailer, whose mails reach no one.
func (w *Worker) delivered() enum.DeliveryStatus {
	if _, ok := w.Sender.(mail.LogSender); ok {
		return enum.DeliveryLogged
	}
	return enum.DeliverySent
}

// recordSent marks mails sent (or logged), and their invitations'
// delivery with them.
func (w *Worker) recordSent(ctx context.Context, sent []*ent.Outbox) error {
	if len(sent) == 0 {
		return nil
	}
	ids := make([]pulid.ID, len(sent))
	var invitations []pulid.ID
	for i, m := range sent {
		ids[i] = m.ID
		if m.InvitationID != nil {
			invitations = append(invitations, *m.InvitationID)
		}
	}
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	delivered := w.delivered()
	upd := tx.Outbox.Update().Where(outbox.IDIn(ids...)).
		AddAttempts(1).ClearLeaseUntil().SetStatus(delivered).ClearLastError()
	if delivered == enum.DeliverySent {
		upd.SetSentAt(w.Now())
	}
	clearBodies(upd.Mutation())
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	if err := w.setDelivery(ctx, tx, invitations, delivered); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, m := range sent {
		w.Log.Info("mail "+strings.ToLower(string(delivered)), "mail", m.ID, "attempt", m.Attempts+1)
	}
	return nil
}

// recordFailure stores a failed attempt: the mail waits for its next
// attempt, or is given up after the last, or at once when its body does
// not open under its key. A key this instance lacks is retried: another
// instance may hold it (during a rolling restart with a new secret).
func (w *Worker) recordFailure(ctx context.Context, m *ent.Outbox, sendErr error) error {
	attempts := m.Attempts + 1
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	upd := tx.Outbox.UpdateOne(m).SetAttempts(attempts).ClearLeaseUntil().SetLastError(sendErr.Error())
	delivery := enum.DeliveryQueued
	if attempts >= w.MaxAttempts || errors.Is(sendErr, errUnsealable) {
		clearBodies(upd.SetStatus(enum.DeliveryFailed).Mutation())
		delivery = enum.DeliveryFailed
	} else {
		upd.SetNextAttemptAt(w.Now().Add(w.Backoff(attempts)))
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	if m.InvitationID != nil {
		if err := w.setDelivery(ctx, tx, []pulid.ID{*m.InvitationID}, delivery); err != nil {
			return err
		}
	}
	w.Log.Warn("mail not sent", "mail", m.ID, "attempt", attempts, "err", sendErr, "next", delivery)
	return tx.Commit()
}

// clearBodies empties a mail's bodies, which hold the invitation code:
// they are kept no longer than the mail may still be sent.
func clearBodies(m *ent.OutboxMutation) {
	m.ClearSealedBody()
	m.SetTextBody("")
	m.SetHTMLBody("")
}

// setDelivery records the delivery status of invitations sent by mail.
func (w *Worker) setDelivery(ctx context.Context, tx *ent.Tx, invitations []pulid.ID, delivery enum.DeliveryStatus) error {
	if len(invitations) == 0 {
		return nil
	}
	return tx.Invitation.Update().
		Where(invitation.IDIn(invitations...), invitation.DeliveryNEQ(enum.DeliveryNone)).
		SetDelivery(delivery).
		Exec(ctx)
}

// Depth counts the mails waiting to be sent.
func (w *Worker) Depth(ctx context.Context) (int, error) {
	return w.Client.Outbox.Query().Where(outbox.StatusEQ(enum.DeliveryQueued)).Count(auth.SystemContext(ctx))
}
