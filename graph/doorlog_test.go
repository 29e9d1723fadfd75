package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// allDay opens every day 00:00–24:00, so that outcomes do not depend on
// when a test runs.
var allDay = map[string]any{"dailyFrom": "00:00", "dailyUntil": "24:00"}

// doorEnv is a server with devices in the account Acme and a user, Ada,
// who may open the first device at any time of day.
type doorEnv struct {
	*testenv.Env
	acme       testenv.Account
	devIDs     []pulid.ID
	dev        []any
	ada, token string
}

// startDoors starts a doorEnv with n devices; remote is Ada's remoteAllowed.
func startDoors(t *testing.T, db string, n int, remote bool) doorEnv {
	t.Helper()
	e := testenv.Start(t, db)
	d := doorEnv{Env: e, acme: e.Account("Acme")}
	d.devIDs = e.Devices(d.acme, n, "UTC")
	d.dev = ids(d.devIDs)
	d.ada, d.token = redeemedUser(e, d.acme, "ada@example.com", d.dev[:1], allDay, remote)
	return d
}

// loggedEvent is an access event as the admin reads it.
type loggedEvent struct {
	Allowed                               bool
	Reason, Outcome, UserName, DeviceName string
	UserID, DeviceID                      *string
	User, Device                          *struct{ ID string }
}

// adminEvents reads the account's whole door log, newest first.
func adminEvents(e *testenv.Env, token string) []loggedEvent {
	e.T.Helper()
	var out struct {
		AccessEvents struct {
			Edges []struct{ Node loggedEvent }
		}
	}
	e.MustDo(token, `{ accessEvents { edges { node { allowed reason outcome userName deviceName userID deviceID user { id } device { id } } } } }`, nil, &out)
	evs := make([]loggedEvent, len(out.AccessEvents.Edges))
	for i, ed := range out.AccessEvents.Edges {
		evs[i] = ed.Node
	}
	return evs
}

// eventCount counts the account's events with a field every version of the
// schema has, so that the count can be compared across versions.
func eventCount(e *testenv.Env, token string) int {
	e.T.Helper()
	var out struct{ AccessEvents struct{ TotalCount int } }
	e.MustDo(token, `{ accessEvents { totalCount } }`, nil, &out)
	return out.AccessEvents.TotalCount
}

// TestOperateDeviceIsRemote: a request through the server is remote
// whatever the client says, so a permission without remoteAllowed refuses
// it; checkAccess still answers "what if at the device".
func TestOperateDeviceIsRemote(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 1, false)
		e, acme, devIDs, dev, ada, token := d.Env, d.acme, d.devIDs, d.dev, d.ada, d.token
		for _, remote := range []any{nil, false, true} {
			var o opResult
			e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "UNLOCK", "r": remote}, &o)
			if o.OperateDevice.Allowed || o.OperateDevice.Reason != "REMOTE_NOT_ALLOWED" || e.App.Driver.State(devIDs[0]) != "LOCKED" {
				t.Fatalf("remote %v: %+v, driver %s", remote, o.OperateDevice, e.App.Driver.State(devIDs[0]))
			}
			if !o.OperateDevice.Event.Remote || o.OperateDevice.Event.Outcome != "REFUSED" {
				t.Errorf("remote %v: event %+v", remote, o.OperateDevice.Event)
			}
		}
		var at decision
		e.MustDo(acme.Token, checkAccess, map[string]any{"u": ada, "d": dev[0], "remote": false}, &at)
		if !at.CheckAccess.Allowed {
			t.Errorf("checkAccess at the device: %+v", at.CheckAccess)
		}
	})
}

// TestDoorLogSurvivesRequestErrors: no error elsewhere in a request erases
// a decision or a device's action from the log.
func TestDoorLogSurvivesRequestErrors(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, true)
		e, acme, devIDs, dev, token := d.Env, d.acme, d.devIDs, d.dev, d.token

		t.Run("a second alias fails", func(t *testing.T) {
			e := e.For(t)
			r := e.Do(token, `mutation($a: ID!, $b: ID!) {
				a: operateDevice(deviceID: $a, action: UNLOCK) { allowed state }
				b: operateDevice(deviceID: $b, action: UNLOCK) { allowed state } }`,
				map[string]any{"a": dev[0], "b": string(pulid.New("dev"))})
			if r.Code() != "NOT_FOUND" || e.App.Driver.State(devIDs[0]) != "UNLOCKED" {
				t.Fatalf("driver %s, answer %s", e.App.Driver.State(devIDs[0]), r.Body)
			}
			if n := eventCount(e, acme.Token); n != 1 {
				t.Fatalf("the door opened and the log holds %d events, want 1", n)
			}
			// The first alias answers what it did.
			var data struct{ A, B *struct{ Allowed bool } }
			if err := json.Unmarshal(r.Data, &data); err != nil || data.A == nil || !data.A.Allowed || data.B != nil {
				t.Errorf("data %s (%v)", r.Data, err)
			}
			if ev := adminEvents(e, acme.Token)[0]; !ev.Allowed || ev.Outcome != "DONE" || ev.Device == nil || ev.Device.ID != dev[0] {
				t.Errorf("event %+v", ev)
			}
		})
		t.Run("the selection reads a device the user cannot see", func(t *testing.T) {
			e := e.For(t)
			r := e.Do(token, `mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { allowed reason event { id device { id } } } }`,
				map[string]any{"d": dev[1]})
			if n := eventCount(e, acme.Token); n != 2 {
				t.Fatalf("a refused attempt left %d events, want 2; answer %s", n, r.Body)
			}
			var data struct {
				OperateDevice struct {
					Reason string
					Event  struct{ Device *struct{ ID string } }
				}
			}
			if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil || data.OperateDevice.Reason != "NO_PERMISSION" || data.OperateDevice.Event.Device != nil {
				t.Errorf("answer %s", r.Body)
			}
		})
		t.Run("the device does not answer", func(t *testing.T) {
			e := e.For(t)
			e.App.Driver.SetOffline(devIDs[0], true)
			defer e.App.Driver.SetOffline(devIDs[0], false)
			if r := e.Do(token, operate, map[string]any{"d": dev[0], "a": "LOCK"}); r.Code() != "INTERNAL" {
				t.Fatalf("answer %s", r.Body)
			}
			if n := eventCount(e, acme.Token); n != 3 {
				t.Fatalf("a failed action left %d events, want 3", n)
			}
			if ev := adminEvents(e, acme.Token)[0]; !ev.Allowed || ev.Outcome != "FAILED" {
				t.Errorf("event %+v", ev)
			}
		})
		t.Run("other mutations stay out", func(t *testing.T) {
			const mixed = `mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { allowed } createUser(input: {name: "Bo", email: "bo@example.com"}) { user { id } } }`
			for _, tok := range []string{token, acme.Token} {
				expectRejected(t, e, tok, mixed, map[string]any{"d": dev[0]}, "BAD_USER_INPUT", "")
			}
			if n := eventCount(e.For(t), acme.Token); n != 3 {
				t.Errorf("rejected operations left events: %d, want 3", n)
			}
		})
	})
}

// TestDoorLogOutlivesDeletes: deleting the user and the device keeps their
// events, with the names they had when the decisions were made.
func TestDoorLogOutlivesDeletes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, true)
		e, acme, dev, ada, token := d.Env, d.acme, d.dev, d.ada, d.token
		e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}, nil)
		e.MustDo(token, operate, map[string]any{"d": dev[1], "a": "UNLOCK"}, nil)
		e.MustDo(acme.Token, `mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada King"}) { user { id } } }`, map[string]any{"id": ada}, nil)
		e.MustDo(acme.Token, `mutation($id: ID!) { updateDevice(id: $id, input: {name: "Side door"}) { device { id } } }`, map[string]any{"id": dev[1]}, nil)
		e.MustDo(acme.Token, `mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": ada}, nil)
		e.MustDo(acme.Token, `mutation($id: ID!) { deleteDevice(id: $id) { deletedID } }`, map[string]any{"id": dev[1]}, nil)
		if n := eventCount(e, acme.Token); n != 2 {
			t.Fatalf("after the deletes the log holds %d events, want 2", n)
		}
		evs := adminEvents(e, acme.Token)
		refused, opened := evs[0], evs[1]
		for _, ev := range evs {
			if ev.UserName != "ada@example.com" || ev.User != nil || ev.UserID != nil {
				t.Errorf("user of %+v", ev)
			}
		}
		if refused.DeviceName != "Door 001" || refused.Device != nil || refused.DeviceID != nil || refused.Reason != "NO_PERMISSION" {
			t.Errorf("event on the deleted device: %+v", refused)
		}
		if opened.DeviceName != "Door 000" || opened.Device == nil || opened.Device.ID != dev[0] || opened.Outcome != "DONE" {
			t.Errorf("event on the remaining device: %+v", opened)
		}
		var devEvents struct {
			Node struct{ Events struct{ TotalCount int } }
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Device { events { totalCount } } } }`, map[string]any{"id": dev[0]}, &devEvents)
		if devEvents.Node.Events.TotalCount != 1 {
			t.Errorf("Device.events after the user's deletion: %+v", devEvents)
		}
	})
}

// TestOwnEventsWithHiddenDevice: a user's own event list reads a device it
// may no longer see as null instead of failing.
func TestOwnEventsWithHiddenDevice(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 1, true)
		e, acme, dev, token := d.Env, d.acme, d.dev, d.token
		var o opResult
		e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}, &o)
		var p struct {
			Permissions struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e.MustDo(token, `{ permissions { edges { node { id } } } }`, nil, &p)
		e.MustDo(acme.Token, `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": p.Permissions.Edges[0].Node.ID}, nil)
		// Asking again is refused as REVOKED, and logged with the device's name.
		e.MustDo(token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}, &o)
		if o.OperateDevice.Allowed || o.OperateDevice.Reason != "REVOKED" || o.OperateDevice.Event.DeviceName != "Door 000" {
			t.Errorf("after the revoke: %+v", o.OperateDevice)
		}

		type ownEvents struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					DeviceName string
					Device     *struct{ ID string }
				}
			}
		}
		var own struct {
			AccessEvents ownEvents
			Viewer       struct{ User struct{ Events ownEvents } }
		}
		r := e.Do(token, `{ accessEvents { totalCount edges { node { deviceName device { id } } } }
			viewer { user { events { totalCount edges { node { deviceName device { id } } } } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("own events after the revoke: %s", r.Body)
		}
		if err := json.Unmarshal(r.Data, &own); err != nil {
			t.Fatal(err)
		}
		for _, l := range []ownEvents{own.AccessEvents, own.Viewer.User.Events} {
			if l.TotalCount != 2 || len(l.Edges) != 2 {
				t.Fatalf("own events: %+v", l)
			}
			for _, ed := range l.Edges {
				if ed.Node.Device != nil || ed.Node.DeviceName != "Door 000" {
					t.Errorf("own events: %+v", l)
				}
			}
		}
	})
}
