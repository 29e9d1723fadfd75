package graph_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

const updatePermission = `mutation($id: ID!, $input: UpdatePermissionInput!) {
  updatePermission(id: $id, input: $input) { permission { id status remoteAllowed enabled restrictions { validFrom validUntil weekdays dailyFrom dailyUntil } } }
}`

type updated struct {
	UpdatePermission struct {
		Permission struct {
			RemoteAllowed, Enabled bool
			Restrictions           restrictions
		}
	}
}

// TestUpdatePermissionKeepsWhatWasNotSent: a partial update never wipes the
// restrictions; an explicit null clears one field; restrictions: null clears all.
func TestUpdatePermissionKeepsWhatWasNotSent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{
			"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "Europe/Berlin")), "remoteAllowed": true,
			"restrictions": map[string]any{
				"validFrom": "2026-03-01T00:00:00Z", "validUntil": "2026-12-31T23:00:00Z",
				"weekdays": []string{"SATURDAY", "MONDAY"}, "dailyFrom": "22:00", "dailyUntil": "24:00",
			},
		}}, &g)
		id := g.GrantPermission.Permissions[0].ID
		if w := g.GrantPermission.Permissions[0].Restrictions.Weekdays; len(w) != 2 || w[0] != "MONDAY" || w[1] != "SATURDAY" {
			t.Errorf("weekdays are returned Monday first: %v", w)
		}

		var u updated
		e.MustDo(acme.Token, updatePermission, map[string]any{"id": id, "input": map[string]any{"enabled": false}}, &u)
		r := u.UpdatePermission.Permission.Restrictions
		if u.UpdatePermission.Permission.Enabled || !u.UpdatePermission.Permission.RemoteAllowed || r.ValidFrom == nil || *r.ValidFrom != "2026-03-01T00:00:00Z" ||
			r.ValidUntil == nil || len(r.Weekdays) != 2 || *r.DailyFrom != "22:00" || *r.DailyUntil != "24:00" {
			t.Fatalf("partial update changed more than enabled: %+v", u.UpdatePermission.Permission)
		}

		e.MustDo(acme.Token, updatePermission, map[string]any{"id": id, "input": map[string]any{"restrictions": map[string]any{"validUntil": nil, "dailyFrom": "06:00"}}}, &u)
		r = u.UpdatePermission.Permission.Restrictions
		if r.ValidUntil != nil || r.ValidFrom == nil || *r.DailyFrom != "06:00" || *r.DailyUntil != "24:00" || len(r.Weekdays) != 2 || u.UpdatePermission.Permission.Enabled {
			t.Fatalf("null should clear validUntil only: %+v", u.UpdatePermission.Permission)
		}

		e.MustDo(acme.Token, updatePermission, map[string]any{"id": id, "input": map[string]any{"restrictions": nil}}, &u)
		r = u.UpdatePermission.Permission.Restrictions
		if r.ValidFrom != nil || r.Weekdays != nil || r.DailyFrom != nil || r.DailyUntil != nil || !u.UpdatePermission.Permission.RemoteAllowed {
			t.Fatalf("restrictions: null should clear every restriction only: %+v", u.UpdatePermission.Permission)
		}
	})
}

// TestRevoke: revoking the last live permission of a pending invitation
// revokes the invitation; the device can then be granted again.
func TestRevoke(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := e.Devices(acme, 2, "UTC")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(devs)}}, &g)
		const revoke = `mutation($id: ID!) { revokePermission(id: $id) { permission { status invitation { status } } } }`
		var out struct {
			RevokePermission struct {
				Permission struct {
					Status     string
					Invitation struct{ Status string }
				}
			}
		}
		e.MustDo(acme.Token, revoke, map[string]any{"id": g.GrantPermission.Permissions[0].ID}, &out)
		if out.RevokePermission.Permission.Status != "REVOKED" || out.RevokePermission.Permission.Invitation.Status != "PENDING" {
			t.Errorf("first revoke: %+v", out)
		}
		e.MustDo(acme.Token, revoke, map[string]any{"id": g.GrantPermission.Permissions[1].ID}, &out)
		if out.RevokePermission.Permission.Status != "REVOKED" || out.RevokePermission.Permission.Invitation.Status != "REVOKED" {
			t.Errorf("last revoke: %+v", out)
		}
		expectRejected(t, e, acme.Token, updatePermission, map[string]any{"id": g.GrantPermission.Permissions[1].ID, "input": map[string]any{"enabled": true}}, "CONFLICT", "")
		// A revoked permission does not block a new grant on the same device.
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(devs)}}, &g)
		if n := e.Counts(); n.Permissions != 4 || n.Invitations != 2 {
			t.Errorf("rows after re-grant: %+v", n)
		}
	})
}

// TestDeletes: deleteUser revokes and removes the user's permissions and
// invitations; deleteDevice removes its permissions and revokes an
// invitation left empty.
func TestDeletes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada := newUser(e, acme.Token, "Ada", "ada@example.com")
		bob := newUser(e, acme.Token, "Bob", "bob@example.com")
		devs := e.Devices(acme, 3, "UTC")
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": ids(devs)}}, nil)
		var bg grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": bob, "deviceIDs": ids(devs[:1])}}, &bg)

		var du struct {
			DeleteUser struct {
				DeletedID                              string
				RevokedPermissions, RevokedInvitations int
			}
		}
		e.MustDo(acme.Token, `mutation($id: ID!) { deleteUser(id: $id) { deletedID revokedPermissions revokedInvitations } }`, map[string]any{"id": ada}, &du)
		if du.DeleteUser.DeletedID != ada || du.DeleteUser.RevokedPermissions != 3 || du.DeleteUser.RevokedInvitations != 1 {
			t.Errorf("deleteUser: %+v", du.DeleteUser)
		}
		if n := e.Counts(); n.Users != 1 || n.Permissions != 1 || n.Invitations != 1 || n.Devices != 3 {
			t.Errorf("rows after deleteUser: %+v", n)
		}

		var dd struct {
			DeleteDevice struct {
				DeletedID          string
				RemovedPermissions int
			}
		}
		e.MustDo(acme.Token, `mutation($id: ID!) { deleteDevice(id: $id) { deletedID removedPermissions } }`, map[string]any{"id": string(devs[0])}, &dd)
		if dd.DeleteDevice.RemovedPermissions != 1 {
			t.Errorf("deleteDevice: %+v", dd.DeleteDevice)
		}
		var inv struct{ Node struct{ Status string } }
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { status } } }`, map[string]any{"id": bg.GrantPermission.Invitation.ID}, &inv)
		if inv.Node.Status != "REVOKED" {
			t.Errorf("invitation left without permissions: %s", inv.Node.Status)
		}
	})
}

// TestGrant500 grants 500 devices in one call.
func TestGrant500(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := e.Devices(acme, 500, "Europe/Berlin")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{
			"userID": user, "deviceIDs": ids(devs),
			"restrictions": map[string]any{"weekdays": []string{"MONDAY"}, "dailyFrom": "08:00", "dailyUntil": "18:00"},
		}}, &g)
		if len(g.GrantPermission.Permissions) != 500 {
			t.Fatalf("got %d permissions", len(g.GrantPermission.Permissions))
		}
		for i, p := range g.GrantPermission.Permissions {
			if p.Device.ID != string(devs[i]) || *p.Restrictions.DailyFrom != "08:00" {
				t.Fatalf("permission %d: %+v", i, p)
			}
		}
		if n := e.Counts(); n.Permissions != 500 || n.Invitations != 1 {
			t.Errorf("rows: %+v", n)
		}
		var inv struct {
			Node struct{ Permissions struct{ TotalCount int } }
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { permissions(first: 1) { totalCount } } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &inv)
		if inv.Node.Permissions.TotalCount != 500 {
			t.Errorf("invitation covers %d permissions", inv.Node.Permissions.TotalCount)
		}
	})
}
