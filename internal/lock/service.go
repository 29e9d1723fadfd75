package lock

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/zone"
)

// Service answers access questions and operates devices.
type Service struct {
	Driver Driver
	Now    func() time.Time
	// OnDecision, if set, learns the reason of every decision.
	OnDecision func(reason string)
}

// Decision is the answer to "may this user operate this device then?".
type Decision struct {
	Allowed    bool
	Reason     enum.AccessReason
	At         time.Time
	Permission *ent.Permission
}

// Check decides whether the user may operate the device at the instant
// (now when nil). An admin may ask about any user of the account; a user's
// own token only about itself.
func (s *Service) Check(ctx context.Context, c *ent.Client, userID, deviceID pulid.ID, at *time.Time, remote bool) (*Decision, error) {
	if v := auth.FromContext(ctx); v != nil && v.Role != auth.RoleAdmin && v.UserID != userID {
		return nil, apperr.ErrForbidden
	}
	when := s.Now()
	if at != nil {
		when = *at
	}
	return s.decide(ctx, c, userID, deviceID, when, remote)
}

// decide loads the live permission with its device in one query; only
// without one does it look further, to tell "no permission" from an
// unknown device or user. That lookup covers the whole account even for a
// user's token (which cannot read devices it has no permission on), so
// that a request for such a device is answered, and logged, as
// NO_PERMISSION.
func (s *Service) decide(ctx context.Context, c *ent.Client, userID, deviceID pulid.ID, at time.Time, remote bool) (*Decision, error) {
	p, err := c.Permission.Query().
		Where(permission.UserID(userID), permission.DeviceID(deviceID), permission.StatusNEQ(enum.PermissionRevoked)).
		WithDevice().
		Only(ctx)
	switch {
	case ent.IsNotFound(err):
		v := auth.FromContext(ctx)
		if v == nil {
			return nil, apperr.ErrUnauthenticated
		}
		sys := auth.SystemContext(ctx)
		if _, err := c.Device.Query().Where(device.ID(deviceID), device.AccountID(v.AccountID)).Only(sys); err != nil {
			return nil, notFound(err, "deviceID", "device", deviceID)
		}
		if _, err := c.User.Query().Where(user.ID(userID), user.AccountID(v.AccountID)).Only(sys); err != nil {
			return nil, notFound(err, "userID", "user", userID)
		}
		s.decided(access.ReasonNoPermission)
		return &Decision{Reason: enum.AccessReason(access.ReasonNoPermission.String()), At: at}, nil
	case err != nil:
		return nil, err
	}
	loc, err := zone.Load(p.Edges.Device.TimeZone)
	if err != nil {
		return nil, err
	}
	rule := RuleOf(p)
	reason := access.Decide(&rule, loc, at, remote)
	s.decided(reason)
	return &Decision{Allowed: reason == access.ReasonAllowed, Reason: enum.AccessReason(reason.String()), At: at, Permission: p}, nil
}

func (s *Service) decided(r access.Reason) {
	if s.OnDecision != nil {
		s.OnDecision(r.String())
	}
}

func notFound(err error, field, kind string, id pulid.ID) error {
	if ent.IsNotFound(err) {
		return &apperr.Error{Code: apperr.NotFound, Field: field, Message: "no " + kind + " " + string(id)}
	}
	return err
}

// RuleOf converts a stored permission into the evaluator's rule.
func RuleOf(p *ent.Permission) access.Rule {
	r := access.Rule{Enabled: p.Enabled, RemoteAllowed: p.RemoteAllowed}
	switch p.Status {
	case enum.PermissionActive:
		r.Status = access.StatusActive
	case enum.PermissionPending:
		r.Status = access.StatusPending
	default:
		r.Status = access.StatusRevoked
	}
	if p.ValidFrom != nil {
		r.ValidFrom = *p.ValidFrom
	}
	if p.ValidUntil != nil {
		r.ValidUntil = *p.ValidUntil
	}
	if p.Weekdays != nil {
		r.Weekdays = access.Weekdays(*p.Weekdays)
	}
	if p.DailyFrom != nil && p.DailyUntil != nil {
		r.HasWindow, r.DailyFrom, r.DailyUntil = true, int(*p.DailyFrom), int(*p.DailyUntil)
	}
	return r
}

// Operation is the outcome of a request to operate a device.
type Operation struct {
	Allowed bool
	Reason  enum.AccessReason
	Event   *ent.AccessEvent
	// State is the device's state after the action; nil when refused.
	State *State
}

// Operate decides a user's request to operate a device now, records the
// decision, and passes an allowed request to the driver. A refused request
// is an answer, not an error, so that its record is kept.
func (s *Service) Operate(ctx context.Context, c *ent.Client, deviceID pulid.ID, action enum.LockAction, remote bool) (*Operation, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	if v.Role != auth.RoleUser {
		return nil, apperr.New(apperr.Forbidden, "operateDevice needs the token of the user who opens the door")
	}
	d, err := s.decide(ctx, c, v.UserID, deviceID, s.Now(), remote)
	if err != nil {
		return nil, err
	}
	ev := c.AccessEvent.Create().
		SetAccountID(v.AccountID).
		SetUserID(v.UserID).
		SetDeviceID(deviceID).
		SetAction(action).
		SetRemote(remote).
		SetAllowed(d.Allowed).
		SetReason(d.Reason).
		SetOccurredAt(d.At)
	if d.Permission != nil {
		ev.SetPermissionID(d.Permission.ID)
	}
	// The log is written by the server on the user's behalf: users cannot
	// write rows themselves.
	event, err := ev.Save(auth.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	op := &Operation{Allowed: d.Allowed, Reason: d.Reason, Event: event}
	if d.Allowed {
		st, err := s.Driver.Operate(ctx, deviceID, action)
		if err != nil {
			return nil, err
		}
		op.State = &st
	}
	return op, nil
}
