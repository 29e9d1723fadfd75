package graph_test

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestWalkthrough follows the README: an account, a user, three devices,
// one grant of all three, and the overview of all users.
func TestWalkthrough(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")

		var u struct {
			CreateUser struct {
				User struct{ ID, Email, Language, Origin string }
			}
		}
		e.MustDo(acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada Lovelace", "email": "Ada@Example.com"}}, &u)
		if u.CreateUser.User.Email != "ada@example.com" || u.CreateUser.User.Language != "EN" || u.CreateUser.User.Origin != "WEB" {
			t.Fatalf("createUser defaults: %+v", u.CreateUser.User)
		}

		var devices []any
		for _, name := range []string{"Front door", "Back door", "Garage"} {
			var d struct {
				CreateDevice struct{ Device struct{ ID, Type string } }
			}
			e.MustDo(acme.Token, `mutation($in: CreateDeviceInput!) { createDevice(input: $in) { device { id type } } }`,
				map[string]any{"in": map[string]any{"name": name, "timeZone": "Europe/Berlin"}}, &d)
			if d.CreateDevice.Device.Type != "SMART_LOCK" {
				t.Errorf("device type default = %q", d.CreateDevice.Device.Type)
			}
			devices = append(devices, d.CreateDevice.Device.ID)
		}

		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{
			"userID":    u.CreateUser.User.ID,
			"deviceIDs": devices,
			"restrictions": map[string]any{
				"weekdays": []string{"MONDAY", "TUESDAY", "FRIDAY"}, "dailyFrom": "22:00", "dailyUntil": "06:00",
			},
			"language": "DE",
		}}, &g)
		gp := g.GrantPermission
		if len(gp.Permissions) != 3 {
			t.Fatalf("got %d permissions", len(gp.Permissions))
		}
		for i, p := range gp.Permissions {
			if p.Device.ID != devices[i] || p.Status != "PENDING" || p.RemoteAllowed || !p.Enabled {
				t.Errorf("permission %d: %+v", i, p)
			}
			r := p.Restrictions
			if len(r.Weekdays) != 3 || *r.DailyFrom != "22:00" || *r.DailyUntil != "06:00" || r.ValidFrom != nil {
				t.Errorf("permission %d restrictions: %+v", i, r)
			}
		}
		exp, err := time.Parse(time.RFC3339Nano, gp.Invitation.ExpiresAt)
		if err != nil || exp.Sub(e.Now()).Round(time.Minute) != 48*time.Hour {
			t.Errorf("invitation expires at %s, now %s", gp.Invitation.ExpiresAt, e.Now())
		}
		if gp.Invitation.Status != "PENDING" || gp.Invitation.Language != "DE" {
			t.Errorf("invitation: %+v", gp.Invitation)
		}

		var o struct {
			Users struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Name        string
						Permissions struct {
							TotalCount int
							Edges      []struct {
								Node struct {
									Status       string
									Device       struct{ Name, TimeZone string }
									Invitation   struct{ Status string }
									Restrictions restrictions
								}
							}
						}
					}
				}
			}
		}
		e.MustDo(acme.Token, `{ users { totalCount edges { node { name permissions(first: 20) { totalCount edges { node {
			status device { name timeZone } invitation { status } restrictions { weekdays dailyFrom dailyUntil } } } } } } } }`, nil, &o)
		if o.Users.TotalCount != 1 || len(o.Users.Edges) != 1 {
			t.Fatalf("overview users: %+v", o.Users)
		}
		ps := o.Users.Edges[0].Node.Permissions
		if ps.TotalCount != 3 || len(ps.Edges) != 3 {
			t.Fatalf("overview permissions: %+v", ps)
		}
		names := map[string]bool{}
		for _, edge := range ps.Edges {
			n := edge.Node
			names[n.Device.Name] = true
			if n.Status != "PENDING" || n.Invitation.Status != "PENDING" || n.Device.TimeZone != "Europe/Berlin" || len(n.Restrictions.Weekdays) != 3 {
				t.Errorf("overview permission: %+v", n)
			}
		}
		if len(names) != 3 {
			t.Errorf("overview devices: %v", names)
		}
	})
}

// TestInvitationExpires shows EXPIRED once the server's clock passes expiresAt.
func TestInvitationExpires(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := e.Devices(acme, 1, "UTC")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(dev)}}, &g)
		status := func() string {
			var out struct{ Node struct{ Status string } }
			e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { status } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &out)
			return out.Node.Status
		}
		e.Advance(48*time.Hour - time.Second)
		if s := status(); s != "PENDING" {
			t.Errorf("at 48h-1s status = %s", s)
		}
		e.Advance(time.Second)
		if s := status(); s != "EXPIRED" {
			t.Errorf("at 48h status = %s", s)
		}
	})
}
