package graph_test

import (
	"testing"

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
