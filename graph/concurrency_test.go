package graph_test

// Races between writers, run as parallel loops on both databases: every
// call answers as if the calls had run one after another (no NOT_FOUND for
// a row that exists, no INTERNAL for a deadlock), and the rows they leave
// agree with the answers.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

// parallel runs f(0) … f(n-1) at once and returns their responses.
func parallel(n int, f func(i int) *testenv.Response) []*testenv.Response {
	out := make([]*testenv.Response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// grantWithCode grants with delivery NONE and returns the code, the
// invitation and the permissions, or the error code of a refused grant.
const grantWithCode = `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { code invitation { id } permissions { id device { id } } } }`

type granted struct {
	GrantPermission struct {
		Code        string
		Invitation  struct{ ID string }
		Permissions []struct {
			ID     string
			Device struct{ ID string }
		}
	}
}

func decode(t *testing.T, r *testenv.Response, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// TestConcurrentVersionedUpdates: 40 updates of one row at once, all based
// on the same version: exactly one is saved, every other answers CONFLICT
// on version (never NOT_FOUND or INTERNAL), for permissions, users and
// devices alike.
func TestConcurrentVersionedUpdates(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{dev}}}, &g)
		perm := g.GrantPermission.Permissions[0].ID

		kinds := []struct {
			name, id, update string
			input            func(round, i int) map[string]any
		}{
			{"updatePermission", perm, `mutation($id: ID!, $v: Int, $in: UpdatePermissionInput!) { u: updatePermission(id: $id, input: $in, version: $v) { n: permission { version } } }`,
				func(round, _ int) map[string]any { return map[string]any{"enabled": round%2 == 1} }},
			{"updateUser", user, `mutation($id: ID!, $v: Int, $in: UpdateUserInput!) { u: updateUser(id: $id, input: $in, version: $v) { n: user { version } } }`,
				func(round, i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Ada %d.%d", round, i)} }},
			{"updateDevice", dev.(string), `mutation($id: ID!, $v: Int, $in: UpdateDeviceInput!) { u: updateDevice(id: $id, input: $in, version: $v) { n: device { version } } }`,
				func(round, i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Door %d.%d", round, i)} }},
		}
		const callers = 40
		for round := range 3 {
			for _, k := range kinds {
				version := round + 1
				rs := parallel(callers, func(i int) *testenv.Response {
					return e.Do(acme.Token, k.update, map[string]any{"id": k.id, "v": version, "in": k.input(round, i)})
				})
				saved := 0
				for _, r := range rs {
					switch {
					case r.Code() == "":
						saved++
						var out struct {
							U struct{ N struct{ Version int } }
						}
						decode(t, r, &out)
						if out.U.N.Version != version+1 {
							t.Errorf("%s round %d: saved at version %d, want %d", k.name, round, out.U.N.Version, version+1)
						}
					case r.Code() != "CONFLICT" || r.Field() != "version":
						t.Errorf("%s round %d: %s", k.name, round, r.Body)
					}
				}
				if saved != 1 {
					t.Errorf("%s round %d: %d of %d updates saved, want 1", k.name, round, saved, callers)
				}
			}
		}
	})
}

// grantNewUsers creates n users (emails <prefix>.<i>@example.com) and
// grants each devs, with the code in the answer.
func grantNewUsers(e *testenv.Env, acme testenv.Account, devs []any, n int, prefix string) []granted {
	grants := make([]granted, n)
	for i := range grants {
		u := newUser(e, acme.Token, "U", fmt.Sprintf("%s.%d@example.com", prefix, i))
		e.MustDo(acme.Token, grantWithCode, map[string]any{"in": map[string]any{"userID": u, "deviceIDs": devs, "delivery": "NONE"}}, &grants[i])
	}
	return grants
}

// TestRevokeWhileRedeeming: revoking both permissions of an invitation
// while its code is redeemed. No call fails for the race: either the
// redemption came first (the invitation is REDEEMED, the token got the
// permissions not revoked yet, and they are revoked now), or the
// revocations did (the invitation is REVOKED and the code INVITATION_INVALID).
func TestRevokeWhileRedeeming(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 2, "UTC"))
		sys := auth.SystemContext(context.Background())
		c := e.App.Client
		const revoke = `mutation($id: ID!) { revokePermission(id: $id) { permission { status } } }`
		const users = 8 // per round: fewer failed codes than the redemption limit allows
		for round := range 4 {
			grants := grantNewUsers(e, acme, devs, users, fmt.Sprintf("u%d", round))
			// Per user: call 0 redeems, calls 1 and 2 revoke one permission each.
			rs := parallel(3*users, func(j int) *testenv.Response {
				g := grants[j/3].GrantPermission
				if j%3 == 0 {
					return e.Do("", redeem, map[string]any{"code": g.Code})
				}
				return e.Do(acme.Token, revoke, map[string]any{"id": g.Permissions[j%3-1].ID})
			})
			for i, g := range grants {
				red, rev1, rev2 := rs[3*i], rs[3*i+1], rs[3*i+2]
				if rev1.Code() != "" || rev2.Code() != "" {
					t.Errorf("round %d user %d: revoke answered %s / %s", round, i, rev1.Body, rev2.Body)
				}
				inv, err := c.Invitation.Get(sys, asID(g.GrantPermission.Invitation.ID))
				if err != nil {
					t.Fatal(err)
				}
				live, err := c.Permission.Query().Where(permission.InvitationID(inv.ID), permission.StatusNEQ(enum.PermissionRevoked)).Count(sys)
				if err != nil {
					t.Fatal(err)
				}
				if live != 0 {
					t.Errorf("round %d user %d: %d permissions not revoked", round, i, live)
				}
				switch red.Code() {
				case "":
					var out redeemed
					decode(t, red, &out)
					if inv.Status != enum.InvitationRedeemed || out.RedeemInvitation.Token == "" || len(out.RedeemInvitation.Permissions) == 0 {
						t.Errorf("round %d user %d: redeemed, but invitation %s and answer %s", round, i, inv.Status, red.Body)
					}
				case "INVITATION_INVALID":
					if inv.Status != enum.InvitationRevoked {
						t.Errorf("round %d user %d: code refused, but invitation %s", round, i, inv.Status)
					}
				default:
					t.Errorf("round %d user %d: redeem answered %s", round, i, red.Body)
				}
			}
			e.Advance(2 * time.Minute)
		}
	})
}

// TestResendWhileRedeeming: a resend racing the redemption of the same
// invitation. Either the code is redeemed and the resend is refused
// (CONFLICT), or the resend wins and the old code is refused: never a new
// code for an invitation that is already redeemed.
func TestResendWhileRedeeming(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 1, "UTC"))
		sys := auth.SystemContext(context.Background())
		const resend = `mutation($id: ID!) { resendInvitation(id: $id, delivery: NONE) { code } }`
		const users = 8 // per round: fewer failed codes than the redemption limit allows
		for round := range 4 {
			grants := grantNewUsers(e, acme, devs, users, fmt.Sprintf("r%d", round))
			rs := parallel(2*users, func(j int) *testenv.Response {
				g := grants[j/2].GrantPermission
				if j%2 == 0 {
					return e.Do("", redeem, map[string]any{"code": g.Code})
				}
				return e.Do(acme.Token, resend, map[string]any{"id": g.Invitation.ID})
			})
			for i, g := range grants {
				red, res := rs[2*i], rs[2*i+1]
				inv, err := e.App.Client.Invitation.Get(sys, asID(g.GrantPermission.Invitation.ID))
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case red.Code() == "" && res.Code() == "CONFLICT" && inv.Status == enum.InvitationRedeemed:
				case red.Code() == "INVITATION_INVALID" && res.Code() == "" && inv.Status == enum.InvitationPending:
				default:
					t.Errorf("round %d user %d: redeem %s, resend %s, invitation %s", round, i, red.Body, res.Body, inv.Status)
				}
			}
			e.Advance(2 * time.Minute)
		}
	})
}

// TestDeleteDeviceWhileGranting: grants of devices that are being deleted.
// A grant either fails NOT_FOUND, or succeeds and its permissions on the
// deleted devices go with them; an invitation left with no permission is
// revoked, its code refused, and no code gives a token without permissions.
func TestDeleteDeviceWhileGranting(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		sys := auth.SystemContext(context.Background())
		c := e.App.Client
		const deleteDevice = `mutation($id: ID!) { deleteDevice(id: $id) { deletedID } }`
		const users, doomed = 16, 4
		for round := range 3 {
			devs := ids(e.Devices(acme, doomed+1, "UTC"))
			kept := devs[doomed]
			userIDs := make([]string, users)
			for i := range userIDs {
				userIDs[i] = newUser(e, acme.Token, "U", fmt.Sprintf("u%d.%d@example.com", round, i))
			}
			// Grant i covers one doomed device, and the kept one if i is odd.
			deviceIDs := func(i int) []any {
				if i%2 == 1 {
					return []any{devs[i%doomed], kept}
				}
				return []any{devs[i%doomed]}
			}
			rs := parallel(users+doomed, func(j int) *testenv.Response {
				if j >= users {
					return e.Do(acme.Token, deleteDevice, map[string]any{"id": devs[j-users]})
				}
				return e.Do(acme.Token, grantWithCode, map[string]any{"in": map[string]any{"userID": userIDs[j], "deviceIDs": deviceIDs(j), "delivery": "NONE"}})
			})
			for _, r := range rs[users:] {
				if r.Code() != "" {
					t.Errorf("round %d: deleteDevice answered %s", round, r.Body)
				}
			}
			if n, err := c.Invitation.Query().Where(
				invitation.StatusEQ(enum.InvitationPending),
				invitation.Not(invitation.HasPermissionsWith(permission.StatusNEQ(enum.PermissionRevoked))),
			).Count(sys); err != nil || n != 0 {
				t.Errorf("round %d: %d pending invitations cover no permission (%v)", round, n, err)
			}
			for i, r := range rs[:users] {
				switch r.Code() {
				case "NOT_FOUND":
					continue
				case "":
				default:
					t.Errorf("round %d grant %d: %s", round, i, r.Body)
					continue
				}
				var g granted
				decode(t, r, &g)
				for _, p := range g.GrantPermission.Permissions {
					_, err := c.Permission.Get(sys, asID(p.ID))
					if gone := ent.IsNotFound(err); gone != (p.Device.ID != kept) {
						t.Errorf("round %d grant %d: permission on %s gone = %v (%v)", round, i, p.Device.ID, gone, err)
					}
				}
				red := e.Do("", redeem, map[string]any{"code": g.GrantPermission.Code})
				var out redeemed
				decode(t, red, &out)
				switch {
				case i%2 == 1 && (red.Code() != "" || len(out.RedeemInvitation.Permissions) != 1):
					t.Errorf("round %d grant %d of the kept device: redeem answered %s", round, i, red.Body)
				case i%2 == 0 && red.Code() != "INVITATION_INVALID":
					t.Errorf("round %d grant %d of a deleted device only: redeem answered %s", round, i, red.Body)
				}
			}
			e.Advance(2 * time.Minute)
		}
	})
}
