package graph_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestGrantValidation checks every rule of the grant input: the error code,
// the field it names, and that nothing was written.
func TestGrantValidation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		foreignUser := newUser(e, other.Token, "Eve", "eve@example.com")
		devs := e.Devices(acme, 3, "Europe/Berlin")
		foreignDev := e.Devices(other, 1, "UTC")[0]
		granted := e.Devices(acme, 1, "UTC")[0]
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{string(granted)}}}, nil)
		many := make([]pulid.ID, 501)
		for i := range many {
			many[i] = pulid.New("dev")
		}

		in := func(mod func(m map[string]any)) map[string]any {
			m := map[string]any{"userID": user, "deviceIDs": ids(devs)}
			mod(m)
			return map[string]any{"input": m}
		}
		restr := func(r map[string]any) func(map[string]any) {
			return func(m map[string]any) { m["restrictions"] = r }
		}
		cases := []struct {
			name        string
			vars        map[string]any
			code, field string
		}{
			{"no devices", in(func(m map[string]any) { m["deviceIDs"] = []any{} }), "BAD_USER_INPUT", "input.deviceIDs"},
			{"duplicate device", in(func(m map[string]any) { m["deviceIDs"] = ids(append(devs, devs[1])) }), "BAD_USER_INPUT", "input.deviceIDs[3]"},
			{"501 devices", in(func(m map[string]any) { m["deviceIDs"] = ids(many) }), "BAD_USER_INPUT", "input.deviceIDs"},
			{"unknown device", in(func(m map[string]any) { m["deviceIDs"] = ids(append(devs[:2:2], pulid.New("dev"))) }), "NOT_FOUND", "input.deviceIDs[2]"},
			{"foreign device", in(func(m map[string]any) { m["deviceIDs"] = ids(append(devs[:1:1], foreignDev)) }), "NOT_FOUND", "input.deviceIDs[1]"},
			{"malformed device ID", in(func(m map[string]any) { m["deviceIDs"] = []any{"42"} }), "NOT_FOUND", "input.deviceIDs[0]"},
			{"unknown user", in(func(m map[string]any) { m["userID"] = string(pulid.New("usr")) }), "NOT_FOUND", "input.userID"},
			{"foreign user", in(func(m map[string]any) { m["userID"] = foreignUser }), "NOT_FOUND", "input.userID"},
			{"already granted", in(func(m map[string]any) { m["deviceIDs"] = ids(append(devs[:2:2], granted)) }), "CONFLICT", "input.deviceIDs[2]"},
			{"validUntil before validFrom", in(restr(map[string]any{"validFrom": "2026-03-01T00:00:00Z", "validUntil": "2026-02-01T00:00:00Z"})), "BAD_USER_INPUT", "input.restrictions.validUntil"},
			{"validUntil equal to validFrom", in(restr(map[string]any{"validFrom": "2026-03-01T00:00:00Z", "validUntil": "2026-03-01T00:00:00Z"})), "BAD_USER_INPUT", "input.restrictions.validUntil"},
			{"malformed dailyFrom", in(restr(map[string]any{"dailyFrom": "7:00", "dailyUntil": "09:00"})), "BAD_USER_INPUT", "input.restrictions.dailyFrom"},
			{"dailyFrom 24:00", in(restr(map[string]any{"dailyFrom": "24:00", "dailyUntil": "09:00"})), "BAD_USER_INPUT", "input.restrictions.dailyFrom"},
			{"malformed dailyUntil", in(restr(map[string]any{"dailyFrom": "07:00", "dailyUntil": "25:00"})), "BAD_USER_INPUT", "input.restrictions.dailyUntil"},
			{"daily from equals until", in(restr(map[string]any{"dailyFrom": "07:00", "dailyUntil": "07:00"})), "BAD_USER_INPUT", "input.restrictions.dailyUntil"},
			{"dailyFrom alone", in(restr(map[string]any{"dailyFrom": "07:00"})), "BAD_USER_INPUT", "input.restrictions.dailyUntil"},
			{"dailyUntil alone", in(restr(map[string]any{"dailyUntil": "07:00"})), "BAD_USER_INPUT", "input.restrictions.dailyFrom"},
			{"empty weekdays", in(restr(map[string]any{"weekdays": []any{}})), "BAD_USER_INPUT", "input.restrictions.weekdays"},
			{"unknown weekday", in(restr(map[string]any{"weekdays": []any{"FUNDAY"}})), "GRAPHQL_VALIDATION_FAILED", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, grant, c.vars, c.code, c.field)
			})
		}
	})
}

// TestUserAndDeviceValidation covers the inputs of createUser, updateUser,
// createDevice and updateDevice.
func TestUserAndDeviceValidation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := string(e.Devices(acme, 1, "Europe/Berlin")[0])
		const updateUser = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } } }`
		const createDevice = `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { device { id } } }`
		const updateDevice = `mutation($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { device { id } } }`
		long := strings.Repeat("x", 201)
		cases := []struct {
			name, query string
			vars        map[string]any
			code, field string
		}{
			{"bad email", createUser, map[string]any{"input": map[string]any{"name": "Bob", "email": "bob@"}}, "BAD_USER_INPUT", "input.email"},
			{"display-name email", createUser, map[string]any{"input": map[string]any{"name": "Bob", "email": "Bob <bob@example.com>"}}, "BAD_USER_INPUT", "input.email"},
			{"email without domain dot", createUser, map[string]any{"input": map[string]any{"name": "Bob", "email": "bob@localhost"}}, "BAD_USER_INPUT", "input.email"},
			{"duplicate email ignoring case", createUser, map[string]any{"input": map[string]any{"name": "Ada 2", "email": "ADA@example.COM"}}, "CONFLICT", ""},
			{"empty name", createUser, map[string]any{"input": map[string]any{"name": "", "email": "bob@example.com"}}, "BAD_USER_INPUT", "input.name"},
			{"long name", createUser, map[string]any{"input": map[string]any{"name": long, "email": "bob@example.com"}}, "BAD_USER_INPUT", "input.name"},
			{"unknown language", createUser, map[string]any{"input": map[string]any{"name": "Bob", "email": "bob@example.com", "language": "PL"}}, "GRAPHQL_VALIDATION_FAILED", ""},
			{"update to bad email", updateUser, map[string]any{"id": user, "input": map[string]any{"email": "nope"}}, "BAD_USER_INPUT", "input.email"},
			{"update unknown user", updateUser, map[string]any{"id": string(pulid.New("usr")), "input": map[string]any{"name": "X"}}, "NOT_FOUND", ""},
			{"unknown time zone", createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": "Mars/Olympus"}}, "BAD_USER_INPUT", "input.timeZone"},
			{"Local is no zone", createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": "Local"}}, "BAD_USER_INPUT", "input.timeZone"},
			{"empty time zone", createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": ""}}, "BAD_USER_INPUT", "input.timeZone"},
			{"empty device name", createDevice, map[string]any{"input": map[string]any{"name": "", "timeZone": "UTC"}}, "BAD_USER_INPUT", "input.name"},
			{"update to bad zone", updateDevice, map[string]any{"id": dev, "input": map[string]any{"timeZone": "Europe/Nowhere"}}, "BAD_USER_INPUT", "input.timeZone"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, c.query, c.vars, c.code, c.field)
			})
		}
	})
}

// TestNamesCountCharacters: the 200 a name may have are characters, as
// PostgreSQL's varchar(200) counts them, not bytes: names of 200 letters
// of two and three bytes each are kept whole, for every kind of name, and
// 201 are refused as too long, writing nothing.
func TestNamesCountCharacters(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		two, three := strings.Repeat("č", 200), strings.Repeat("€", 200)
		acme := e.Account(three)
		var u struct {
			CreateUser struct{ User struct{ Name string } }
		}
		e.MustDo(acme.Token, createUser, map[string]any{"input": map[string]any{"name": two, "email": "ann@example.com"}}, &u)
		var d struct {
			CreateDevice struct {
				Device struct{ Name, VendorID string }
			}
		}
		e.MustDo(acme.Token, `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { device { name vendorID } } }`,
			map[string]any{"input": map[string]any{"name": three, "vendorID": two, "timeZone": "UTC"}}, &d)
		var tok struct {
			CreateAPIToken struct{ Token struct{ Name string } }
		}
		e.MustDo(acme.Token, `mutation($input: CreateAPITokenInput!) { createAPIToken(input: $input) { token { name } } }`,
			map[string]any{"input": map[string]any{"name": two, "role": "VIEWER"}}, &tok)
		var adm struct {
			InviteAdmin struct{ Admin struct{ Name string } }
		}
		e.MustDo(acme.Token, inviteAdmin, map[string]any{"input": map[string]any{"name": three, "email": "bo@example.com", "role": "ADMIN"}}, &adm)
		var acc struct {
			Viewer struct{ Account struct{ Name string } }
		}
		e.MustDo(acme.Token, `{ viewer { account { name } } }`, nil, &acc)
		for _, c := range []struct{ what, got, want string }{
			{"user", u.CreateUser.User.Name, two},
			{"device", d.CreateDevice.Device.Name, three},
			{"vendorID", d.CreateDevice.Device.VendorID, two},
			{"token", tok.CreateAPIToken.Token.Name, two},
			{"admin", adm.InviteAdmin.Admin.Name, three},
			{"account", acc.Viewer.Account.Name, three},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %d characters, want the %d sent", c.what, len([]rune(c.got)), len([]rune(c.want)))
			}
		}
		r := expectRejected(t, e, acme.Token, createUser, map[string]any{"input": map[string]any{"name": two + "č", "email": "bo@example.com"}}, "BAD_USER_INPUT", "input.name")
		if msg := r.Errors[0].Message; msg != "input.name: is too long" {
			t.Errorf("201 characters: %q, want %q", msg, "input.name: is too long")
		}
	})
}

// TestUpdatePermissionValidation checks that a rejected update, including
// one that is only invalid together with the stored values, leaves the
// permission as it was.
func TestUpdatePermissionValidation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{
			"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC")),
			"restrictions": map[string]any{"validFrom": "2026-01-01T00:00:00Z", "dailyFrom": "08:00", "dailyUntil": "17:00"},
		}}, &g)
		id := g.GrantPermission.Permissions[0].ID
		const update = `mutation($id: ID!, $input: UpdatePermissionInput!) { updatePermission(id: $id, input: $input) { permission { id } } }`
		cases := []struct {
			name        string
			input       map[string]any
			code, field string
		}{
			{"validUntil before stored validFrom", map[string]any{"restrictions": map[string]any{"validUntil": "2025-12-31T00:00:00Z"}}, "BAD_USER_INPUT", "input.restrictions.validUntil"},
			{"dailyUntil equal to stored dailyFrom", map[string]any{"restrictions": map[string]any{"dailyUntil": "08:00"}}, "BAD_USER_INPUT", "input.restrictions.dailyUntil"},
			{"clearing only dailyFrom", map[string]any{"restrictions": map[string]any{"dailyFrom": nil}}, "BAD_USER_INPUT", "input.restrictions.dailyFrom"},
			{"empty weekdays", map[string]any{"restrictions": map[string]any{"weekdays": []any{}}}, "BAD_USER_INPUT", "input.restrictions.weekdays"},
			{"malformed time", map[string]any{"restrictions": map[string]any{"dailyFrom": "8am"}}, "BAD_USER_INPUT", "input.restrictions.dailyFrom"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, update, map[string]any{"id": id, "input": c.input}, c.code, c.field)
			})
		}
		t.Run("unknown permission", func(t *testing.T) {
			expectRejected(t, e, acme.Token, update, map[string]any{"id": string(pulid.New("prm")), "input": map[string]any{"enabled": false}}, "NOT_FOUND", "")
		})
	})
}
