package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

const checkAccess = `query($u: ID!, $d: ID!, $at: Time, $remote: Boolean) {
  checkAccess(userID: $u, deviceID: $d, at: $at, remote: $remote) { allowed reason at permission { id } }
}`

type decision struct {
	CheckAccess struct {
		Allowed bool
		Reason  string
		At      string
	}
}

// redeemedUser grants the devices to a new user with the restrictions,
// redeems the invitation and returns the user's ID and token.
func redeemedUser(e *testenv.Env, admin testenv.Account, email string, devices []any, restr map[string]any, remote bool) (string, string) {
	e.T.Helper()
	user := newUser(e, admin.Token, email, email)
	code := grantCode(e, admin.Token, user, devices, map[string]any{"restrictions": restr, "remoteAllowed": remote})
	var r redeemed
	e.MustDo("", redeem, map[string]any{"code": code}, &r)
	return user, r.RedeemInvitation.Token
}

// TestCheckAccess decides through the schema in the device's zone.
func TestCheckAccess(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		dev := ids(e.Devices(acme, 2, "Europe/Berlin"))
		foreignDev := ids(e.Devices(other, 1, "UTC"))[0]
		// Weeknights 22:00–06:00 Berlin time, during 2026.
		restr := map[string]any{
			"weekdays": []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}, "dailyFrom": "22:00", "dailyUntil": "06:00",
			"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z",
		}
		ada, adaToken := redeemedUser(e, acme, "ada@example.com", dev[:1], restr, false)
		bob, bobToken := redeemedUser(e, acme, "bob@example.com", dev[:1], nil, true)
		pending := newUser(e, acme.Token, "Cy", "cy@example.com")
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": pending, "deviceIDs": dev[:1]}}, nil)

		cases := []struct {
			name, user string
			device     any
			at         string
			remote     bool
			allowed    bool
			reason     string
		}{
			{"Friday 23:30 Berlin", ada, dev[0], "2026-03-06T22:30:00Z", false, true, "ALLOWED"},
			{"Saturday 03:00 Berlin, Friday's window", ada, dev[0], "2026-03-07T02:00:00Z", false, true, "ALLOWED"},
			{"Saturday 23:00 Berlin", ada, dev[0], "2026-03-07T22:00:00Z", false, false, "WRONG_WEEKDAY"},
			{"Monday noon Berlin", ada, dev[0], "2026-03-09T11:00:00Z", false, false, "OUTSIDE_TIME_WINDOW"},
			{"Monday 05:30 CEST belongs to Sunday's window", ada, dev[0], "2026-03-30T03:30:00Z", false, false, "WRONG_WEEKDAY"},
			{"after spring forward, Tuesday 05:30 CEST", ada, dev[0], "2026-03-31T03:30:00Z", false, true, "ALLOWED"},
			{"Tuesday 06:00 CEST exactly", ada, dev[0], "2026-03-31T04:00:00Z", false, false, "OUTSIDE_TIME_WINDOW"},
			{"remote without the flag", ada, dev[0], "2026-03-06T22:30:00Z", true, false, "REMOTE_NOT_ALLOWED"},
			{"before validity", ada, dev[0], "2025-12-31T22:59:59Z", false, false, "NOT_YET_VALID"},
			{"at validUntil", ada, dev[0], "2027-01-01T00:00:00Z", false, false, "EXPIRED"},
			{"no permission on the other device", ada, dev[1], "2026-03-06T22:30:00Z", false, false, "NO_PERMISSION"},
			{"remote allowed", bob, dev[0], "2026-03-07T12:00:00Z", true, true, "ALLOWED"},
			{"invitation not redeemed", pending, dev[0], "2026-03-07T12:00:00Z", false, false, "PENDING_INVITATION"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var d decision
				e.For(t).MustDo(acme.Token, checkAccess, map[string]any{"u": c.user, "d": c.device, "at": c.at, "remote": c.remote}, &d)
				if d.CheckAccess.Allowed != c.allowed || d.CheckAccess.Reason != c.reason {
					t.Errorf("got %+v, want %v %s", d.CheckAccess, c.allowed, c.reason)
				}
			})
		}

		t.Run("at defaults to now", func(t *testing.T) {
			var d decision
			e.For(t).MustDo(acme.Token, checkAccess, map[string]any{"u": bob, "d": dev[0]}, &d)
			at, err := time.Parse(time.RFC3339Nano, d.CheckAccess.At)
			if err != nil || at.Sub(e.Now()).Abs() > time.Second || !d.CheckAccess.Allowed {
				t.Errorf("got %+v, now %s", d.CheckAccess, e.Now())
			}
		})
		t.Run("a user's own token asks about itself only", func(t *testing.T) {
			var d decision
			e.For(t).MustDo(adaToken, checkAccess, map[string]any{"u": ada, "d": dev[0], "at": "2026-03-06T22:30:00Z"}, &d)
			if !d.CheckAccess.Allowed {
				t.Errorf("own check: %+v", d.CheckAccess)
			}
			if r := e.For(t).Do(bobToken, checkAccess, map[string]any{"u": ada, "d": dev[0]}); r.Code() != "FORBIDDEN" {
				t.Errorf("another user's check: %s", r.Body)
			}
		})
		t.Run("foreign device", func(t *testing.T) {
			if r := e.For(t).Do(acme.Token, checkAccess, map[string]any{"u": ada, "d": foreignDev}); r.Code() != "NOT_FOUND" || r.Field() != "deviceID" {
				t.Errorf("got %s", r.Body)
			}
		})
		// A revoked permission answers REVOKED (to the user's own token too,
		// which no longer sees the device), until a new grant replaces it.
		t.Run("revoked", func(t *testing.T) {
			var p struct {
				Permissions struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			e.For(t).MustDo(acme.Token, fmt.Sprintf(`{ permissions(where: {hasUserWith: {id: %q}}) { edges { node { id } } } }`, ada), nil, &p)
			revoked := p.Permissions.Edges[0].Node.ID
			e.For(t).MustDo(acme.Token, `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": revoked}, nil)
			for _, token := range []string{acme.Token, adaToken} {
				var d struct {
					CheckAccess struct {
						Allowed    bool
						Reason     string
						Permission struct{ ID string }
					}
				}
				e.For(t).MustDo(token, checkAccess, map[string]any{"u": ada, "d": dev[0], "at": "2026-03-06T22:30:00Z"}, &d)
				if d.CheckAccess.Allowed || d.CheckAccess.Reason != "REVOKED" || d.CheckAccess.Permission.ID != revoked {
					t.Errorf("after revoke: %+v, want REVOKED on %s", d.CheckAccess, revoked)
				}
			}
			e.For(t).MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": dev[:1]}}, nil)
			var d decision
			e.For(t).MustDo(acme.Token, checkAccess, map[string]any{"u": ada, "d": dev[0], "at": "2026-03-06T22:30:00Z"}, &d)
			if d.CheckAccess.Reason != "PENDING_INVITATION" {
				t.Errorf("granted again: %+v", d.CheckAccess)
			}
		})
	})
}

// operate asks a device to act and reads the payload as opResult.
const operate = `mutation($d: ID!, $a: LockAction!, $r: Boolean) { operateDevice(deviceID: $d, action: $a, remote: $r) {
  allowed reason state event { id action remote allowed reason outcome userName deviceName } } }`

type opResult struct {
	OperateDevice struct {
		Allowed bool
		Reason  string
		State   *string
		Event   struct {
			ID, Action, Reason, Outcome, UserName, DeviceName string
			Remote, Allowed                                   bool
		}
	}
}

// TestOperateDevice: allowed requests reach the driver, refused ones do
// not, and every decision is logged newest first.
func TestOperateDevice(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, true)
		e, acme, devIDs, dev, user, token := d.Env, d.acme, d.devIDs, d.dev, d.ada, d.token
		var o opResult
		e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}, &o)
		if !o.OperateDevice.Allowed || o.OperateDevice.State == nil || *o.OperateDevice.State != "UNLOCKED" || e.App.Driver.State(devIDs[0]) != "UNLOCKED" ||
			!o.OperateDevice.Event.Remote || o.OperateDevice.Event.Outcome != "DONE" ||
			o.OperateDevice.Event.UserName != "ada@example.com" || o.OperateDevice.Event.DeviceName != "Door 000" {
			t.Fatalf("unlock: %+v, driver %s", o.OperateDevice, e.App.Driver.State(devIDs[0]))
		}
		e.Advance(time.Second)
		e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "LOCK"}, &o)
		if !o.OperateDevice.Allowed || e.App.Driver.State(devIDs[0]) != "LOCKED" {
			t.Fatalf("lock: %+v, driver %s", o.OperateDevice, e.App.Driver.State(devIDs[0]))
		}
		e.Advance(time.Second)
		e.MustDo(token, operate, map[string]any{"d": dev[1], "a": "UNLATCH"}, &o)
		if o.OperateDevice.Allowed || o.OperateDevice.Reason != "NO_PERMISSION" || o.OperateDevice.State != nil || e.App.Driver.State(devIDs[1]) != "LOCKED" ||
			o.OperateDevice.Event.Outcome != "REFUSED" {
			t.Fatalf("no permission: %+v", o.OperateDevice)
		}
		// Admins do not open doors with their token.
		if r := e.Do(acme.Token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}); r.Code() != "FORBIDDEN" {
			t.Errorf("admin operate: %s", r.Body)
		}

		var ev struct {
			AccessEvents struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Action, Reason string
						Allowed        bool
						User, Device   struct{ ID string }
					}
				}
			}
			Users struct {
				Edges []struct {
					Node struct {
						Events struct{ TotalCount int }
					}
				}
			}
		}
		e.MustDo(acme.Token, `{ accessEvents { totalCount edges { node { action reason allowed user { id } device { id } } } }
			users { edges { node { events { totalCount } } } } }`, nil, &ev)
		got := ev.AccessEvents.Edges
		if ev.AccessEvents.TotalCount != 3 || len(got) != 3 || got[0].Node.Action != "UNLATCH" || got[1].Node.Action != "LOCK" || got[2].Node.Action != "UNLOCK" {
			t.Fatalf("events, newest first: %+v", ev.AccessEvents)
		}
		if got[2].Node.User.ID != user || !got[2].Node.Allowed || got[1].Node.Reason != "ALLOWED" || got[0].Node.Reason != "NO_PERMISSION" {
			t.Errorf("event details: %+v", got)
		}
		if ev.Users.Edges[0].Node.Events.TotalCount != 3 {
			t.Errorf("User.events: %+v", ev.Users)
		}
		var filtered struct{ AccessEvents struct{ TotalCount int } }
		e.MustDo(acme.Token, `{ accessEvents(where: {allowed: false}) { totalCount } }`, nil, &filtered)
		if filtered.AccessEvents.TotalCount != 1 {
			t.Errorf("refused events: %d", filtered.AccessEvents.TotalCount)
		}
		// The user sees its own events only through its token, and cannot
		// write; its attempt at a device it holds no permission on is the
		// admin's to read, not its own (TestNoDeviceNameWithoutPermission).
		var own struct{ AccessEvents struct{ TotalCount int } }
		e.MustDo(token, `{ accessEvents { totalCount } }`, nil, &own)
		if own.AccessEvents.TotalCount != 2 {
			t.Errorf("user's own events: %d", own.AccessEvents.TotalCount)
		}
	})
}

// TestPermissionSchedule shows the restrictions as a sentence in the device's zone.
func TestPermissionSchedule(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g struct {
			GrantPermission struct{ Permissions []struct{ Schedule string } }
		}
		e.MustDo(acme.Token, `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { permissions { schedule } } }`, map[string]any{"in": map[string]any{
			"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "Europe/Berlin")),
			"restrictions": map[string]any{
				"weekdays": []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}, "dailyFrom": "22:00", "dailyUntil": "06:00",
				"validFrom": "2026-02-28T23:00:00Z", "validUntil": "2026-12-31T23:00:00Z",
			},
		}}, &g)
		if s := g.GrantPermission.Permissions[0].Schedule; s != "Mon–Fri 22:00–06:00 (Europe/Berlin), 1 Mar 2026 – 31 Dec 2026" {
			t.Errorf("schedule = %q", s)
		}
	})
}
