package graph_test

import (
	"slices"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestEveryInputErrorAtOnce: a call with several invalid fields answers one
// BAD_USER_INPUT error per field, each naming it, in order, and writes
// nothing.
func TestEveryInputErrorAtOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": dev}}, &g)
		perm := g.GrantPermission.Permissions[0].ID

		const (
			updateUser       = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } } }`
			createDevice     = `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { device { id } } }`
			updateDevice     = `mutation($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { device { id } } }`
			updatePermission = `mutation($id: ID!, $input: UpdatePermissionInput!) { updatePermission(id: $id, input: $input) { permission { id } } }`
		)
		for _, c := range []struct {
			name, query string
			vars        map[string]any
			fields      []string
		}{
			{"createUser", createUser, map[string]any{"input": map[string]any{"name": "", "email": "bob@"}},
				[]string{"input.name", "input.email"}},
			{"updateUser", updateUser, map[string]any{"id": user, "input": map[string]any{"name": "Ada\n", "email": "nope"}},
				[]string{"input.name", "input.email"}},
			{"createDevice", createDevice, map[string]any{"input": map[string]any{"name": "", "timeZone": "Mars/Olympus", "vendorID": " "}},
				[]string{"input.name", "input.timeZone", "input.vendorID"}},
			{"updateDevice", updateDevice, map[string]any{"id": dev[0], "input": map[string]any{"name": "\u202e", "timeZone": "Local"}},
				[]string{"input.name", "input.timeZone"}},
			{"grantPermission", grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{dev[0], dev[0], dev[0]},
				"restrictions": map[string]any{"weekdays": []any{}, "validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z",
					"dailyFrom": "25:00", "dailyUntil": "7"}}},
				[]string{"input.deviceIDs[1]", "input.deviceIDs[2]", "input.restrictions.weekdays", "input.restrictions.validUntil",
					"input.restrictions.dailyFrom", "input.restrictions.dailyUntil"}},
			{"updatePermission", updatePermission, map[string]any{"id": perm, "input": map[string]any{"restrictions": map[string]any{
				"weekdays": []any{}, "dailyFrom": "07:00"}}},
				[]string{"input.restrictions.weekdays", "input.restrictions.dailyUntil"}},
			{"inviteAdmin", inviteAdmin, map[string]any{"input": map[string]any{"name": "", "email": "grace@", "role": "ADMIN"}},
				[]string{"input.name", "input.email"}},
			{"createAPIToken", `mutation($input: CreateAPITokenInput!) { createAPIToken(input: $input) { secret } }`,
				map[string]any{"input": map[string]any{"name": " ", "role": "VIEWER", "expiresAt": "2001-01-01T00:00:00Z"}},
				[]string{"input.name", "input.expiresAt"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := expectRejected(t, e, acme.Token, c.query, c.vars, "BAD_USER_INPUT", c.fields[0])
				var fields []string
				for _, err := range r.Errors {
					if err.Extensions["code"] != "BAD_USER_INPUT" || len(err.Path) != 1 || err.Path[0] != c.name {
						t.Errorf("error %+v, want BAD_USER_INPUT at %s", err, c.name)
					}
					f, _ := err.Extensions["field"].(string)
					fields = append(fields, f)
				}
				if !slices.Equal(fields, c.fields) {
					t.Errorf("fields = %q, want %q; body %s", fields, c.fields, r.Body)
				}
			})
		}
		// A unique rule names its field.
		expectRejected(t, e, acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada 2", "email": "ADA@example.com"}}, "CONFLICT", "input.email")
	})
}
