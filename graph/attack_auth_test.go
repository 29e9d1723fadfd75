package graph_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestForwardedOpenQuote: a client behind a trusted proxy that appends its
// hop to the client's Forwarded line cannot swallow that hop with a quote
// it leaves open, and so cannot charge its failures to someone else's
// address and lock that address out.
func TestForwardedOpenQuote(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.1"),
			func(c *app.Config) { c.ForwardedHeader = "Forwarded" })
		// What the proxy passes on: the client's own line, then ", for=" and
		// the address the connection came from.
		fwd := func(written, peer string) http.Header {
			return http.Header{"Forwarded": {written + ", for=" + peer}}
		}
		for i := range 10 {
			r := e.DoWith(fwd(`for=192.0.2.66;by="`, "203.0.113.5"), "", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0006-%04d", i)})
			if r.Code() != "INVITATION_INVALID" {
				t.Fatalf("guess %d: %s", i, r.Body)
			}
		}
		if r := e.DoWith(http.Header{"Forwarded": {"for=192.0.2.66"}}, "", redeem, map[string]any{"code": code}); len(r.Errors) > 0 {
			t.Errorf("the address the guesser named is held up: %s", r.Body)
		}
		if r := e.DoWith(http.Header{"Forwarded": {"for=203.0.113.5"}}, "", redeem, map[string]any{"code": "0000-0000-0006-9999"}); r.Code() != "RATE_LIMITED" {
			t.Errorf("the guesser's own address is not limited: %s", r.Body)
		}
	})
}

// TestForwardedForQuote: X-Forwarded-For has no quoted strings; a quote
// in what the client wrote does not hide the hop the proxy appended, so
// the client's failures count against its own address.
func TestForwardedForQuote(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.1"))
		fail10(t, e, func(i int) string { return fmt.Sprintf(`192.0.2.%d, "x, 203.0.113.5`, i) })
		if r := redeemFrom(e, "203.0.113.5", code); r.Code() != "RATE_LIMITED" {
			t.Errorf("the guesser's own address is not limited: %s", r.Body)
		}
	})
}

// TestInvisibleNames: a name made only of characters that show as nothing
// (zero-width space, byte order mark, word joiner, Hangul filler,
// variation selector) is blank, through every input that takes a name;
// such characters within a visible name stay allowed.
func TestInvisibleNames(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		const updateUser = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } } }`
		const createDevice = `mutation($input: CreateDeviceInput!) { createDevice(input: $input) { device { id } } }`
		const updateDevice = `mutation($id: ID!, $input: UpdateDeviceInput!) { updateDevice(id: $id, input: $input) { device { id } } }`
		for _, name := range []string{"\u200b\u200b", "\ufeff", " \u2060 ", "\u3164", "\ufe0f"} {
			t.Run(fmt.Sprintf("%+q", name), func(t *testing.T) {
				expectRejected(t, e, acme.Token, createUser, map[string]any{"input": map[string]any{"name": name, "email": "eve@example.com"}}, "BAD_USER_INPUT", "input.name")
				expectRejected(t, e, acme.Token, updateUser, map[string]any{"id": user, "input": map[string]any{"name": name}}, "BAD_USER_INPUT", "input.name")
				expectRejected(t, e, acme.Token, createDevice, map[string]any{"input": map[string]any{"name": name, "timeZone": "UTC"}}, "BAD_USER_INPUT", "input.name")
				expectRejected(t, e, acme.Token, updateDevice, map[string]any{"id": dev, "input": map[string]any{"name": name}}, "BAD_USER_INPUT", "input.name")
				expectRejected(t, e, acme.Token, createDevice, map[string]any{"input": map[string]any{"name": "Door", "timeZone": "UTC", "vendorID": name}}, "BAD_USER_INPUT", "input.vendorID")
			})
		}
		// A joiner within an emoji and a Persian name is part of the text.
		e.MustDo(acme.Token, createDevice, map[string]any{"input": map[string]any{"name": "Door \U0001F469\u200d\U0001F527", "timeZone": "UTC"}}, nil)
		e.MustDo(acme.Token, createUser, map[string]any{"input": map[string]any{"name": "می\u200cخواهم", "email": "mina@example.com"}}, nil)
	})
}

// TestFirstSecondOfYearOne: restrictions keep whole seconds and the zero
// instant means "none", so an instant within the first second of year 1
// is refused: cut to the zero instant, a validUntil there would never end.
func TestFirstSecondOfYearOne(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 2, "UTC"))
		var out struct {
			GrantPermission struct{ Permissions []struct{ ID string } }
		}
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs[1:]}}, &out)
		const at = "0001-01-01T00:00:00.5Z"
		restr := map[string]any{"validUntil": at}
		expectRejected(t, e, acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs[:1], "restrictions": restr}}, "BAD_USER_INPUT", "input.restrictions.validUntil")
		expectRejected(t, e, acme.Token, `mutation($id: ID!, $input: UpdatePermissionInput!) { updatePermission(id: $id, input: $input) { permission { id } } }`,
			map[string]any{"id": out.GrantPermission.Permissions[0].ID, "input": map[string]any{"restrictions": restr}}, "BAD_USER_INPUT", "input.restrictions.validUntil")
		expectRejected(t, e, acme.Token, `query($w: UserWhereInput) { users(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"createdAtGT": at}}, "BAD_USER_INPUT", "where.createdAtGT")
		var ok struct {
			GrantPermission struct {
				Permissions []struct{ Restrictions struct{ ValidUntil string } }
			}
		}
		e.MustDo(acme.Token, `mutation($input: GrantPermissionInput!) { grantPermission(input: $input) { permissions { restrictions { validUntil } } } }`,
			map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs[:1], "restrictions": map[string]any{"validUntil": "0001-01-01T00:00:01Z"}}}, &ok)
		if got := ok.GrantPermission.Permissions[0].Restrictions.ValidUntil; got != "0001-01-01T00:00:01Z" {
			t.Errorf("validUntil at the first whole second: %q", got)
		}
	})
}
