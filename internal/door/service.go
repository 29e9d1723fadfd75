package door

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/zone"
)

// Service answers access questions and operates devices.
type Service struct {
	// Client is the root client: decisions and their records never join a
	// request's transaction, so nothing else in a request can undo them.
	Client *ent.Client
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
	// device is the device decided on, for the access event; it may have
	// been read with the server's rights and is not shown to the caller.
	device *ent.Device
}

// Check decides whether the user may operate the device at the instant
// (now when nil). An admin names the user, any user of the account; a
// user's own token asks about itself, named or not.
func (s *Service) Check(ctx context.Context, userID *pulid.ID, deviceID pulid.ID, at *time.Time, remote bool) (*Decision, error) {
	who, err := subject(auth.FromContext(ctx), userID)
	if err != nil {
		return nil, err
	}
	when := s.Now()
	if at != nil {
		when = *at
	}
	return s.decide(ctx, who, deviceID, when, remote)
}

// subject is the user a check asks about: for a user's own token itself
// (named or not; naming another user is refused), for an account-wide
// token the user it names, which it must.
func subject(v *auth.Viewer, userID *pulid.ID) (pulid.ID, error) {
	switch {
	case v == nil:
		return "", apperr.ErrUnauthenticated
	case v.Role == auth.RoleUser && (userID == nil || *userID == v.UserID):
		return v.UserID, nil
	case v.Role == auth.RoleUser:
		return "", apperr.ErrForbidden
	case userID == nil:
		return "", apperr.Invalid("userID", "is required unless the token is the user's own: name the user to decide for")
	}
	return *userID, nil
}

// decide loads the user's permission on the device with the device in one
// query: the live one if there is one (at most one is), else the newest
// revoked one, so that a revoked permission answers REVOKED. Only without
// any does it look further, to tell "no permission" from an unknown device
// or user. That lookup covers the whole account even for a user's token
// (which cannot read devices it has no live permission on), so that a
// request for such a device is answered, and logged, as NO_PERMISSION.
func (s *Service) decide(ctx context.Context, userID, deviceID pulid.ID, at time.Time, remote bool) (*Decision, error) {
	c := s.Client
	sys := auth.SystemContext(ctx)
	p, err := c.Permission.Query().
		Where(permission.UserID(userID), permission.DeviceID(deviceID)).
		Order(revokedLast, permission.ByID(sql.OrderDesc())).
		WithDevice().
		First(ctx)
	switch {
	case ent.IsNotFound(err):
		v := auth.FromContext(ctx)
		if v == nil {
			return nil, apperr.ErrUnauthenticated
		}
		d, err := c.Device.Query().Where(device.ID(deviceID), device.AccountID(v.AccountID)).Only(sys)
		if err != nil {
			return nil, notFound(err, "deviceID", "device", deviceID)
		}
		if _, err := c.User.Query().Where(user.ID(userID), user.AccountID(v.AccountID)).Only(sys); err != nil {
			return nil, notFound(err, "userID", "user", userID)
		}
		s.decided(access.ReasonNoPermission)
		return &Decision{Reason: enum.AccessReason(access.ReasonNoPermission.String()), At: at, device: d}, nil
	case err != nil:
		return nil, err
	}
	d := p.Edges.Device
	if d == nil {
		// A user's token does not see the device of a revoked permission;
		// the permission is of the caller's account, and so is its device.
		if d, err = c.Device.Get(sys, p.DeviceID); err != nil {
			return nil, err
		}
	}
	loc, err := zone.Load(d.TimeZone)
	if err != nil {
		return nil, err
	}
	rule := RuleOf(p)
	reason := access.Decide(&rule, loc, at, remote)
	s.decided(reason)
	return &Decision{Allowed: reason == access.ReasonAllowed, Reason: enum.AccessReason(reason.String()), At: at, Permission: p, device: d}, nil
}

// revokedLast orders live permissions before revoked ones.
func revokedLast(s *sql.Selector) {
	s.OrderExpr(sql.Expr("CASE WHEN " + s.C(permission.FieldStatus) + " = '" + string(enum.PermissionRevoked) + "' THEN 1 ELSE 0 END"))
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
	r := access.Rule{Enabled: p.Enabled, RemoteAllowed: p.RemoteAllowed, Restrictions: p.Restrictions()}
	switch p.Status {
	case enum.PermissionActive:
		r.Status = access.StatusActive
	case enum.PermissionPending:
		r.Status = access.StatusPending
	default:
		r.Status = access.StatusRevoked
	}
	return r
}

// Operation is the outcome of a request to operate a device.
type Operation struct {
	Allowed bool
	Reason  enum.AccessReason
	Event   *ent.AccessEvent
	// State is the device's state after the action; nil when refused.
	State *enum.LockState
}

// recordTimeout bounds the write of the device's answer, which goes on
// after the client has gone.
const recordTimeout = 5 * time.Second

// Operate decides a user's request to operate a device now, records the
// decision, and passes an allowed request to the driver. Every request
// through this server is remote. The event is committed before the driver
// acts and the driver's answer after, each in a statement of its own, so
// that the log holds every decision and every action whatever else the
// request does. A refused request is an answer, not an error.
func (s *Service) Operate(ctx context.Context, deviceID pulid.ID, action enum.LockAction) (*Operation, error) {
	// The Authority admits only users' tokens to operateDevice; the
	// request acts as the viewer's user.
	v := auth.FromContext(ctx)
	if v == nil || v.UserID == "" {
		return nil, errors.New("door: operate without a user's viewer")
	}
	u, err := s.Client.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	d, err := s.decide(ctx, v.UserID, deviceID, s.Now(), true)
	if err != nil {
		return nil, err
	}
	outcome := enum.OutcomeRefused
	if d.Allowed {
		outcome = enum.OutcomeSent
	}
	create := func(c *ent.Client) *ent.AccessEventCreate {
		ev := c.AccessEvent.Create().
			SetAccountID(v.AccountID).
			SetUserID(v.UserID).
			SetUserName(u.Name).
			SetDeviceID(deviceID).
			SetDeviceName(d.device.Name).
			SetAction(action).
			SetRemote(true).
			SetAllowed(d.Allowed).
			SetReason(d.Reason).
			SetOutcome(outcome).
			SetOccurredAt(d.At)
		if d.Permission != nil {
			ev.SetPermissionID(d.Permission.ID)
		}
		return ev
	}
	// The log is written by the server on the user's behalf: users cannot
	// write rows themselves. A refused request is recorded, with its audit
	// record, at once; an allowed one is committed before the driver acts
	// and audited with the driver's outcome (record).
	sys := auth.SystemContext(ctx)
	var event *ent.AccessEvent
	if d.Allowed {
		event, err = create(s.Client).Save(sys)
	} else {
		err = s.inTx(ctx, func(tx *ent.Client) error {
			var err error
			if event, err = create(tx).Save(sys); err == nil {
				err = s.audit(ctx, tx, event)
			}
			return err
		})
		if err == nil {
			// Its edges load through the root client.
			event = event.Unwrap()
		}
	}
	if err != nil {
		return nil, err
	}
	op := &Operation{Allowed: d.Allowed, Reason: d.Reason, Event: event}
	if d.Permission == nil {
		// The log keeps the name for the account's admins; the user, who
		// holds no permission on the device, does not learn it.
		shown := *event
		shown.DeviceName = ""
		op.Event = &shown
	}
	if !d.Allowed {
		return op, nil
	}
	st, opErr := s.Driver.Operate(ctx, deviceID, action)
	outcome = enum.OutcomeDone
	if opErr != nil {
		outcome = enum.OutcomeFailed
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.record(rctx, event, outcome, deviceID, st); err != nil {
		return nil, errors.Join(opErr, err)
	}
	if opErr != nil {
		return nil, fmt.Errorf("operate device %s: %w", deviceID, opErr)
	}
	event.Outcome = outcome
	op.State = &st
	return op, nil
}

// record writes the device's answer in one transaction with the
// operation's audit record: the event's outcome and, when the device
// acted, the lock state it reported, on the device (a device deleted
// meanwhile takes no state, and the outcome is written all the same).
func (s *Service) record(ctx context.Context, event *ent.AccessEvent, outcome enum.DeviceOutcome, deviceID pulid.ID, st enum.LockState) error {
	sys := auth.SystemContext(ctx)
	return s.inTx(ctx, func(tx *ent.Client) error {
		e, err := tx.AccessEvent.UpdateOne(event).SetOutcome(outcome).Save(sys)
		if err == nil && outcome == enum.OutcomeDone {
			err = tx.Device.Update().Where(device.ID(deviceID)).
				SetLockState(st).
				SetLockStateReportedAt(s.Now()).
				Exec(sys)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, e)
	})
}

// audit appends the operation's one audit record, by the user's token:
// the event, the device and the user (while they exist) as targets, with what was decided
// and what the device did.
func (s *Service) audit(ctx context.Context, c *ent.Client, e *ent.AccessEvent) error {
	targets := []pulid.ID{e.ID}
	for _, id := range []*pulid.ID{e.DeviceID, e.UserID} {
		if id != nil {
			targets = append(targets, *id)
		}
	}
	return audit.Record(ctx, c, audit.Entry{
		Action:  enum.AuditDeviceOperated,
		Targets: targets,
		Changes: []changes.Field{
			changes.Of("action", nil, e.Action),
			changes.Of("allowed", nil, e.Allowed),
			changes.Of("reason", nil, e.Reason),
			changes.Of("outcome", nil, e.Outcome),
		},
		At: e.OccurredAt,
	})
}

// inTx runs f in a transaction of its own, committed when f succeeds.
func (s *Service) inTx(ctx context.Context, f func(*ent.Client) error) error {
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx.Client()); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
