package grant

import (
	"context"
	"errors"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Patch changes some fields of a permission; nil and unset fields keep
// their values. Restrictions set to null clears every restriction.
type Patch struct {
	RemoteAllowed *bool
	Enabled       *bool
	Restrictions  graphql.Omittable[*RestrictionsInput]
}

// Update applies p to the permission and returns it as stored. With a
// version, the permission must still be at that version (the version hook
// of the Ent schema decides, as for every versioned row).
func (s *Service) Update(ctx context.Context, c *ent.Client, id pulid.ID, p Patch, version *int) (*ent.Permission, error) {
	// Locked, the row read is the row written: a concurrent update waits,
	// and then finds the version it left.
	cur, err := lockPermission(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cur.Status == enum.PermissionRevoked {
		return nil, apperr.New(apperr.Conflict, "permission %s is revoked; grant a new one instead", id)
	}
	r := cur.Restrictions()
	if in, set := p.Restrictions.ValueOK(); set {
		if in == nil {
			r = access.Restrictions{}
		} else {
			var invalid []error
			if r, invalid = apply(r, in, "input.restrictions"); invalid != nil {
				return nil, errors.Join(invalid...)
			}
		}
	}
	upd := c.Permission.UpdateOne(cur).
		SetNillableVersion(version).
		SetNillableRemoteAllowed(p.RemoteAllowed).
		SetNillableEnabled(p.Enabled)
	upd.Mutation().SetRestrictions(r)
	return audit.Save(ctx, c, s.Now(), enum.AuditPermissionUpdated, upd.Mutation(), upd.Save)
}

// lockPermission reads a permission and locks its row.
func lockPermission(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Permission, error) {
	q := c.Permission.Query().Where(permission.ID(id))
	q.Modify(lockRows(sql.LockUpdate, permission.Table))
	return q.Only(ctx)
}

// Revoke revokes a permission for good; a pending invitation left with no
// live permission is revoked with it. Revoking twice is a no-op.
func (s *Service) Revoke(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Permission, error) {
	if _, err := lockInvitations(ctx, c, invitation.HasPermissionsWith(permission.ID(id))); err != nil {
		return nil, err
	}
	p, err := lockPermission(ctx, c, id)
	if err != nil || p.Status == enum.PermissionRevoked {
		return p, err
	}
	before := p.Status
	p, err = c.Permission.UpdateOne(p).SetStatus(enum.PermissionRevoked).Save(ctx)
	if err != nil {
		return nil, err
	}
	targets := []pulid.ID{p.ID, p.UserID, p.DeviceID}
	if p.InvitationID != nil {
		if err := revokeEmptyInvitations(ctx, c, *p.InvitationID); err != nil {
			return nil, err
		}
		targets = append(targets, *p.InvitationID)
	}
	return p, audit.Record(ctx, c, audit.Entry{
		Action:  enum.AuditPermissionRevoked,
		Targets: targets,
		Changes: []changes.Field{changes.Of("status", before, p.Status)},
		At:      s.Now(),
	})
}

// revokeEmptyInvitations revokes those of the pending invitations that no
// longer cover a live permission.
func revokeEmptyInvitations(ctx context.Context, c *ent.Client, ids ...pulid.ID) error {
	if len(ids) == 0 {
		return nil
	}
	return c.Invitation.Update().
		Where(
			invitation.IDIn(ids...),
			invitation.StatusEQ(enum.InvitationPending),
			invitation.Not(invitation.HasPermissionsWith(permission.StatusNEQ(enum.PermissionRevoked))),
		).
		SetStatus(enum.InvitationRevoked).
		Exec(ctx)
}
