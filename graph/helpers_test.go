package graph_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

const createUser = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id name email language origin } } }`

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
	var out struct {
		CreateUser struct{ User struct{ ID string } }
	}
	e.MustDo(token, createUser, map[string]any{"input": map[string]any{"name": name, "email": email}}, &out)
	return out.CreateUser.User.ID
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
// empty) and checks that it wrote nothing: every row of every table stays
// as it was.
func expectRejected(t *testing.T, e *testenv.Env, token, query string, vars map[string]any, code, field string) *testenv.Response {
	t.Helper()
	return expectRejectedWriting(t, e, nil, token, query, vars, code, field)
}

// writes is what a rejected call writes on purpose, by table: each
// function says whether what the call wrote to its table (possibly
// nothing) is what it should.
type writes map[string]func(testenv.Change) bool

// redeemRefused is what a refused invitation code writes on purpose, so
// that guessing is limited: one failed attempt of the test client's
// address, and that address's bucket, added or seen again.
var redeemRefused = writes{
	"redeem_failures": func(c testenv.Change) bool {
		return len(c.Added) == 1 && c.Removed == nil && c.Changed == nil && strings.Contains(c.Added[0], `addr="127.0.0.1"`)
	},
	"redeem_buckets": func(c testenv.Change) bool {
		rows := append(c.Added, c.Changed...)
		return c.Removed == nil && len(rows) <= 1 && (len(rows) == 0 || strings.HasPrefix(rows[0], `id="127.0.0.1"`))
	},
}

// expectRejectedWriting is expectRejected for a call that writes w on
// purpose; every other table must stay as it was.
func expectRejectedWriting(t *testing.T, e *testenv.Env, w writes, token, query string, vars map[string]any, code, field string) *testenv.Response {
	t.Helper()
	e = e.For(t)
	before := e.Tables()
	r := e.Do(token, query, vars)
	if r.Code() != code {
		t.Fatalf("code = %q, want %q; body %s", r.Code(), code, r.Body)
	}
	if field != "" && r.Field() != field {
		t.Errorf("field = %q, want %q; body %s", r.Field(), field, r.Body)
	}
	after := e.Tables()
	changes := before.Changes(after)
	for name, want := range w {
		if !want(changes[name]) {
			t.Errorf("a rejected call wrote to %s: %+v, not what it should", name, changes[name])
		}
		delete(before, name)
		delete(after, name)
	}
	if d := before.Diff(after); d != "" {
		t.Errorf("a rejected call wrote:\n%s", d)
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
