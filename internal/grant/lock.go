package grant

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/predicate"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Row locks on PostgreSQL. The writes of this package lock rows in one
// order, so that two of them never wait for each other in a circle (which
// PostgreSQL ends by failing one with a deadlock):
//
//  1. a device: deleteDevice locks it first (FOR UPDATE), a grant holds
//     its devices (FOR KEY SHARE) from the moment it reads them, so that
//     either the grant waits and then finds no device, or the delete waits
//     and then sees the grant's permissions;
//  2. invitations, in ID order: deleteDevice, deleteUser, revoke and resend lock
//     the invitations of the permissions they change before they change
//     any, and a redemption's UPDATE locks its invitation;
//  3. permissions (updatePermission locks its one row before it reads it);
//  4. last a user: its DELETE, or the key-share lock of an insert that
//     refers to it.
//
// SQLite takes no row locks: it runs one writing transaction at a time.
func lockRows(strength sql.LockStrength, table string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.SQLite {
			s.For(strength, sql.WithLockTables(table))
		}
	}
}

// lockInvitations locks the invitations that match ps, in ID order, and
// returns their IDs.
func lockInvitations(ctx context.Context, c *ent.Client, ps ...predicate.Invitation) ([]pulid.ID, error) {
	q := c.Invitation.Query().Where(ps...).Order(ent.Asc(invitation.FieldID))
	q.Modify(lockRows(sql.LockUpdate, invitation.Table))
	return q.IDs(ctx)
}
