package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/ent/webhookdispatch"
	"github.com/latchkey/latchkey/ent/webhookendpoint"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/pulid"
)

// dispatchRow names the one row of webhook_dispatch.
const dispatchRow = "feed"

// Bounds of one dispatch round.
const (
	// dispatchPage is how many feed records one round reads.
	dispatchPage = 500
	// insertChunk bounds the deliveries of one INSERT (the parameter
	// limits of both databases).
	insertChunk = 500
)

// Dispatcher turns the change feed into deliveries: every record whose
// action an enabled endpoint of its account wants becomes one delivery
// per such endpoint. The feed position it has reached is one row, locked
// by the round that moves it, and the deliveries and the new position
// commit together: however many instances dispatch, every record becomes
// its deliveries exactly once (a unique index on endpoint and event says
// so too).
type Dispatcher struct {
	Client *ent.Client
	Feed   *feed.Hub
	Log    *slog.Logger
	// Queued, if set, learns that a round queued deliveries (this
	// instance's senders go at once rather than at their next poll).
	Queued func()
	wake   chan struct{}
}

// Payload is the body of every delivery, as the Standard Webhooks
// specification shapes it: the event's type, when it happened, and its
// data, which holds IDs only (a receiver reads what it needs through the
// API).
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data is what an event says.
type Data struct {
	// EventID is the feed position, as subscriptions show it.
	EventID string `json:"eventId"`
	// AuditEventID is the audit record (Query.auditEvents, node).
	AuditEventID pulid.ID         `json:"auditEventId"`
	Action       enum.AuditAction `json:"action"`
	AccountID    pulid.ID         `json:"accountId"`
	// Targets are the IDs the write touched, the main one first.
	Targets []pulid.ID `json:"targets"`
	Actor   Actor      `json:"actor"`
}

// Actor is who made the write.
type Actor struct {
	Kind enum.ActorKind `json:"kind"`
	ID   *pulid.ID      `json:"id"`
}

// payload renders r's body.
func payload(r feed.Record) (string, error) {
	targets := r.Targets
	if targets == nil {
		targets = []pulid.ID{}
	}
	b, err := json.Marshal(Payload{
		Type:      r.Action.EventType(),
		Timestamp: r.At.UTC(),
		Data: Data{EventID: r.Cursor.String(), AuditEventID: r.ID, Action: r.Action, AccountID: r.AccountID,
			Targets: targets, Actor: Actor{Kind: r.ActorKind, ID: r.ActorID}},
	})
	return string(b), err
}

// Wake asks for a round soon: the instance committed a write.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends: when woken (at most every spacing) and
// every poll besides (records of other instances' writes, or written
// while a transaction older than them still ran).
func (d *Dispatcher) Run(ctx context.Context, poll, spacing time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for {
			n, err := d.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				d.Log.Error("webhook dispatch failed", "err", err)
			}
			if n < dispatchPage || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
			select {
			case <-ctx.Done():
				return
			case <-time.After(spacing):
			}
		}
	}
}

// NewDispatcher returns a dispatcher; Run starts it, tests call RunOnce.
func NewDispatcher(c *ent.Client, h *feed.Hub, log *slog.Logger) *Dispatcher {
	return &Dispatcher{Client: c, Feed: h, Log: log, wake: make(chan struct{}, 1)}
}

// RunOnce reads one page of the feed after the dispatch position and
// writes its deliveries; it returns how many records it took (0 when
// another instance holds the position, or nothing is new).
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	ctx = auth.SystemContext(ctx)
	row, err := d.Client.WebhookDispatch.Get(ctx, dispatchRow)
	if ent.IsNotFound(err) {
		// The first round on a new database starts at the feed's start
		// (an endpoint receives only records from its creation on); of
		// instances starting at once, one writes the row.
		err = d.Client.WebhookDispatch.Create().SetID(dispatchRow).SetCursorN(0).SetCursorID("").
			SetUpdatedAt(time.Now().UTC()).OnConflictColumns(webhookdispatch.FieldID).DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		row, err = d.Client.WebhookDispatch.Get(ctx, dispatchRow)
	}
	if err != nil {
		return 0, err
	}
	at := feed.Cursor{N: row.CursorN, ID: pulid.ID(row.CursorID)}
	// The feed is read before the transaction, on a connection of its
	// own: the records are committed, and a moved position is noticed
	// below.
	records, err := d.Feed.Read(ctx, at, dispatchPage)
	if err != nil || len(records) == 0 {
		return 0, err
	}
	tx, err := d.Client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	// PostgreSQL: the round that holds the row dispatches; the others
	// skip it. SQLite serialises the transactions anyway.
	held, err := tx.WebhookDispatch.Query().Where(webhookdispatch.ID(dispatchRow)).
		Modify(func(s *entsql.Selector) {
			if s.Dialect() != dialect.SQLite {
				s.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
			}
		}).All(ctx)
	if err != nil || len(held) == 0 || held[0].CursorN != row.CursorN || held[0].CursorID != row.CursorID {
		// Held or moved by another round: its records are its own.
		return 0, err
	}
	n, err := d.queue(ctx, tx, records)
	if err != nil {
		return 0, err
	}
	last := records[len(records)-1].Cursor
	if err := tx.WebhookDispatch.UpdateOneID(dispatchRow).SetCursorN(last.N).SetCursorID(string(last.ID)).
		SetUpdatedAt(time.Now().UTC()).Exec(ctx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if n > 0 && d.Queued != nil {
		d.Queued()
	}
	return len(records), nil
}

// queue writes the deliveries of records in tx and returns how many.
func (d *Dispatcher) queue(ctx context.Context, tx *ent.Tx, records []feed.Record) (int, error) {
	var accounts []pulid.ID
	for _, r := range records {
		if !slices.Contains(accounts, r.AccountID) {
			accounts = append(accounts, r.AccountID)
		}
	}
	endpoints, err := tx.WebhookEndpoint.Query().
		Where(webhookendpoint.AccountIDIn(accounts...), webhookendpoint.Enabled(true)).
		Select(webhookendpoint.FieldID, webhookendpoint.FieldAccountID, webhookendpoint.FieldEventTypes, webhookendpoint.FieldCreatedAt).
		All(ctx)
	if err != nil || len(endpoints) == 0 {
		return 0, err
	}
	var batch []*ent.WebhookDeliveryCreate
	for _, r := range records {
		var body string
		for _, e := range endpoints {
			// An endpoint receives what was written from its creation on.
			if e.AccountID != r.AccountID || !slices.Contains(e.EventTypes, r.Action) || r.At.Before(e.CreatedAt) {
				continue
			}
			if body == "" {
				if body, err = payload(r); err != nil {
					return 0, err
				}
			}
			batch = append(batch, tx.WebhookDelivery.Create().
				SetAccountID(r.AccountID).SetEndpointID(e.ID).SetEventID(r.Cursor.String()).SetEventType(r.Action).
				SetPayload(body).SetNextAttemptAt(r.At).SetCreatedAt(r.At).SetUpdatedAt(r.At))
		}
	}
	for chunk := range slices.Chunk(batch, insertChunk) {
		if err := tx.WebhookDelivery.CreateBulk(chunk...).
			OnConflictColumns(webhookdelivery.FieldEndpointID, webhookdelivery.FieldEventID).DoNothing().
			Exec(ctx); err != nil {
			return 0, err
		}
	}
	return len(batch), nil
}
