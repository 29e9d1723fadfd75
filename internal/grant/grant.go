// Package grant holds the administrator's write paths for permissions: the
// batch grant with its invitation, partial updates, revocation, and the
// deletes that revoke. Every function expects a transactional client and
// leaves all-or-nothing to the caller's transaction.
package grant

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/account"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// MaxDevices is the most devices one grant may cover.
const MaxDevices = 500

// InvitationTTL is how long an invitation code can be redeemed.
const InvitationTTL = 48 * time.Hour

// Input is a batch grant.
type Input struct {
	UserID        pulid.ID
	DeviceIDs     []pulid.ID
	RemoteAllowed *bool
	Restrictions  *RestrictionsInput
	Language      *enum.Language
	Delivery      *enum.DeliveryMethod
}

// Result is what a grant created.
type Result struct {
	Permissions []*ent.Permission
	Invitation  *ent.Invitation
	// Code is the invitation code in plain text, set only when the caller
	// delivers it (DeliveryByCaller); otherwise it leaves only in the mail.
	Code *string
}

// Codes issues invitation codes and hashes the ones people type in.
type Codes interface {
	// Issue returns a new code and the keyed hash to store for it.
	Issue() (code, hash string, err error)
	// Hashes returns the hashes a typed code may be stored under (one per
	// secret in use), false if it cannot be a code.
	Hashes(typed string) ([]string, bool)
}

// Mailer queues the invitation mail in the caller's transaction.
type Mailer interface {
	// Enqueue needs the invitation's user with its account, and its
	// permissions with their devices, loaded.
	Enqueue(ctx context.Context, c *ent.Client, inv *ent.Invitation, code string, now time.Time) error
}

// Service holds what the permission life cycle needs besides the database.
type Service struct {
	Codes    Codes
	Mailer   Mailer
	Failures Limiter
	Now      func() time.Time
	// OnRedeem, if set, learns the outcome of every redemption:
	// "ok", "invalid" or "rate_limited".
	OnRedeem func(outcome string)
}

func (s *Service) redeemed(outcome string) {
	if s.OnRedeem != nil {
		s.OnRedeem(outcome)
	}
}

// Grant gives the user one permission per device, all with the same flags
// and restrictions, plus one invitation covering them, and queues its mail.
// It issues a fixed number of statements whatever the number of devices.
func (s *Service) Grant(ctx context.Context, c *ent.Client, in Input) (*Result, error) {
	now := s.Now()
	r, invalid := apply(access.Restrictions{}, in.Restrictions, "input.restrictions")
	if err := errors.Join(append(checkDeviceList(in.DeviceIDs), invalid...)...); err != nil {
		return nil, err
	}
	u, err := loadUser(ctx, c, in.UserID)
	if err != nil {
		return nil, err
	}
	devices, err := loadDevices(ctx, c, u.ID, in.DeviceIDs)
	if err != nil {
		return nil, err
	}
	lang := u.Language
	if in.Language != nil {
		lang = *in.Language
	}
	code, hash, err := s.Codes.Issue()
	if err != nil {
		return nil, err
	}
	byCaller, delivery := deliveryOf(in.Delivery)
	invCreate := c.Invitation.Create().
		SetUserID(u.ID).
		SetLanguage(lang).
		SetCodeHash(hash).
		SetDelivery(delivery).
		SetExpiresAt(expiry(now))
	inv, err := invCreate.Save(ctx)
	if err != nil {
		return nil, err
	}
	remote := in.RemoteAllowed != nil && *in.RemoteAllowed
	builders := make([]*ent.PermissionCreate, len(in.DeviceIDs))
	for i, id := range in.DeviceIDs {
		builders[i] = c.Permission.Create().
			SetUserID(u.ID).
			SetDeviceID(id).
			SetInvitationID(inv.ID).
			SetRemoteAllowed(remote)
		builders[i].Mutation().SetRestrictions(r)
	}
	perms, err := c.Permission.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range perms {
		p.Edges.User = u
		p.Edges.Device = devices[p.DeviceID]
		p.Edges.Invitation = inv
	}
	inv.Edges.User = u
	inv.Edges.Permissions = perms
	if err := recordGrant(ctx, c, now, perms, builders[0].Mutation(), invCreate.Mutation()); err != nil {
		return nil, err
	}
	if byCaller {
		return &Result{Permissions: perms, Invitation: inv, Code: &code}, nil
	}
	if err := s.Mailer.Enqueue(ctx, c, inv, code, now); err != nil {
		return nil, err
	}
	return &Result{Permissions: perms, Invitation: inv}, nil
}

// recordGrant appends the grant's one audit record: the user, the
// invitation, then each permission with its device as targets, and the
// fields every permission and the invitation were created with.
func recordGrant(ctx context.Context, c *ent.Client, now time.Time, perms []*ent.Permission, perm *ent.PermissionMutation, inv *ent.InvitationMutation) error {
	fields, err := audit.Changes(ctx, perm)
	if err != nil {
		return err
	}
	invFields, err := audit.Changes(ctx, inv)
	if err != nil {
		return err
	}
	for _, f := range invFields {
		f.Name = "invitation." + f.Name
		fields = append(fields, f)
	}
	targets := make([]pulid.ID, 0, 2+2*len(perms))
	targets = append(targets, perms[0].UserID, *perms[0].InvitationID)
	for _, p := range perms {
		targets = append(targets, p.ID, p.DeviceID)
	}
	return audit.Record(ctx, c, audit.Entry{Action: enum.AuditPermissionsGranted, Targets: targets, Changes: fields, At: now})
}

// checkDeviceList reports every problem of the device list: its length,
// or each repeated ID at its index.
func checkDeviceList(ids []pulid.ID) []error {
	switch {
	case len(ids) == 0:
		return []error{apperr.Invalid("input.deviceIDs", "must name at least one device")}
	case len(ids) > MaxDevices:
		return []error{apperr.Invalid("input.deviceIDs", "names %d devices; one grant covers at most %d", len(ids), MaxDevices)}
	}
	var errs []error
	seen := make(map[pulid.ID]int, len(ids))
	for i, id := range ids {
		if j, dup := seen[id]; dup {
			errs = append(errs, apperr.Invalid(fmt.Sprintf("input.deviceIDs[%d]", i), "device %s is listed twice (also at index %d)", id, j))
			continue
		}
		seen[id] = i
	}
	return errs
}

// loadUser fetches the user together with the name of its account, which
// the invitation mail shows, in one statement: the account is set as the
// user's account edge, with its ID and name only.
func loadUser(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.User, error) {
	q := c.User.Query().Where(user.ID(id))
	q.Modify(func(s *sql.Selector) {
		a := sql.Table(account.Table)
		s.Join(a).On(s.C(user.FieldAccountID), a.C(account.FieldID)).
			AppendSelectAs(a.C(account.FieldName), accountNameColumn)
	})
	u, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "input.userID", Message: fmt.Sprintf("no user %s", id)}
	}
	if err != nil {
		return nil, err
	}
	var name stdsql.NullString
	if err := scanSelected(u.Value, accountNameColumn, &name); err != nil {
		return nil, err
	}
	u.Edges.Account = &ent.Account{ID: u.AccountID, Name: name.String}
	return u, nil
}

// Columns a grant's queries select besides the entities' own.
const (
	accountNameColumn = "account_name"
	grantedColumn     = "granted"
)

// scanSelected converts a column a query modifier added into dst.
func scanSelected(value func(string) (ent.Value, error), column string, dst stdsql.Scanner) error {
	v, err := value(column)
	if err != nil {
		return err
	}
	return dst.Scan(v)
}

// loadDevices fetches the devices in one statement, each with whether the
// user holds a permission on it that is not revoked. An ID that is unknown
// or belongs to another account is reported with its index, and then a
// device the user holds already.
func loadDevices(ctx context.Context, c *ent.Client, userID pulid.ID, ids []pulid.ID) (map[pulid.ID]*ent.Device, error) {
	q := c.Device.Query().Where(device.IDIn(ids...))
	q.Modify(func(s *sql.Selector) {
		p := sql.Table(permission.Table)
		held := sql.Select(p.C(permission.FieldID)).From(p).Where(sql.And(
			sql.ColumnsEQ(p.C(permission.FieldDeviceID), s.C(device.FieldID)),
			sql.EQ(p.C(permission.FieldUserID), userID),
			sql.NEQ(p.C(permission.FieldStatus), enum.PermissionRevoked),
		))
		s.AppendSelectExprAs(sql.Exists(held), grantedColumn)
		// Held until the grant commits: deleteDevice waits for it (lock.go).
		lockRows(sql.LockKeyShare, device.Table)(s)
	})
	list, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Device, len(list))
	for _, d := range list {
		byID[d.ID] = d
	}
	for i, id := range ids {
		if byID[id] == nil {
			return nil, &apperr.Error{Code: apperr.NotFound, Field: fmt.Sprintf("input.deviceIDs[%d]", i), Message: fmt.Sprintf("no device %s", id)}
		}
	}
	for i, id := range ids {
		d := byID[id]
		var granted stdsql.NullBool
		if err := scanSelected(d.Value, grantedColumn, &granted); err != nil {
			return nil, err
		}
		if granted.Bool {
			return nil, &apperr.Error{
				Code:    apperr.Conflict,
				Field:   fmt.Sprintf("input.deviceIDs[%d]", i),
				Message: fmt.Sprintf("the user already has a permission on device %q (%s); update or revoke it instead", d.Name, id),
			}
		}
	}
	return byID, nil
}

// ResultIDs lists what a grant created: the invitation, then the permissions.
func ResultIDs(r *Result) []string {
	ids := []string{string(r.Invitation.ID)}
	for _, p := range r.Permissions {
		ids = append(ids, string(p.ID))
	}
	return ids
}

// LoadResult loads a grant's result from its ResultIDs, permissions in
// their original order.
func LoadResult(ctx context.Context, c *ent.Client, ids []string) (*Result, error) {
	inv, err := c.Invitation.Get(ctx, pulid.ID(ids[0]))
	if err != nil {
		return nil, err
	}
	permIDs := make([]pulid.ID, len(ids)-1)
	for i, id := range ids[1:] {
		permIDs[i] = pulid.ID(id)
	}
	perms, err := c.Permission.Query().Where(permission.IDIn(permIDs...)).WithDevice().All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Permission, len(perms))
	for _, p := range perms {
		byID[p.ID] = p
	}
	ordered := make([]*ent.Permission, 0, len(permIDs))
	for _, id := range permIDs {
		if p := byID[id]; p != nil {
			ordered = append(ordered, p)
		}
	}
	return &Result{Permissions: ordered, Invitation: inv}, nil
}

// expiry is when an invitation issued at now expires, to the microsecond:
// PostgreSQL keeps microseconds (and rounds finer ones), so the instant
// stored is exactly the instant compared.
func expiry(now time.Time) time.Time {
	return now.Add(InvitationTTL).Truncate(time.Microsecond)
}

// deliveryOf tells whether the caller delivers the code itself, and the
// invitation's delivery status to start from.
func deliveryOf(m *enum.DeliveryMethod) (bool, enum.DeliveryStatus) {
	if m != nil && *m == enum.DeliveryByCaller {
		return true, enum.DeliveryNone
	}
	return false, enum.DeliveryQueued
}
