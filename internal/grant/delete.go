package grant

import (
	"context"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/predicate"
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
func DeleteUser(ctx context.Context, c *ent.Client, id pulid.ID) (*UserDeletion, error) {
	if _, err := c.User.Get(ctx, id); err != nil {
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
func DeleteDevice(ctx context.Context, c *ent.Client, id pulid.ID) (*DeviceDeletion, error) {
	if _, err := c.Device.Get(ctx, id); err != nil {
		return nil, err
	}
	live := []predicate.Permission{permission.DeviceID(id), permission.StatusNEQ(enum.PermissionRevoked)}
	invs, err := c.Permission.Query().Where(append(live, permission.InvitationIDNotNil())...).
		Unique(true).Select(permission.FieldInvitationID).Strings(ctx)
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
	ids := make([]pulid.ID, len(invs))
	for i, v := range invs {
		ids[i] = pulid.ID(v)
	}
	if err := revokeEmptyInvitations(ctx, c, ids...); err != nil {
		return nil, err
	}
	return &DeviceDeletion{DeletedID: id, RemovedPermissions: n}, nil
}
