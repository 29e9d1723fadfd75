package grant

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/predicate"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// UserDeletion reports what deleting a user revoked.
type UserDeletion struct {
	DeletedID          pulid.ID
	RevokedPermissions int
	RevokedInvitations int
}

// DeleteUser revokes the user's live permissions and pending invitations,
// then removes the user with them (the foreign keys cascade). The user's
// access events stay, with the name they recorded (their user_id is set
// null).
func (s *Service) DeleteUser(ctx context.Context, c *ent.Client, id pulid.ID) (*UserDeletion, error) {
	u, err := c.User.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := lockInvitations(ctx, c, invitation.UserID(id)); err != nil {
		return nil, err
	}
	perms, err := c.Permission.Update().
		Where(permission.UserID(id), permission.StatusNEQ(enum.PermissionRevoked)).
		SetStatus(enum.PermissionRevoked).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	invs, err := c.Invitation.Update().
		Where(invitation.UserID(id), invitation.StatusEQ(enum.InvitationPending)).
		SetStatus(enum.InvitationRevoked).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.User.DeleteOneID(id).Exec(ctx); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{
		Action:  enum.AuditUserDeleted,
		Targets: []pulid.ID{id},
		// What the trail still says of the user once it is gone.
		Changes: []changes.Field{changes.Of("name", u.Name, nil), changes.Of("email", u.Email, nil)},
		At:      s.Now(),
	}); err != nil {
		return nil, err
	}
	return &UserDeletion{DeletedID: id, RevokedPermissions: perms, RevokedInvitations: invs}, nil
}

// DeviceDeletion reports what deleting a device removed.
type DeviceDeletion struct {
	DeletedID          pulid.ID
	RemovedPermissions int
}

// DeleteDevice removes a device with its permissions; pending invitations
// left with no live permission are revoked. The device's access events
// stay, with the name they recorded (their device_id is set null).
func (s *Service) DeleteDevice(ctx context.Context, c *ent.Client, id pulid.ID) (*DeviceDeletion, error) {
	// Locked first: a grant that read the device has committed, and one
	// that has not waits and then finds no device.
	q := c.Device.Query().Where(device.ID(id))
	q.Modify(lockRows(sql.LockUpdate, device.Table))
	d, err := q.Only(ctx)
	if err != nil {
		return nil, err
	}
	live := []predicate.Permission{permission.DeviceID(id), permission.StatusNEQ(enum.PermissionRevoked)}
	ids, err := lockInvitations(ctx, c, invitation.HasPermissionsWith(live...))
	if err != nil {
		return nil, err
	}
	n, err := c.Permission.Delete().Where(live...).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Device.DeleteOneID(id).Exec(ctx); err != nil {
		return nil, err
	}
	if err := revokeEmptyInvitations(ctx, c, ids...); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{
		Action:  enum.AuditDeviceDeleted,
		Targets: []pulid.ID{id},
		Changes: []changes.Field{changes.Of("name", d.Name, nil)},
		At:      s.Now(),
	}); err != nil {
		return nil, err
	}
	return &DeviceDeletion{DeletedID: id, RemovedPermissions: n}, nil
}
