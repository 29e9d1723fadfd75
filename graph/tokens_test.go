package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

const createToken = `mutation($in: CreateAPITokenInput!) {
  createAPIToken(input: $in) { secret clientMutationId token { id name kind role expiresAt lastUsedAt createdByID createdByName } }
}`

type tokenFields struct {
	ID, Name, Kind string
	Role           *string
	ExpiresAt      *string
	LastUsedAt     *string
	CreatedByID    *string
	CreatedByName  *string
}

// newAPIToken creates an API token with the owner's token and returns it
// with its secret.
func newAPIToken(e *testenv.Env, owner string, in map[string]any) (tokenFields, string) {
	e.T.Helper()
	var out struct {
		CreateAPIToken struct {
			Secret           string
			ClientMutationID *string
			Token            tokenFields
		}
	}
	e.MustDo(owner, createToken, map[string]any{"in": in}, &out)
	return out.CreateAPIToken.Token, out.CreateAPIToken.Secret
}

// role answers the role a token acts with, or "" when it is refused.
func role(e *testenv.Env, token string) string {
	e.T.Helper()
	r := e.Do(token, `{ viewer { role } }`, nil)
	if r.Status == 401 {
		return ""
	}
	var v struct{ Viewer struct{ Role string } }
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &v) != nil {
		e.T.Fatalf("viewer: %s", r.Body)
	}
	return v.Viewer.Role
}

// newSession makes an admin of the role in the account, signed in, and
// returns the session's secret. (Signing in is not this test's subject.)
func newSession(e *testenv.Env, acc testenv.Account, r enum.AdminRole) string {
	e.T.Helper()
	sys := auth.SystemContext(context.Background())
	adm := e.App.Client.Admin.Create().SetAccountID(acc.ID).SetName("Grace").SetEmail("grace@example.com").SetRole(r).SaveX(sys)
	session, hash := auth.NewToken()
	e.App.Client.APIToken.Create().SetAccountID(acc.ID).SetKind(enum.TokenSession).SetAdminID(adm.ID).SetName("session").SetTokenHash(hash).SaveX(sys)
	return session
}

// expectRole fails the test (stopping it if fatal) unless token acts as
// want ("" for refused).
func expectRole(t *testing.T, e *testenv.Env, token, want string, fatal bool, what string) {
	t.Helper()
	if got := role(e.For(t), token); got != want {
		if fatal {
			t.Fatalf("%s: acts as %q, want %q", what, got, want)
		}
		t.Errorf("%s: acts as %q, want %q", what, got, want)
	}
}

// TestAPITokenLifecycle: an owner creates a named API token with a role;
// the secret is shown once and works with that role; the list shows the
// token's name, role, creator and last use, never a secret or hash; a
// revoked token stops at once on the instance that revoked it and after
// the cache window on another.
func TestAPITokenLifecycle(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		a, b := testenv.Start(t, db), testenv.Start(t, db)
		acme := a.Account("Acme")
		var owner struct {
			APITokens struct{ Edges []struct{ Node tokenFields } }
		}
		a.MustDo(acme.Token, `{ apiTokens { edges { node { id name kind role } } } }`, nil, &owner)
		ownerID := owner.APITokens.Edges[0].Node.ID

		tok, secret := newAPIToken(a, acme.Token, map[string]any{"name": "CI deploys", "role": "VIEWER", "clientMutationId": "c1"})
		if tok.Name != "CI deploys" || tok.Kind != "API" || *tok.Role != "VIEWER" || *tok.CreatedByID != ownerID || *tok.CreatedByName != "owner" || tok.LastUsedAt != nil || tok.ExpiresAt != nil {
			t.Errorf("created %+v", tok)
		}
		if !strings.HasPrefix(secret, "lk_") || !strings.HasPrefix(tok.ID, "tok_") {
			t.Errorf("secret %q, id %q", secret, tok.ID)
		}
		for _, e := range []*testenv.Env{a, b} {
			expectRole(t, e, secret, "VIEWER", true, "the new token")
		}
		r := a.Do(acme.Token, `{ apiTokens { totalCount edges { node { id name lastUsedAt createdByName } } } }`, nil)
		if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), auth.HashToken(secret)) {
			t.Errorf("the list shows a secret: %s", r.Body)
		}
		var node struct{ Node *tokenFields }
		a.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on APIToken { id lastUsedAt } } }`, map[string]any{"id": tok.ID}, &node)
		if node.Node == nil || node.Node.LastUsedAt == nil {
			t.Errorf("the used token reads %+v", node.Node)
		}

		var rev struct {
			RevokeAPIToken struct{ RevokedID, ClientMutationID string }
		}
		a.MustDo(acme.Token, `mutation($id: ID!) { revokeAPIToken(id: $id, clientMutationId: "c2") { revokedID clientMutationId } }`, map[string]any{"id": tok.ID}, &rev)
		if rev.RevokeAPIToken.RevokedID != tok.ID || rev.RevokeAPIToken.ClientMutationID != "c2" {
			t.Errorf("revoke answered %+v", rev)
		}
		expectRole(t, a, secret, "", false, "revoked, on the instance that revoked it")
		expectRole(t, b, secret, "VIEWER", false, "revoked, on another instance within the cache window")
		b.Advance(11 * time.Second)
		expectRole(t, b, secret, "", false, "revoked, on another instance after the cache window")
		// Revoked twice, or an app token through revokeAPIToken: no such token.
		expectRejected(t, a, acme.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": tok.ID}, "NOT_FOUND", "id")
	})
}

// TestAPITokenInput: a blank or too long name or an expiry that is not in the future is refused, naming its field, and
// writes nothing.
func TestAPITokenInput(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		past := e.Now().Add(-time.Second).UTC().Format(time.RFC3339)
		for name, c := range map[string]struct {
			in          map[string]any
			code, field string
		}{
			"blank name":  {map[string]any{"name": " ", "role": "ADMIN"}, "BAD_USER_INPUT", "input.name"},
			"long name":   {map[string]any{"name": strings.Repeat("n", 201), "role": "ADMIN"}, "BAD_USER_INPUT", "input.name"},
			"past expiry": {map[string]any{"name": "x", "role": "ADMIN", "expiresAt": past}, "BAD_USER_INPUT", "input.expiresAt"},
		} {
			t.Run(name, func(t *testing.T) {
				expectRejected(t, e, acme.Token, createToken, map[string]any{"in": c.in}, c.code, c.field)
			})
		}
	})
}

// TestTokenExpiry: an API token stops at its expiry, even while cached; a
// session stops after SESSION_IDLE without use and lives on while used;
// an app token stops APP_TOKEN_TTL after it was issued.
func TestTokenExpiry(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, func(c *app.Config) { c.SessionIdle = time.Hour; c.AppTokenTTL = 24 * time.Hour })
		acme := e.Account("Acme")
		_, secret := newAPIToken(e, acme.Token, map[string]any{"name": "short", "role": "ADMIN", "expiresAt": e.Now().Add(5 * time.Second).UTC().Format(time.RFC3339Nano)})
		expectRole(t, e, secret, "ADMIN", true, "the new token")
		// A millisecond past each end: PostgreSQL rounds stored times to
		// microseconds, which may put an end a little later.
		e.Advance(5*time.Second + time.Millisecond)
		expectRole(t, e, secret, "", false, "expired")

		session := newSession(e, acme, enum.AdminAdmin)
		_, app := redeemedUser(e, acme, "ada@example.com", ids(e.Devices(acme, 1, "UTC")), nil, true)
		for range 3 { // used within the idle window, the session lives on
			e.Advance(50 * time.Minute)
			expectRole(t, e, session, "ADMIN", true, "a session in use")
		}
		e.Advance(time.Hour + time.Millisecond)
		expectRole(t, e, session, "", false, "an idle session")
		expectRole(t, e, app, "USER", true, "the app token")
		e.Advance(22 * time.Hour)
		expectRole(t, e, app, "", false, "the app token after APP_TOKEN_TTL")
	})
}

// TestLastUse: a token's use is written on its first use and then at most
// once a minute, not on every request.
func TestLastUse(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		tok, secret := newAPIToken(e, acme.Token, map[string]any{"name": "x", "role": "VIEWER"})
		sys := auth.SystemContext(context.Background())
		lastUse := func() time.Time {
			t.Helper()
			at := e.App.Client.APIToken.Query().Where(apitoken.ID(asID(tok.ID))).OnlyX(sys).LastUsedAt
			if at == nil {
				return time.Time{}
			}
			return *at
		}
		first := e.Now()
		role(e, secret)
		// The databases keep microseconds (PostgreSQL rounds them).
		if got := lastUse(); got.Sub(first).Abs() > time.Millisecond {
			t.Fatalf("last use %v after the first use at %v", got, first)
		}
		e.Advance(30 * time.Second)
		role(e, secret)
		e.Advance(11 * time.Second) // past the cache: a fresh lookup
		role(e, secret)
		if got := lastUse(); got.Sub(first).Abs() > time.Millisecond {
			t.Errorf("last use written again within a minute: %v, first %v", got, first)
		}
		e.Advance(20 * time.Second)
		now := e.Now()
		role(e, secret)
		if got := lastUse(); now.Sub(got).Abs() > time.Millisecond {
			t.Errorf("last use %v, used at %v", got, now)
		}
	})
}

// TestAppTokens: an admin lists a user's app tokens and revokes one; the
// holder ends its own with signOut; an API token and a session sign out
// too. Another account's token answers like a missing one, and an admin
// does not see the account's API tokens.
func TestAppTokens(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		doors := ids(e.Devices(acme, 2, "UTC"))
		ada, first := redeemedUser(e, acme, "ada@example.com", doors[:1], nil, true)
		_, admin := newAPIToken(e, acme.Token, map[string]any{"name": "desk", "role": "ADMIN"})
		_, viewer := newAPIToken(e, acme.Token, map[string]any{"name": "wall", "role": "VIEWER"})
		second := grantCode(e, acme.Token, ada, doors[1:], nil)
		var red redeemed
		e.MustDo("", redeem, map[string]any{"code": second}, &red)
		secondToken := red.RedeemInvitation.Token

		const list = `query($id: ID!) { node(id: $id) { ... on User { tokens { totalCount edges { node { id kind createdAt lastUsedAt } } } } } }`
		var out struct {
			Node struct {
				Tokens struct {
					TotalCount int
					Edges      []struct{ Node tokenFields }
				}
			}
		}
		e.MustDo(viewer, list, map[string]any{"id": ada}, &out)
		if out.Node.Tokens.TotalCount != 2 || out.Node.Tokens.Edges[0].Node.Kind != "APP" {
			t.Fatalf("ada's tokens: %+v", out.Node.Tokens)
		}
		firstID := out.Node.Tokens.Edges[0].Node.ID

		// An admin sees app tokens, not the account's API tokens.
		var all struct{ Node *tokenFields }
		e.MustDo(admin, `query($id: ID!) { node(id: $id) { ... on APIToken { id } } }`, map[string]any{"id": firstID}, &all)
		if all.Node == nil {
			t.Errorf("an admin cannot read an app token")
		}
		var owners struct {
			APITokens struct{ Edges []struct{ Node tokenFields } }
		}
		e.MustDo(acme.Token, `{ apiTokens(first: 1) { edges { node { id } } } }`, nil, &owners)
		if r := e.Do(admin, `query($id: ID!) { node(id: $id) { ... on APIToken { id } } }`, map[string]any{"id": owners.APITokens.Edges[0].Node.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("an admin reads an API token: %s", r.Body)
		}

		// Another account's admin: the token is as missing as a made-up ID.
		for _, id := range []string{firstID, missing("tok")} {
			expectRejected(t, e, other.Token, `mutation($id: ID!) { revokeAppToken(id: $id) { revokedID } }`, map[string]any{"id": id}, "NOT_FOUND", "id")
		}
		expectRejected(t, e, other.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": owners.APITokens.Edges[0].Node.ID}, "NOT_FOUND", "id")
		// revokeAppToken takes app tokens only.
		expectRejected(t, e, admin, `mutation($id: ID!) { revokeAppToken(id: $id) { revokedID } }`, map[string]any{"id": owners.APITokens.Edges[0].Node.ID}, "NOT_FOUND", "id")

		e.MustDo(admin, `mutation($id: ID!) { revokeAppToken(id: $id) { revokedID } }`, map[string]any{"id": firstID}, nil)
		expectRole(t, e, first, "", false, "the revoked app token")
		expectRole(t, e, secondToken, "USER", false, "ada's other token")

		// signOut ends the token it comes with, whatever its kind.
		session := newSession(e, acme, enum.AdminViewer)
		for _, tok := range []string{secondToken, viewer, session} {
			role(e, tok) // cached
			var so struct{ SignOut struct{ RevokedID string } }
			e.MustDo(tok, `mutation { signOut { revokedID } }`, nil, &so)
			if !strings.HasPrefix(so.SignOut.RevokedID, "tok_") {
				t.Errorf("signOut answered %+v", so)
			}
			expectRole(t, e, tok, "", false, "signed out")
		}
		expectRole(t, e, admin, "ADMIN", false, "another token of the account")
	})
}

// TestAdminChangeEndsCachedSession: a session carries its admin's role, so
// a change to the admin (a new role, disabled) takes effect at once on the
// instance that made it, not after the token cache's window.
func TestAdminChangeEndsCachedSession(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		session := newSession(e, acme, enum.AdminAdmin)
		expectRole(t, e, session, "ADMIN", true, "the session")
		e.App.Client.Admin.Update().SetRole(enum.AdminViewer).ExecX(acme.Admin())
		expectRole(t, e, session, "VIEWER", false, "the session after its admin's new role")
		e.App.Client.Admin.Update().SetDisabled(true).ExecX(acme.Admin())
		expectRole(t, e, session, "", false, "the session of a disabled admin")
	})
}

// TestSignInKeepsCachedSessions: an admin's write that leaves what its
// sessions carry (role, name, disabled) alone, such as its last sign-in,
// keeps them cached: no lookup follows it.
func TestSignInKeepsCachedSessions(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		session := newSession(e, acme, enum.AdminAdmin)
		expectRole(t, e, session, "ADMIN", true, "the session")
		e.App.Client.Admin.Update().SetLastSignInAt(e.Now()).ExecX(acme.Admin())
		st.Reset()
		expectRole(t, e, session, "ADMIN", true, "the session after its admin's sign-in")
		if n := st.Count(); n != 0 {
			t.Errorf("the session after its admin's sign-in ran %d statements, want none (cached): %q", n, st.Log())
		}
	})
}

// TestLastOwnerCredential: the account's last owner credential is not
// revoked (by revokeAPIToken or signOut), as nobody could manage the
// account after it; an expired OWNER token, or an OWNER admin without a
// password, does not count. With another owner credential it goes.
func TestLastOwnerCredential(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		var list struct {
			APITokens struct{ Edges []struct{ Node tokenFields } }
		}
		e.MustDo(acme.Token, `{ apiTokens { edges { node { id } } } }`, nil, &list)
		first := list.APITokens.Edges[0].Node.ID
		newAPIToken(e, acme.Token, map[string]any{"name": "soon gone", "role": "OWNER", "expiresAt": e.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)})
		e.Advance(time.Minute + time.Millisecond)
		revoke := `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`
		expectRejected(t, e, acme.Token, revoke, map[string]any{"id": first}, "CONFLICT", "")
		expectRejected(t, e, acme.Token, `mutation { signOut { revokedID } }`, nil, "CONFLICT", "")
		expectRole(t, e, acme.Token, "OWNER", true, "the last owner token")

		// An invited OWNER who has not set a password yet is no credential:
		// nobody may sign in as them.
		newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, "")
		expectRejected(t, e, acme.Token, revoke, map[string]any{"id": first}, "CONFLICT", "")

		_, second := newAPIToken(e, acme.Token, map[string]any{"name": "second", "role": "OWNER"})
		e.MustDo(second, revoke, map[string]any{"id": first}, nil)
		expectRole(t, e, acme.Token, "", false, "the revoked first owner token")
	})
}

// TestOwnerTokensRevokingEachOtherAtOnce: the account's two owner tokens,
// each revoking the other at the same time, cannot both go: one revoke
// waits for the other's lock and then finds its own token the last.
func TestOwnerTokensRevokingEachOtherAtOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		revoke := `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`
		for round := range 8 {
			acc := e.Account(fmt.Sprintf("Acme %d", round))
			var list struct {
				APITokens struct{ Edges []struct{ Node tokenFields } }
			}
			e.MustDo(acc.Token, `{ apiTokens { edges { node { id } } } }`, nil, &list)
			first := list.APITokens.Edges[0].Node.ID
			second, secret := newAPIToken(e, acc.Token, map[string]any{"name": "second", "role": "OWNER"})
			tokens := []string{acc.Token, secret}
			targets := []string{second.ID, first}
			parallel(2, func(i int) *testenv.Response {
				return e.Do(tokens[i], revoke, map[string]any{"id": targets[i]})
			})
			left := e.App.Client.APIToken.Query().Where(apitoken.AccountID(acc.ID), apitoken.RoleEQ(enum.AdminOwner)).CountX(auth.SystemContext(context.Background()))
			if left != 1 {
				t.Fatalf("round %d: %d owner tokens left, want 1", round, left)
			}
		}
	})
}

// TestSessionLookupLeavesThePasswordHash: finding the viewer of a
// session reads the admin's name, role and flag, never its password's
// hash.
func TestSessionLookupLeavesThePasswordHash(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		session := newSession(e, acme, enum.AdminAdmin)
		e.App.Client.Admin.Update().SetName("Renamed").ExecX(acme.Admin()) // the cache forgets the session
		st.Reset()
		expectRole(t, e, session, "ADMIN", true, "the session")
		log := strings.Join(st.Log(), "\n")
		if !strings.Contains(log, "admins") || strings.Contains(log, "password_hash") {
			t.Errorf("the session's lookup, want the admin without password_hash:\n%s", log)
		}
	})
}
