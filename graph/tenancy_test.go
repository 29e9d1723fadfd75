package graph_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestTenantIsolation checks that one account never sees or changes another
// account's rows, and that a foreign ID answers exactly like a missing one.
func TestTenantIsolation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")

		// Other has a user with a permission on one of its devices.
		eve := newUser(e, other.Token, "Eve", "eve@example.com")
		otherDev := e.Devices(other, 1, "UTC")
		var og grantResult
		e.MustDo(other.Token, grant, map[string]any{"input": map[string]any{"userID": eve, "deviceIDs": ids(otherDev)}}, &og)
		foreign := map[string]string{
			"user":       eve,
			"device":     string(otherDev[0]),
			"permission": og.GrantPermission.Permissions[0].ID,
			"invitation": og.GrantPermission.Invitation.ID,
			"account":    string(other.ID),
			"admin":      string(newAdmin(e, other, "Eve", "eve@example.com", enum.AdminOwner, "").ID),
			"auditEvent": string(e.App.Client.AuditEvent.Query().Where(auditevent.AccountID(other.ID)).FirstIDX(auth.SystemContext(context.Background()))),
		}
		var tokens struct {
			APITokens struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e.MustDo(other.Token, `{ apiTokens(first: 1) { edges { node { id } } } }`, nil, &tokens)
		foreign["token"] = tokens.APITokens.Edges[0].Node.ID
		// Acme has its own user, granted one of its own devices.
		ada := newUser(e, acme.Token, "Ada", "ada@example.com")
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, nil)

		const node = `query($id: ID!) { node(id: $id) { id } }`
		for kind, id := range foreign {
			t.Run("node "+kind, func(t *testing.T) {
				r := e.Do(acme.Token, node, map[string]any{"id": id})
				missing := e.Do(acme.Token, node, map[string]any{"id": string(pulid.New(pulid.ID(id).Prefix()))})
				if r.Code() != "NOT_FOUND" || missing.Code() != "NOT_FOUND" {
					t.Fatalf("foreign %s: %s; missing: %s", kind, r.Body, missing.Body)
				}
				// Same shape and message, with only the ID differing.
				if normalizeID(r.Body, id) != normalizeID(missing.Body, "") {
					t.Errorf("foreign and missing IDs answer differently:\n%s\n%s", r.Body, missing.Body)
				}
				// The owner can read it, so the ID is real.
				if own := e.Do(other.Token, node, map[string]any{"id": id}); own.Code() != "" {
					t.Errorf("owner cannot read its %s: %s", kind, own.Body)
				}
			})
		}

		t.Run("nodes", func(t *testing.T) {
			r := e.Do(acme.Token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{ada, eve, foreign["device"]}})
			var out struct{ Nodes []*struct{ ID string } }
			_ = json.Unmarshal(r.Data, &out)
			if len(out.Nodes) != 3 || out.Nodes[0] == nil || out.Nodes[0].ID != ada || out.Nodes[1] != nil || out.Nodes[2] != nil {
				t.Errorf("nodes: %s", r.Body)
			}
			if len(r.Errors) != 2 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
				t.Errorf("nodes errors: %s", r.Body)
			}
		})

		t.Run("connections and nested edges", func(t *testing.T) {
			var out struct {
				Users       struct{ TotalCount int }
				Devices     struct{ TotalCount int }
				Permissions struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							User, Device struct{ ID string }
						}
					}
				}
				Invitations struct{ TotalCount int }
			}
			e.MustDo(acme.Token, `{ users { totalCount } devices { totalCount } invitations { totalCount }
				permissions { totalCount edges { node { user { id } device { id } } } } }`, nil, &out)
			if out.Users.TotalCount != 1 || out.Devices.TotalCount != 1 || out.Permissions.TotalCount != 1 || out.Invitations.TotalCount != 1 {
				t.Errorf("acme sees foreign rows: %+v", out)
			}
			for _, edge := range out.Permissions.Edges {
				if edge.Node.User.ID != ada {
					t.Errorf("nested user %s", edge.Node.User.ID)
				}
			}
			var viewer struct {
				Viewer struct{ Account struct{ ID string } }
			}
			e.MustDo(acme.Token, `{ viewer { account { id } } }`, nil, &viewer)
			if viewer.Viewer.Account.ID != string(acme.ID) {
				t.Errorf("viewer account %s", viewer.Viewer.Account.ID)
			}
		})

		t.Run("writes to foreign rows", func(t *testing.T) {
			cases := []struct {
				name, query string
				vars        map[string]any
			}{
				{"grant foreign user", grant, map[string]any{"input": map[string]any{"userID": eve, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}},
				{"grant foreign device", grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": []any{foreign["device"]}}}},
				{"update foreign permission", `mutation($id: ID!) { updatePermission(id: $id, input: {enabled: false}) { permission { id } } }`, map[string]any{"id": foreign["permission"]}},
				{"revoke foreign permission", `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": foreign["permission"]}},
				{"update foreign user", `mutation($id: ID!) { updateUser(id: $id, input: {name: "Mallory"}) { user { id } } }`, map[string]any{"id": eve}},
				{"delete foreign user", `mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": eve}},
				{"update foreign device", `mutation($id: ID!) { updateDevice(id: $id, input: {name: "Mine"}) { device { id } } }`, map[string]any{"id": foreign["device"]}},
				{"delete foreign device", `mutation($id: ID!) { deleteDevice(id: $id) { deletedID } }`, map[string]any{"id": foreign["device"]}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					expectRejected(t, e, acme.Token, c.query, c.vars, "NOT_FOUND", "")
				})
			}
		})
	})
}

// budgetLeft is the budget an answer reports left, which differs from
// one request to the next.
var budgetLeft = regexp.MustCompile(`"currentlyAvailable":\d+`)

// normalizeID blanks an ID in a body so two answers can be compared.
func normalizeID(body []byte, id string) string {
	s := budgetLeft.ReplaceAllString(string(body), `"currentlyAvailable":N`)
	if id != "" {
		s = strings.ReplaceAll(s, id, "ID")
	}
	for _, p := range []string{"usr_", "dev_", "prm_", "inv_", "acc_", "tok_", "adm_", "aud_"} {
		for i := strings.Index(s, p); i >= 0; i = strings.Index(s, p) {
			s = s[:i] + "ID" + s[i+len(p)+26:]
		}
	}
	return s
}

// TestAuthentication: no token, a wrong token and a malformed header.
func TestAuthentication(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		e.Account("Acme")
		for _, q := range []string{`{ viewer { role } }`, `{ users { totalCount } }`, `mutation { createUser(input: {name: "A", email: "a@example.com"}) { user { id } } }`} {
			if r := e.Do("", q, nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("no token, %s: %s", q, r.Body)
			}
			if r := e.Do("lk_wrong", q, nil); r.Code() != "UNAUTHENTICATED" || r.Status != 401 {
				t.Errorf("wrong token, %s: %d %s", q, r.Status, r.Body)
			}
		}
		if n := e.Counts(); n.Users != 0 {
			t.Errorf("unauthenticated call wrote %d users", n.Users)
		}
	})
}
