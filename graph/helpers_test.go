package graph_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

const createUser = `mutation($input: CreateUserInput!) { createUser(input: $input) { id name email language origin } }`

const grant = `mutation($input: GrantPermissionInput!) {
  grantPermission(input: $input) {
    permissions { id status remoteAllowed enabled device { id name } restrictions { validFrom validUntil weekdays dailyFrom dailyUntil } }
    invitation { id status language expiresAt }
  }
}`

type grantResult struct {
	GrantPermission struct {
		Permissions []struct {
			ID            string
			Status        string
			RemoteAllowed bool
			Enabled       bool
			Device        struct{ ID, Name string }
			Restrictions  restrictions
		}
		Invitation struct {
			ID, Status, Language, ExpiresAt string
		}
	}
}

type restrictions struct {
	ValidFrom, ValidUntil *string
	Weekdays              []string
	DailyFrom, DailyUntil *string
}

// newUser creates a user through the API and returns its ID.
func newUser(e *testenv.Env, token, name, email string) string {
	e.T.Helper()
	var out struct{ CreateUser struct{ ID string } }
	e.MustDo(token, createUser, map[string]any{"input": map[string]any{"name": name, "email": email}}, &out)
	return out.CreateUser.ID
}

// ids converts IDs for use as GraphQL variables.
func ids(list []pulid.ID) []any {
	out := make([]any, len(list))
	for i, id := range list {
		out[i] = string(id)
	}
	return out
}

// expectRejected runs a call that must fail with code (and field, if not
// empty) and checks that it wrote nothing.
func expectRejected(t *testing.T, e *testenv.Env, token, query string, vars map[string]any, code, field string) *testenv.Response {
	t.Helper()
	e = e.For(t)
	before, snap := e.Counts(), e.Snapshot()
	r := e.Do(token, query, vars)
	if r.Code() != code {
		t.Fatalf("code = %q, want %q; body %s", r.Code(), code, r.Body)
	}
	if field != "" && r.Field() != field {
		t.Errorf("field = %q, want %q; body %s", r.Field(), field, r.Body)
	}
	if after := e.Counts(); after != before {
		t.Errorf("rows changed by a rejected call: %+v -> %+v", before, after)
	}
	if e.Snapshot() != snap {
		t.Errorf("rows were modified by a rejected call")
	}
	return r
}

// many returns a list of n items made by item.
func many(n int, item func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = item(i)
	}
	return out
}

func asID(s string) pulid.ID { return pulid.ID(s) }

// grantCode grants the devices to the user with delivery NONE and returns
// the invitation code; in may add more grant input fields.
func grantCode(e *testenv.Env, token, user string, devices []any, in map[string]any) string {
	e.T.Helper()
	input := map[string]any{"userID": user, "deviceIDs": devices, "delivery": "NONE"}
	for k, v := range in {
		input[k] = v
	}
	var out struct{ GrantPermission struct{ Code string } }
	e.MustDo(token, `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { code } }`, map[string]any{"in": input}, &out)
	return out.GrantPermission.Code
}
