// Package webhook sends the account's events to the URLs of its
// integrations: endpoints with the event types they want (this file),
// signed as the Standard Webhooks specification asks (sign.go), turned
// from the change feed into deliveries exactly once (dispatch.go), and
// posted by leased senders with retries, never to an internal address
// (send.go, target.go).
package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/ent/webhookendpoint"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/outbox"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/text"
)

// DefaultOverlap is how long a rotated-out secret keeps signing beside
// the new one, so that receivers can switch without losing a message.
const DefaultOverlap = 24 * time.Hour

// MaxDescription bounds an endpoint's description.
const MaxDescription = 500

// sealPurpose binds a sealed secret to webhook endpoints (outbox.Keys).
const sealPurpose = "webhook endpoint"

// Endpoints manages the webhook endpoints of the viewer's account. Every
// write records one audit record in its transaction, never a secret.
type Endpoints struct {
	// Keys seal the signing secrets at rest.
	Keys *outbox.Keys
	Now  func() time.Time
	// AllowPrivate lets endpoints point at internal addresses
	// (WEBHOOK_ALLOW_PRIVATE), for tests and development.
	AllowPrivate bool
	// Overlap is how long a rotated-out secret still signs; 0 means
	// DefaultOverlap.
	Overlap time.Duration
	// Wake, if set, tells the senders of this instance that a delivery is
	// due now (a redelivery, an enabled endpoint).
	Wake func()
}

// Input is what createWebhookEndpoint and updateWebhookEndpoint set; a
// nil field is left as it is (required on create: URL, EventTypes).
type Input struct {
	URL         *string
	Description *string
	EventTypes  []enum.AuditAction
}

// check judges every field of in at once (each error names its field).
func (s *Endpoints) check(in Input, create bool) error {
	var errs []error
	switch {
	case in.URL == nil && create:
		errs = append(errs, apperr.Invalid("input.url", "is required"))
	case in.URL != nil:
		if err := CheckURL(*in.URL, s.AllowPrivate); err != nil {
			errs = append(errs, apperr.Invalid("input.url", "%s", err.Error()))
		}
	}
	if d := in.Description; d != nil && *d != "" {
		if utf8.RuneCountInString(*d) > MaxDescription {
			errs = append(errs, apperr.Invalid("input.description", "must be at most %d characters", MaxDescription))
		} else if err := text.Check(*d); err != nil {
			errs = append(errs, apperr.Invalid("input.description", "%s", err.Error()))
		}
	}
	if (create || in.EventTypes != nil) && len(in.EventTypes) == 0 {
		errs = append(errs, apperr.Invalid("input.eventTypes", "must name at least one event type"))
	}
	return errors.Join(errs...)
}

// eventTypes returns the types without repeats, in the contract's order.
func eventTypes(list []enum.AuditAction) []enum.AuditAction {
	var out []enum.AuditAction
	for _, a := range enum.AuditActions() {
		if slices.Contains(list, a) {
			out = append(out, a)
		}
	}
	return out
}

// Create creates an endpoint in the viewer's account with a new signing
// secret, which it returns: the only time it is shown.
func (s *Endpoints) Create(ctx context.Context, c *ent.Client, in Input) (*ent.WebhookEndpoint, string, error) {
	if err := s.check(in, true); err != nil {
		return nil, "", err
	}
	id := webhookendpoint.DefaultID()
	secret, key := NewSecret()
	keyID, sealed, err := s.Keys.SealSecret(sealPurpose, id, key)
	if err != nil {
		return nil, "", err
	}
	// Microseconds, which PostgreSQL keeps: the endpoint receives the
	// records written from its creation on, compared on both databases
	// alike.
	now := s.Now().UTC().Truncate(time.Microsecond)
	create := c.WebhookEndpoint.Create().
		SetID(id).
		SetCreatedAt(now).
		SetUpdatedAt(now).
		SetURL(*in.URL).
		SetEventTypes(eventTypes(in.EventTypes)).
		SetSecretKeyID(keyID).
		SetSealedSecret(sealed)
	if in.Description != nil && *in.Description != "" {
		create.SetDescription(*in.Description)
	}
	e, err := audit.Save(ctx, c, now, enum.AuditWebhookEndpointCreated, create.Mutation(), create.Save)
	return e, secret, err
}

// get reads an endpoint of the viewer's account; another account's, or a
// missing one, is NOT_FOUND.
func get(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.WebhookEndpoint, error) {
	e, err := c.WebhookEndpoint.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "id", Message: "no such webhook endpoint"}
	}
	return e, err
}

// Update changes an endpoint's URL, description or event types; a
// description of "" removes it. An update that changes nothing records
// nothing.
func (s *Endpoints) Update(ctx context.Context, c *ent.Client, id pulid.ID, in Input) (*ent.WebhookEndpoint, error) {
	if err := s.check(in, false); err != nil {
		return nil, err
	}
	e, err := get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	upd := c.WebhookEndpoint.UpdateOne(e)
	if in.URL != nil && *in.URL != e.URL {
		upd.SetURL(*in.URL)
	}
	if d := in.Description; d != nil {
		switch {
		case *d == "" && e.Description != nil:
			upd.ClearDescription()
		case *d != "" && (e.Description == nil || *d != *e.Description):
			upd.SetDescription(*d)
		}
	}
	if in.EventTypes != nil {
		if types := eventTypes(in.EventTypes); !slices.Equal(types, e.EventTypes) {
			upd.SetEventTypes(types)
		}
	}
	return audit.Save(ctx, c, s.Now(), enum.AuditWebhookEndpointUpdated, upd.Mutation(), upd.Save)
}

// SetEnabled disables an endpoint (with the reason, or one naming the
// viewer) or enables it again; its waiting deliveries then go out at
// once. Setting the state it has records nothing.
func (s *Endpoints) SetEnabled(ctx context.Context, c *ent.Client, id pulid.ID, enabled bool, reason *string) (*ent.WebhookEndpoint, error) {
	if reason != nil && *reason != "" {
		if err := text.Check(*reason); err != nil {
			return nil, apperr.Invalid("reason", "%s", err.Error())
		}
		if utf8.RuneCountInString(*reason) > MaxDescription {
			return nil, apperr.Invalid("reason", "must be at most %d characters", MaxDescription)
		}
	}
	e, err := get(ctx, c, id)
	if err != nil || e.Enabled == enabled {
		return e, err
	}
	// Microseconds, which PostgreSQL keeps, so that the trail's before
	// and after agree on both databases.
	now := s.Now().UTC().Truncate(time.Microsecond)
	if enabled {
		upd := c.WebhookEndpoint.UpdateOne(e).SetEnabled(true).ClearDisabledAt().ClearDisabledReason()
		e, err = audit.Save(ctx, c, now, enum.AuditWebhookEndpointEnabled, upd.Mutation(), upd.Save)
		if err != nil {
			return nil, err
		}
		// What waited while it was disabled goes out now.
		err = c.WebhookDelivery.Update().
			Where(webhookdelivery.EndpointID(id), webhookdelivery.StatusEQ(enum.WebhookPending)).
			SetNextAttemptAt(now).Exec(ctx)
		s.wake()
		return e, err
	}
	why := "Disabled by " + actorName(ctx) + "."
	if reason != nil && *reason != "" {
		why = *reason
	}
	upd := c.WebhookEndpoint.UpdateOne(e).SetEnabled(false).SetDisabledAt(now).SetDisabledReason(why)
	return audit.Save(ctx, c, now, enum.AuditWebhookEndpointDisabled, upd.Mutation(), upd.Save)
}

func actorName(ctx context.Context) string {
	if v := auth.FromContext(ctx); v != nil && v.Name != "" {
		return v.Name
	}
	return "an admin"
}

func (s *Endpoints) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// Delete deletes an endpoint with its deliveries.
func (s *Endpoints) Delete(ctx context.Context, c *ent.Client, id pulid.ID) error {
	e, err := get(ctx, c, id)
	if err != nil {
		return err
	}
	if err := c.WebhookEndpoint.DeleteOne(e).Exec(ctx); err != nil {
		return err
	}
	return audit.Record(ctx, c, audit.Entry{Action: enum.AuditWebhookEndpointDeleted, Targets: []pulid.ID{e.ID}, At: s.Now(),
		Changes: []changes.Field{changes.Of("url", e.URL, nil), changes.Of("eventTypes", e.EventTypes, nil)}})
}

// Rotate gives an endpoint a new signing secret, which it returns (the
// only time it is shown). The secret it replaces keeps signing beside it
// for the overlap, so a receiver that still knows only the old one
// accepts every message meanwhile; a secret replaced before is dropped.
func (s *Endpoints) Rotate(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.WebhookEndpoint, string, error) {
	e, err := get(ctx, c, id)
	if err != nil {
		return nil, "", err
	}
	secret, key := NewSecret()
	keyID, sealed, err := s.Keys.SealSecret(sealPurpose, e.ID, key)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	overlap := s.Overlap
	if overlap == 0 {
		overlap = DefaultOverlap
	}
	e, err = c.WebhookEndpoint.UpdateOne(e).
		SetSecretKeyID(keyID).SetSealedSecret(sealed).
		SetPreviousSecretKeyID(e.SecretKeyID).SetPreviousSealedSecret(e.SealedSecret).
		SetPreviousSecretUntil(now.Add(overlap)).
		Save(ctx)
	if err != nil {
		return nil, "", err
	}
	// The record says that it happened, and nothing of either secret.
	err = audit.Record(ctx, c, audit.Entry{Action: enum.AuditWebhookSecretRotated, Targets: []pulid.ID{e.ID}, At: now})
	return e, secret, err
}

// Redeliver queues a delivery again, due now, with a new schedule of
// attempts: for a receiver that lost or refused it. Its webhook-id stays
// the same, so a receiver that did process it can tell. A delivery of a
// disabled endpoint is a CONFLICT: enable the endpoint first; so is one a
// sender holds (it is being posted).
func (s *Endpoints) Redeliver(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.WebhookDelivery, error) {
	d, err := c.WebhookDelivery.Query().Where(webhookdelivery.ID(id)).WithEndpoint().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "id", Message: "no such webhook delivery"}
	}
	if err != nil {
		return nil, err
	}
	if !d.Edges.Endpoint.Enabled {
		return nil, apperr.New(apperr.Conflict, "the endpoint is disabled: enable it first")
	}
	now := s.Now()
	// A delivery a sender holds is being posted now: freeing it would
	// let a second sender post it beside the first. The lease is judged
	// in the update itself, so a sender that claims it meanwhile wins.
	n, err := c.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.Or(webhookdelivery.LeaseUntilIsNil(), webhookdelivery.LeaseUntilLT(now))).
		SetStatus(enum.WebhookPending).SetAttempts(0).SetNextAttemptAt(now).ClearLeaseUntil().
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.New(apperr.Conflict, "the delivery is being posted now: try again in a moment")
	}
	if d, err = c.WebhookDelivery.Get(ctx, d.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: enum.AuditWebhookRedelivered, Targets: []pulid.ID{d.ID, d.EndpointID}, At: now}); err != nil {
		return nil, err
	}
	s.wake()
	return d, nil
}

// Secrets opens an endpoint's signing keys that sign at now: the current
// one, and the previous one within its overlap.
func Secrets(keys *outbox.Keys, e *ent.WebhookEndpoint, now time.Time) ([][]byte, error) {
	key, err := keys.OpenSecret(sealPurpose, e.ID, e.SecretKeyID, e.SealedSecret)
	if err != nil {
		return nil, fmt.Errorf("webhook: the secret of %s: %w", e.ID, err)
	}
	out := [][]byte{key}
	if e.PreviousSealedSecret != nil && e.PreviousSecretKeyID != nil && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		prev, err := keys.OpenSecret(sealPurpose, e.ID, *e.PreviousSecretKeyID, *e.PreviousSealedSecret)
		if err != nil {
			return nil, fmt.Errorf("webhook: the previous secret of %s: %w", e.ID, err)
		}
		out = append(out, prev)
	}
	return out, nil
}
