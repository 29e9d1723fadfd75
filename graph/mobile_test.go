package graph_test

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestCheckAccessOwnUser: with a user's own token, checkAccess without
// userID asks about that user; naming the user gives the same answer and
// naming another is refused as before. An admin must name the user.
func TestCheckAccessOwnUser(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, false)
		e, acme, dev := d.Env, d.acme, d.dev
		bob, bobToken := redeemedUser(e, acme, "bob@example.com", dev[1:], allDay, false)
		const own = `query($d: ID!) { checkAccess(deviceID: $d) { allowed reason permission { id user { id } } } }`
		type answer struct {
			CheckAccess struct {
				Allowed    bool
				Reason     string
				Permission *struct {
					ID   string
					User struct{ ID string }
				}
			}
		}
		var mine, named answer
		e.MustDo(d.token, own, map[string]any{"d": dev[0]}, &mine)
		if !mine.CheckAccess.Allowed || mine.CheckAccess.Permission == nil || mine.CheckAccess.Permission.User.ID != d.ada {
			t.Fatalf("own check: %+v", mine.CheckAccess)
		}
		e.MustDo(d.token, checkAccess, map[string]any{"u": d.ada, "d": dev[0]}, &named)
		if named.CheckAccess.Allowed != mine.CheckAccess.Allowed || named.CheckAccess.Permission.ID != mine.CheckAccess.Permission.ID {
			t.Errorf("named %+v, unnamed %+v", named.CheckAccess, mine.CheckAccess)
		}
		// Bob's token asks about Bob: no permission on Ada's door.
		var his answer
		e.MustDo(bobToken, own, map[string]any{"d": dev[0]}, &his)
		if his.CheckAccess.Allowed || his.CheckAccess.Reason != "NO_PERMISSION" {
			t.Errorf("Bob's own check on Ada's door: %+v", his.CheckAccess)
		}
		expectRejected(t, e, d.token, checkAccess, map[string]any{"u": bob, "d": dev[1]}, "FORBIDDEN", "")
		expectRejected(t, e, acme.Token, own, map[string]any{"d": dev[0]}, "BAD_USER_INPUT", "userID")
	})
}

// lockView is a device as lockState asks for it.
type lockView struct {
	Node struct {
		LockState           *string
		LockStateReportedAt *string
		Version             int
		UpdatedAt           string
	}
}

const readLock = `query($d: ID!) { node(id: $d) { ... on Device { lockState lockStateReportedAt version updatedAt } } }`

// TestDeviceLockState: a device shows the lock state it last reported by
// carrying out an operateDevice, and when; a refused or failed request
// reports nothing, and a report is no edit of the device (its version and
// updatedAt stay, so an admin's update based on them still applies).
func TestDeviceLockState(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		d := startDoors(t, db, 2, true)
		e, acme, dev := d.Env, d.acme, d.dev
		read := func(token string, device any) lockView {
			t.Helper()
			var v lockView
			e.MustDo(token, readLock, map[string]any{"d": device}, &v)
			return v
		}
		// reportedNow checks that the device reported state at the server's
		// present instant, and returns what an admin reads.
		reportedNow := func(device any, state string) lockView {
			t.Helper()
			v := read(acme.Token, device)
			if v.Node.LockState == nil || *v.Node.LockState != state || v.Node.LockStateReportedAt == nil {
				t.Fatalf("lock state %+v, want %s", v.Node, state)
			}
			at, err := time.Parse(time.RFC3339Nano, *v.Node.LockStateReportedAt)
			if err != nil || at.Sub(e.Now()).Abs() >= time.Second {
				t.Errorf("reported at %s, want %s", *v.Node.LockStateReportedAt, e.Now().UTC())
			}
			return v
		}
		fresh := read(acme.Token, dev[0])
		if fresh.Node.LockState != nil || fresh.Node.LockStateReportedAt != nil {
			t.Fatalf("a new device reports %+v", fresh.Node)
		}

		e.Advance(time.Minute)
		var o opResult
		e.MustDo(d.token, operate, map[string]any{"d": dev[0], "a": "UNLOCK"}, &o)
		v := reportedNow(dev[0], "UNLOCKED")
		if v.Node.Version != fresh.Node.Version || v.Node.UpdatedAt != fresh.Node.UpdatedAt {
			t.Errorf("a report edited the device: %+v, before %+v", v.Node, fresh.Node)
		}
		if own := read(d.token, dev[0]); own.Node.LockState == nil || *own.Node.LockState != "UNLOCKED" {
			t.Errorf("the user's own token reads %+v", own.Node)
		}
		e.MustDo(acme.Token, `mutation($id: ID!, $v: Int) { updateDevice(id: $id, input: {name: "Front door"}, version: $v) { device { version } } }`,
			map[string]any{"id": dev[0], "v": fresh.Node.Version}, nil)

		e.Advance(time.Minute)
		e.MustDo(d.token, operate, map[string]any{"d": dev[0], "a": "LOCK"}, &o)
		locked := reportedNow(dev[0], "LOCKED")

		// Refused (no permission on the second device) and failed (the
		// device is offline) requests report nothing.
		e.Advance(time.Minute)
		e.MustDo(d.token, operate, map[string]any{"d": dev[1], "a": "UNLOCK"}, &o)
		if o.OperateDevice.Allowed || read(acme.Token, dev[1]).Node.LockState != nil {
			t.Errorf("a refused request reported a state: %+v", o.OperateDevice)
		}
		e.App.Driver.SetOffline(d.devIDs[0], true)
		if r := e.Do(d.token, operate, map[string]any{"d": dev[0], "a": "UNLATCH"}); r.Code() != "INTERNAL" {
			t.Fatalf("offline device: %s", r.Body)
		}
		if after := read(acme.Token, dev[0]); *after.Node.LockState != "LOCKED" || *after.Node.LockStateReportedAt != *locked.Node.LockStateReportedAt {
			t.Errorf("a failed request reported %+v, before %+v", after.Node, locked.Node)
		}
	})
}
