package graph_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestTimeInputs: every Time input (restrictions, checkAccess's at, where
// filters) refuses what is not an RFC 3339 instant between the years 1 and
// 9999 in UTC, as BAD_USER_INPUT naming the field, and writes nothing.
func TestTimeInputs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 2, "Europe/Berlin"))
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs[:1]}}, &g)
		perm := g.GrantPermission.Permissions[0].ID
		const update = `mutation($id: ID!, $input: UpdatePermissionInput!) { updatePermission(id: $id, input: $input) { permission { id } } }`
		const events = `query($w: AccessEventWhereInput) { accessEvents(where: $w) { totalCount } }`
		const users = `query($w: UserWhereInput) { users(where: $w) { totalCount } }`
		restr := func(r map[string]any) map[string]any {
			return map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs[1:], "restrictions": r}}
		}
		cases := []struct {
			name, query string
			vars        map[string]any
			field       string
		}{
			{"word", grant, restr(map[string]any{"validFrom": "tomorrow"}), "input.restrictions.validFrom"},
			{"month 13", grant, restr(map[string]any{"validFrom": "2026-13-01T00:00:00Z"}), "input.restrictions.validFrom"},
			{"empty", grant, restr(map[string]any{"validUntil": ""}), "input.restrictions.validUntil"},
			{"number", grant, restr(map[string]any{"validUntil": 1767225600}), "input.restrictions.validUntil"},
			{"year 10000 in UTC", grant, restr(map[string]any{"validFrom": "9999-12-31T23:59:59-23:59"}), "input.restrictions.validFrom"},
			{"zero instant", grant, restr(map[string]any{"validUntil": "0001-01-01T00:00:00Z"}), "input.restrictions.validUntil"},
			{"year 0 in UTC", grant, restr(map[string]any{"validFrom": "0001-01-01T00:30:00+01:00"}), "input.restrictions.validFrom"},
			{"update to year 10000", update, map[string]any{"id": perm, "input": map[string]any{"restrictions": map[string]any{"validUntil": "9999-12-31T23:00:00-01:00"}}}, "input.restrictions.validUntil"},
			{"checkAccess at year 1", checkAccess, map[string]any{"u": user, "d": devs[0], "at": "0001-01-01T00:00:00Z"}, "at"},
			{"checkAccess at month 13", checkAccess, map[string]any{"u": user, "d": devs[0], "at": "2026-13-01T00:00:00Z"}, "at"},
			{"where occurredAtGT", events, map[string]any{"w": map[string]any{"occurredAtGT": "tomorrow"}}, "where.occurredAtGT"},
			{"where createdAtIn", users, map[string]any{"w": map[string]any{"createdAtIn": []any{"2026-01-01T00:00:00Z", "10000-01-01T00:00:00Z"}}}, "where.createdAtIn[1]"},
			{"nested where", users, map[string]any{"w": map[string]any{"hasPermissionsWith": []any{map[string]any{"createdAtLT": "soon"}}}}, "where.hasPermissionsWith[0].createdAtLT"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, c.query, c.vars, "BAD_USER_INPUT", c.field)
			})
		}
		t.Run("last instant of 9999 in UTC", func(t *testing.T) {
			var d decision
			e.For(t).MustDo(acme.Token, checkAccess, map[string]any{"u": user, "d": devs[0], "at": "9999-12-31T23:59:59.999999999Z"}, &d)
			if d.CheckAccess.At != "9999-12-31T23:59:59.999999999Z" {
				t.Errorf("at = %q", d.CheckAccess.At)
			}
		})
		t.Run("answers in UTC", func(t *testing.T) {
			var d decision
			e.For(t).MustDo(acme.Token, checkAccess, map[string]any{"u": user, "d": devs[0], "at": "2026-03-01T08:00:00+01:00"}, &d)
			if d.CheckAccess.At != "2026-03-01T07:00:00Z" {
				t.Errorf("at = %q, want 2026-03-01T07:00:00Z", d.CheckAccess.At)
			}
		})
	})
}

// TestClientMistakesAreNotInternal: refused input is logged at INFO at
// most and never counted as an internal error.
func TestClientMistakesAreNotInternal(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var logs testenv.Buffer
		e := testenv.Start(t, db, testenv.WithLogger(observe.NewLogger(&logs, true, slog.LevelDebug)))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		for _, vars := range []map[string]any{
			{"u": user, "d": dev, "at": "tomorrow"},
			{"u": user, "d": dev, "at": "0001-01-01T00:00:00Z"},
			{"u": user + "\x00", "d": dev},
		} {
			if r := e.Do(acme.Token, checkAccess, vars); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%v: code %q, want BAD_USER_INPUT; body %s", vars, r.Code(), r.Body)
			}
		}
		res, err := http.Get(e.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), `latchkey_graphql_errors_total{code="BAD_USER_INPUT"} 3`) {
			t.Errorf("/metrics does not count 3 BAD_USER_INPUT errors:\n%s", body)
		}
		if strings.Contains(string(body), `latchkey_graphql_errors_total{code="INTERNAL"} `) && !strings.Contains(string(body), `latchkey_graphql_errors_total{code="INTERNAL"} 0`) {
			t.Errorf("/metrics counts internal errors")
		}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec struct{ Level string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %s", line)
			}
			if rec.Level != "INFO" && rec.Level != "DEBUG" {
				t.Errorf("logged above INFO: %s", line)
			}
		}
	})
}

// TestTimeFiltersIgnoreTheOffset: a filter on a stored instant finds the
// row however the client writes the instant. On SQLite the stored text and
// the argument are compared as text, so both must be in one UTC form; a
// row's createdAt comes from time.Now, with a monotonic clock reading that
// Go's String form (the driver's default) appends as "m=+0.01".
func TestTimeFiltersIgnoreTheOffset(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		// As stored: PostgreSQL keeps microseconds.
		var read struct {
			Users struct {
				Edges []struct{ Node struct{ CreatedAt time.Time } }
			}
		}
		e.MustDo(acme.Token, `{ users { edges { node { createdAt } } } }`, nil, &read)
		at := read.Users.Edges[0].Node.CreatedAt
		const users = `query($w: UserWhereInput) { users(where: $w) { totalCount } }`
		for _, c := range []struct {
			filter string
			at     time.Time
			want   int
		}{
			{"createdAt", at, 1},
			{"createdAtGTE", at, 1},
			{"createdAtLTE", at, 1},
			{"createdAtGT", at.Add(-time.Microsecond), 1},
			{"createdAtGT", at, 0},
			{"createdAtLT", at.Add(time.Microsecond), 1},
			{"createdAtLT", at, 0},
		} {
			for _, zone := range []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -3600)} {
				s := c.at.In(zone).Format(time.RFC3339Nano)
				var out struct{ Users struct{ TotalCount int } }
				e.MustDo(acme.Token, users, map[string]any{"w": map[string]any{c.filter: s}}, &out)
				if out.Users.TotalCount != c.want {
					t.Errorf("%s: %s: %d users, want %d", c.filter, s, out.Users.TotalCount, c.want)
				}
			}
		}
	})
}

// TestProductionRefusesIntrospection: production answers introspection
// with a validation error that says why, never INTERNAL; __typename works.
func TestProductionRefusesIntrospection(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithProduction())
		acme := e.Account("Acme")
		for _, q := range []string{
			`{ __schema { types { name } } }`,
			`{ __type(name: "User") { name } }`,
			`query { ...F } fragment F on Query { viewer { role } __schema { queryType { name } } }`,
		} {
			r := e.Do(acme.Token, q, nil)
			if r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "introspection is disabled") || r.Data != nil && string(r.Data) != "null" {
				t.Errorf("%s: %s", q, r.Body)
			}
		}
		e.MustDo(acme.Token, `{ __typename viewer { __typename role } }`, nil, nil)
	})
}

// TestTextInputs: names and other text people read refuse blanks, control
// characters (a CR LF would reach a mail header) and bidirectional
// formatting; no String or ID input takes a NUL, which PostgreSQL cannot
// store or compare. Each is BAD_USER_INPUT naming the field.
func TestTextInputs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 2, "UTC"))
		const updateUser = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } } }`
		const createDevice = `mutation($input: CreateDeviceInput!, $key: String) { createDevice(input: $input, idempotencyKey: $key) { device { id } } }`
		const updateDevice = `mutation($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { device { id } } }`
		const users = `query($w: UserWhereInput) { users(where: $w) { totalCount } }`
		newUserIn := func(name, email string) map[string]any {
			return map[string]any{"input": map[string]any{"name": name, "email": email}}
		}
		door := func(m map[string]any) map[string]any {
			in := map[string]any{"name": "Door", "timeZone": "UTC"}
			for k, v := range m {
				in[k] = v
			}
			return map[string]any{"input": in}
		}
		cases := []struct {
			name, query string
			vars        map[string]any
			field       string
		}{
			{"blank name", createUser, newUserIn("   ", "bob@example.com"), "input.name"},
			{"Unicode blank name", createUser, newUserIn("\u00a0\u3000", "bob@example.com"), "input.name"},
			{"CR LF in name", createUser, newUserIn("Eve\r\nBcc: all@example.com", "eve@example.com"), "input.name"},
			{"tab in name", createUser, newUserIn("Eve\tX", "eve@example.com"), "input.name"},
			{"line separator in name", createUser, newUserIn("Eve\u2028X", "eve@example.com"), "input.name"},
			{"right-to-left override in name", createUser, newUserIn("Eve\u202Egnp.exe", "eve@example.com"), "input.name"},
			{"isolate in name", createUser, newUserIn("\u2066Eve", "eve@example.com"), "input.name"},
			{"mark in name", createUser, newUserIn("Eve\u200F", "eve@example.com"), "input.name"},
			{"NUL in name", createUser, newUserIn("Eve\x00", "eve@example.com"), "input.name"},
			{"override in email", createUser, newUserIn("Eve", "eve\u202E@example.com"), "input.email"},
			{"NUL in email", createUser, newUserIn("Eve", "eve@example.com\x00"), "input.email"},
			{"update to LF name", updateUser, map[string]any{"id": user, "input": map[string]any{"name": "Ada\nX"}}, "input.name"},
			{"device name DEL", createDevice, door(map[string]any{"name": "Door\x7f"}), "input.name"},
			{"device name C1", createDevice, door(map[string]any{"name": "Door\u0085"}), "input.name"},
			{"blank vendor ID", createDevice, door(map[string]any{"vendorID": " "}), "input.vendorID"},
			{"override in vendor ID", createDevice, door(map[string]any{"vendorID": "\u202Dx"}), "input.vendorID"},
			{"update device name", updateDevice, map[string]any{"id": devs[0], "input": map[string]any{"name": "\u2067"}}, "input.name"},
			{"NUL in idempotency key", createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": "UTC"}, "key": "k\x00"}, "idempotencyKey"},
			{"NUL in time zone", createDevice, door(map[string]any{"timeZone": "UTC\x00"}), "input.timeZone"},
			{"NUL in a where filter", users, map[string]any{"w": map[string]any{"nameContains": "\x00"}}, "where.nameContains"},
			{"NUL in an ID", grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{devs[0], devs[1].(string) + "\x00"}}}, "input.deviceIDs[1]"},
			{"NUL in the user ID", grant, map[string]any{"input": map[string]any{"userID": "\x00", "deviceIDs": devs}}, "input.userID"},
			{"NUL in node ID", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "usr_\x00"}, "id"},
			{"NUL in a code", redeem, map[string]any{"code": "AAAA-\x00"}, "code"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, c.query, c.vars, "BAD_USER_INPUT", c.field)
			})
		}
		t.Run("accepted", func(t *testing.T) {
			for _, name := range []string{"Zoë O'Brien-Łukasiewicz", "محمد", "山田 太郎", " Ada "} {
				e.For(t).MustDo(acme.Token, createDevice, door(map[string]any{"name": name}), nil)
			}
		})
	})
}

// TestTimeZoneInputs: a device's zone is a canonical IANA zone; the other
// names the zone loader takes are refused, an old name with its
// canonical zone in the message.
func TestTimeZoneInputs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		const createDevice = `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { device { id timeZone } } }`
		const updateDevice = `mutation($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { device { id } } }`
		for _, z := range []string{"right/UTC", "posix/Europe/Berlin", "posixrules", "Factory", "Local", "localtime", "Etc/UTC", "US/Pacific"} {
			t.Run(z, func(t *testing.T) {
				r := expectRejected(t, e, acme.Token, createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": z}}, "BAD_USER_INPUT", "input.timeZone")
				if z == "US/Pacific" && !strings.Contains(r.Errors[0].Message, "America/Los_Angeles") {
					t.Errorf("the message does not name the canonical zone: %s", r.Body)
				}
				expectRejected(t, e, acme.Token, updateDevice, map[string]any{"id": dev, "input": map[string]any{"timeZone": z}}, "BAD_USER_INPUT", "input.timeZone")
			})
		}
		for _, z := range []string{"UTC", "Europe/Copenhagen", "America/Argentina/Buenos_Aires"} {
			var out struct {
				CreateDevice struct{ Device struct{ TimeZone string } }
			}
			e.MustDo(acme.Token, createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": z}}, &out)
			if out.CreateDevice.Device.TimeZone != z {
				t.Errorf("timeZone = %q, want %q", out.CreateDevice.Device.TimeZone, z)
			}
		}
	})
}

// TestIntegerIDs: GraphQL's ID takes an integer; none names a row here.
func TestIntegerIDs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		for _, q := range []string{
			`{ node(id: 42) { id } }`,
			`query($id: ID!) { node(id: $id) { id } }`,
		} {
			if r := e.Do(acme.Token, q, map[string]any{"id": 42}); r.Code() != "NOT_FOUND" {
				t.Errorf("%s: %s", q, r.Body)
			}
		}
		expectRejected(t, e, acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{7}}}, "NOT_FOUND", "input.deviceIDs[0]")
	})
}
