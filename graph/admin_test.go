package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/testenv/smtptest"
	"github.com/latchkey/latchkey/schema"
)

const (
	inviteAdmin = `mutation($input: InviteAdminInput!) { inviteAdmin(input: $input) { admin { id name email role disabled lastSignInAt } clientMutationId } }`
	setPassword = `mutation($input: SetAdminPasswordInput!) { setAdminPassword(input: $input) { email clientMutationId } }`
	signIn      = `mutation($input: SignInInput!) { signIn(input: $input) { token expiresAt admin { id email role lastSignInAt } clientMutationId } }`
	updateAdmin = `mutation($input: UpdateAdminInput!) { updateAdmin(input: $input) { admin { id name role disabled } clientMutationId } }`
	deleteAdmin = `mutation($input: DeleteAdminInput!) { deleteAdmin(input: $input) { deletedID clientMutationId } }`
)

type signInResult struct {
	SignIn struct {
		Token     string
		ExpiresAt time.Time
		Admin     struct {
			ID, Email, Role string
			LastSignInAt    *time.Time
		}
		ClientMutationID *string
	}
}

// newAdmin creates an admin of the account directly, with a password
// unless pw is empty, and returns it.
func newAdmin(e *testenv.Env, acc testenv.Account, name, email string, role enum.AdminRole, pw string) *ent.Admin {
	e.T.Helper()
	c := e.App.Client.Admin.Create().SetName(name).SetEmail(email).SetRole(role)
	if pw != "" {
		h, err := password.Hash(pw)
		if err != nil {
			e.T.Fatal(err)
		}
		c.SetPasswordHash(h)
	}
	a, err := c.Save(acc.Admin())
	if err != nil {
		e.T.Fatalf("create admin: %v", err)
	}
	return a
}

// sessionOf signs the admin in and returns the session token.
func sessionOf(e *testenv.Env, email, pw string) string {
	e.T.Helper()
	var out signInResult
	e.MustDo("", signIn, map[string]any{"input": map[string]any{"email": email, "password": pw}}, &out)
	return out.SignIn.Token
}

// codeFor issues a set-password code for a, as the reset-password command does.
func codeFor(e *testenv.Env, a *ent.Admin) string {
	e.T.Helper()
	code, _, err := admins.NewCode(context.Background(), e.App.Client, a, e.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return code
}

// signInRefused is what a refused sign-in writes on purpose: one failed
// attempt for the address and one for the email (unless the address was
// already at its limit), with their buckets.
var signInRefused = writes{
	"redeem_failures": func(c testenv.Change) bool {
		if c.Removed != nil || c.Changed != nil || len(c.Added) < 1 || len(c.Added) > 2 {
			return false
		}
		for _, r := range c.Added {
			if !strings.Contains(r, `addr="signin-addr:127.0.0.1"`) && !strings.Contains(r, `addr="signin-email:`) {
				return false
			}
		}
		return true
	},
	"redeem_buckets": func(c testenv.Change) bool { return c.Removed == nil && len(c.Added)+len(c.Changed) <= 2 },
}

// signInFailed is what a wrong password of an admin who may sign in
// writes on purpose: signInRefused's, and one SIGN_IN_FAILED record that
// names the admin.
func signInFailed(admin string) writes {
	w := maps.Clone(signInRefused)
	w["audit_events"] = func(c testenv.Change) bool {
		return c.Removed == nil && c.Changed == nil && len(c.Added) == 1 &&
			strings.Contains(c.Added[0], `"SIGN_IN_FAILED"`) && strings.Contains(c.Added[0], admin)
	}
	return w
}

var setPasswordLink = regexp.MustCompile(`https://locks\.example\.com/admin/set-password/(\S+)`)

// TestInviteSetPasswordSignIn walks an admin's way in: an owner invites
// (a mail in the chosen language with a single-use link), the admin sets a
// password with the code once, signs in, and the session acts with the
// admin's role.
func TestInviteSetPasswordSignIn(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := e.Account("Acme")

		var inv struct {
			InviteAdmin struct {
				Admin struct {
					ID, Name, Email, Role string
					Disabled              bool
					LastSignInAt          *string
				}
				ClientMutationID string
			}
		}
		e.MustDo(acme.Token, inviteAdmin, map[string]any{"input": map[string]any{
			"name": "Grace Hopper", "email": " Grace@Example.com", "role": "ADMIN", "language": "DE", "clientMutationId": "c1",
		}}, &inv)
		got := inv.InviteAdmin
		if got.Admin.Email != "grace@example.com" || got.Admin.Role != "ADMIN" || got.Admin.Disabled || got.Admin.LastSignInAt != nil || got.ClientMutationID != "c1" {
			t.Fatalf("invited %+v", got)
		}
		if n, err := e.App.Mailer.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("sender: %d mails, %v", n, err)
		}
		msgs := smtp.Messages()
		if len(msgs) != 1 || msgs[0].Recipients[0] != "grace@example.com" {
			t.Fatalf("mails %+v", msgs)
		}
		subject, text, html, err := msgs[0].Parts()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject, "Acme") || !strings.Contains(text, "Passwort") || !strings.Contains(text, "Rolle ADMIN") || !strings.Contains(html, "/admin/set-password/") {
			t.Errorf("not the German admin invitation: %q\n%s", subject, text)
		}
		m := setPasswordLink.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no set-password link in\n%s", text)
		}
		code := m[1]

		// Before a password is set, signing in fails like any failure.
		expectRejectedWriting(t, e, signInRefused, "", signIn, map[string]any{"input": map[string]any{"email": "grace@example.com", "password": "anything at all, really"}}, "UNAUTHENTICATED", "")

		for name, pw := range map[string]string{
			"too short":   "eleven char",
			"too long":    strings.Repeat("ü", 257),
			"common":      "Password1234",
			"common case": "QWERTYUIOPASDFGHJKL",
			// Spaces and combining marks do not make a password longer or
			// less common.
			"common spaced":      " password 1234 ",
			"padded with spaces": "short" + strings.Repeat(" ", 7),
			"eleven composed":    "elevenchar" + "e\u0301",
		} {
			t.Run(name, func(t *testing.T) {
				expectRejected(t, e, "", setPassword, map[string]any{"input": map[string]any{"code": code, "password": pw}}, "BAD_USER_INPUT", "input.password")
			})
		}
		var set struct {
			SetAdminPassword struct{ Email, ClientMutationID string }
		}
		pw := "eine lange Passphrase, 🔑 inklusive"
		e.MustDo("", setPassword, map[string]any{"input": map[string]any{"code": code, "password": pw, "clientMutationId": "c2"}}, &set)
		if set.SetAdminPassword.Email != "grace@example.com" || set.SetAdminPassword.ClientMutationID != "c2" {
			t.Errorf("setAdminPassword answered %+v", set)
		}
		r := expectRejected(t, e, "", setPassword, map[string]any{"input": map[string]any{"code": code, "password": "another long passphrase"}}, "BAD_USER_INPUT", "input.code")
		if !strings.Contains(r.Errors[0].Message, "already used") {
			t.Errorf("a used code: %s", r.Body)
		}
		expectRejected(t, e, "", setPassword, map[string]any{"input": map[string]any{"code": "lk_nonsense", "password": "another long passphrase"}}, "BAD_USER_INPUT", "input.code")

		expectRejectedWriting(t, e, signInFailed(got.Admin.ID), "", signIn, map[string]any{"input": map[string]any{"email": "grace@example.com", "password": pw + "!"}}, "UNAUTHENTICATED", "")
		before := e.Now()
		var s signInResult
		e.MustDo("", signIn, map[string]any{"input": map[string]any{"email": "GRACE@example.com", "password": pw, "clientMutationId": "c3"}}, &s)
		if !strings.HasPrefix(s.SignIn.Token, "lk_") || s.SignIn.Admin.ID != got.Admin.ID || s.SignIn.Admin.LastSignInAt == nil || *s.SignIn.ClientMutationID != "c3" {
			t.Fatalf("signed in %+v", s)
		}
		if d := s.SignIn.ExpiresAt.Sub(before); d < admins.DefaultSessionTTL-time.Minute || d > admins.DefaultSessionTTL+time.Minute {
			t.Errorf("the session expires %v after sign-in, want %v", d, admins.DefaultSessionTTL)
		}
		// A successful sign-in takes its attempts back.
		if n := e.Counts().RedeemFailures; n != 4 {
			t.Errorf("%d failed attempts counted, want the two failures' two each and none for the success", n)
		}

		session := s.SignIn.Token
		var v struct {
			Viewer struct {
				Role  string
				Admin struct{ Email string }
			}
		}
		e.MustDo(session, `{ viewer { role admin { email } } }`, nil, &v)
		if v.Viewer.Role != "ADMIN" || v.Viewer.Admin.Email != "grace@example.com" {
			t.Errorf("viewer %+v", v)
		}
		newUser(e, session, "Ada", "ada@example.com") // an ADMIN manages users
		expectRejected(t, e, session, inviteAdmin, map[string]any{"input": map[string]any{"name": "Mallory", "email": "m@example.com", "role": "OWNER"}}, "FORBIDDEN", "")
		expectRejected(t, e, session, updateAdmin, map[string]any{"input": map[string]any{"id": got.Admin.ID, "role": "OWNER"}}, "FORBIDDEN", "")
		// Other admins are the owners' business.
		owner := newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, "")
		if r := e.Do(session, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": string(owner.ID)}); r.Code() != "NOT_FOUND" {
			t.Errorf("an ADMIN session read another admin: %s", r.Body)
		}
	})
}

// TestSetPasswordCodeExpires: a code works for 48 hours, and a newer code
// replaces an older one.
func TestSetPasswordCodeExpires(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		a := newAdmin(e, acme, "Grace", "grace@example.com", enum.AdminViewer, "")
		old := codeFor(e, a)
		code := codeFor(e, a)
		in := func(code string) map[string]any {
			return map[string]any{"input": map[string]any{"code": code, "password": "a perfectly fine passphrase"}}
		}
		expectRejected(t, e, "", setPassword, in(old), "BAD_USER_INPUT", "input.code")
		e.Advance(admins.CodeTTL + time.Second)
		r := expectRejected(t, e, "", setPassword, in(code), "BAD_USER_INPUT", "input.code")
		if !strings.Contains(r.Errors[0].Message, "expired") {
			t.Errorf("an expired code: %s", r.Body)
		}
		e.MustDo("", setPassword, in(codeFor(e, a)), nil)
		sessionOf(e, "grace@example.com", "a perfectly fine passphrase")
	})
}

// TestSignInFailuresLookAlike: an unknown email, a wrong password, a
// disabled admin and an admin without a password get the same answer; a
// sign-in must be alone in its operation; a password past the limit is
// refused before any work.
func TestSignInFailuresLookAlike(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada := newAdmin(e, acme, "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		off := newAdmin(e, acme, "Bob", "bob@example.com", enum.AdminAdmin, "the right passphrase")
		if _, err := off.Update().SetDisabled(true).Save(acme.Admin()); err != nil {
			t.Fatal(err)
		}
		newAdmin(e, acme, "Cy", "cy@example.com", enum.AdminAdmin, "")
		var first string
		// A wrong password of the admin who may sign in with the email is
		// in the audit trail; the other failures name no such admin.
		for _, c := range []struct {
			email, pw string
			w         writes
		}{
			{"nobody@example.com", "the right passphrase", signInRefused},
			{"ada@example.com", "the wrong passphrase", signInFailed(string(ada.ID))},
			{"bob@example.com", "the right passphrase", signInRefused},
			{"cy@example.com", "the right passphrase", signInRefused},
		} {
			r := expectRejectedWriting(t, e, c.w, "", signIn, map[string]any{"input": map[string]any{"email": c.email, "password": c.pw}}, "UNAUTHENTICATED", "")
			if body := r.Errors[0].Message; first == "" {
				first = body
			} else if body != first {
				t.Errorf("%s answers %q, unlike %q", c.email, body, first)
			}
		}
		expectRejected(t, e, "", signIn, map[string]any{"input": map[string]any{"email": "ada@example.com", "password": strings.Repeat("x", password.MaxLength+1)}}, "BAD_USER_INPUT", "input.password")
		expectRejected(t, e, "", `mutation($a: SignInInput!) { a: signIn(input: $a) { token } b: signIn(input: $a) { token } }`,
			map[string]any{"a": map[string]any{"email": "ada@example.com", "password": "the right passphrase"}}, "BAD_USER_INPUT", "")
		// Another account's admin with the same email: the email alone is
		// ambiguous, the account settles it.
		other := e.Account("Other")
		newAdmin(e, other, "Ada Too", "ada@example.com", enum.AdminOwner, "the right passphrase")
		expectRejectedWriting(t, e, signInRefused, "", signIn, map[string]any{"input": map[string]any{"email": "ada@example.com", "password": "the right passphrase"}}, "UNAUTHENTICATED", "")
		var s signInResult
		e.MustDo("", signIn, map[string]any{"input": map[string]any{"email": "ada@example.com", "password": "the right passphrase", "account": string(other.ID)}}, &s)
		if s.SignIn.Admin.Role != "OWNER" {
			t.Errorf("signed in as %+v", s.SignIn.Admin)
		}
	})
}

// TestSignInFailuresWriteAlike: a wrong password writes its audit record;
// every other failure (an unknown email, a disabled admin, an admin
// without a password) writes in its place, so that each runs as many reads
// and as many writes, every write a commit of its own, and none can be
// told by its time (BenchmarkSignIn measures it).
func TestSignInFailuresWriteAlike(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		newAdmin(e, acme, "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		off := newAdmin(e, acme, "Bob", "bob@example.com", enum.AdminAdmin, "the right passphrase")
		if _, err := off.Update().SetDisabled(true).Save(acme.Admin()); err != nil {
			t.Fatal(err)
		}
		newAdmin(e, acme, "Cy", "cy@example.com", enum.AdminAdmin, "")
		shape := func(email, pw string) [2]int {
			e.Advance(16 * time.Minute)
			st.Reset()
			if r := e.Do("", signIn, map[string]any{"input": map[string]any{"email": email, "password": pw}}); r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("%s: %s", email, r.Body)
			}
			var n [2]int // reads, writes
			for _, s := range st.Log() {
				if strings.HasPrefix(strings.TrimSpace(s), "SELECT") {
					n[0]++
				} else {
					n[1]++
				}
			}
			return n
		}
		want := shape("ada@example.com", "the wrong passphrase")
		for _, email := range []string{"nobody@example.com", "bob@example.com", "cy@example.com"} {
			if got := shape(email, "the right passphrase"); got != want {
				t.Errorf("%s: %d reads and %d writes, a wrong password %d and %d", email, got[0], got[1], want[0], want[1])
			}
		}
	})
}

// TestSignInRateLimits: failures are limited per email (even the right
// password is refused while the email is at its limit) and per address.
func TestSignInRateLimits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithTrustedProxies("127.0.0.0/8"))
		acme := e.Account("Acme")
		newAdmin(e, acme, "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		from := func(addr, email, pw string) *testenv.Response {
			body := map[string]any{"input": map[string]any{"email": email, "password": pw}}
			return e.DoWith(map[string][]string{"X-Forwarded-For": {addr}}, "", signIn, body)
		}
		for i := range 10 {
			if r := from("192.0.2.1", "ada@example.com", "wrong"); r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: %s", i+1, r.Body)
			}
		}
		r := from("192.0.2.2", "ADA@example.com", "the right passphrase")
		if r.Code() != "RATE_LIMITED" || r.Errors[0].Extensions["retryAfter"] == nil {
			t.Fatalf("the 11th attempt at one email: %s", r.Body)
		}
		e.Advance(16 * time.Minute)
		if r := from("192.0.2.2", "ada@example.com", "the right passphrase"); r.Code() != "" {
			t.Fatalf("after the window: %s", r.Body)
		}
		for i := range 30 {
			if r := from("198.51.100.7", "user"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", "wrong"); r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("address failure %d: %s", i+1, r.Body)
			}
		}
		if r := from("198.51.100.7", "ada@example.com", "the right passphrase"); r.Code() != "RATE_LIMITED" {
			t.Fatalf("the 31st attempt from one address: %s", r.Body)
		}
	})
}

// TestAccountKeepsAnOwner: demoting, disabling or deleting the last
// enabled OWNER who can sign in is refused and writes nothing (an invited
// owner without a password yet does not count); with a second owner each
// works.
func TestAccountKeepsAnOwner(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		olga := newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, "olga's own long passphrase")
		viewer := newAdmin(e, acme, "Vic", "vic@example.com", enum.AdminViewer, "vic's own long passphrase")
		invited := newAdmin(e, acme, "Ivan", "ivan@example.com", enum.AdminOwner, "")
		id := string(olga.ID)
		expectRejected(t, e, acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": id, "role": "ADMIN"}}, "BAD_USER_INPUT", "input.role")
		expectRejected(t, e, acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": id, "disabled": true}}, "BAD_USER_INPUT", "input.disabled")
		expectRejected(t, e, acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": id}}, "BAD_USER_INPUT", "input.id")
		// Renaming the last owner, or keeping its role, is fine.
		e.MustDo(acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": id, "name": "Olga K.", "role": "OWNER", "disabled": false}}, nil)

		var up struct {
			UpdateAdmin struct {
				Admin            struct{ ID, Name, Role string }
				ClientMutationID string
			}
		}
		e.MustDo(acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": string(viewer.ID), "role": "OWNER", "clientMutationId": "u1"}}, &up)
		if up.UpdateAdmin.Admin.Role != "OWNER" || up.UpdateAdmin.ClientMutationID != "u1" {
			t.Fatalf("promoted: %+v", up)
		}
		e.MustDo(acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": id, "disabled": true}}, nil)
		expectRejected(t, e, acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": string(viewer.ID)}}, "BAD_USER_INPUT", "input.id")
		// The invited owner, who cannot sign in yet, is no owner to keep.
		e.MustDo(acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": string(invited.ID)}}, nil)
		var del struct{ DeleteAdmin struct{ DeletedID string } }
		e.MustDo(acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": id}}, &del)
		if del.DeleteAdmin.DeletedID != id || e.Counts().Admins != 1 {
			t.Errorf("deleted %+v, %d admins left", del, e.Counts().Admins)
		}
	})
}

// TestAdminsAreOwnersBusiness: an owner lists the account's admins (never
// a hash); another account's admin answers like a missing ID; a
// duplicate email is refused and writes nothing.
func TestAdminsAreOwnersBusiness(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, "a secret passphrase")
		newAdmin(e, acme, "Ada", "ada@example.com", enum.AdminAdmin, "")
		eve := newAdmin(e, other, "Eve", "eve@example.com", enum.AdminOwner, "")

		if sdl := schema.Print(graph.Published()); strings.Contains(strings.ToLower(sdl), "passwordhash") || strings.Contains(sdl, "AdminCode") {
			t.Error("the schema shows password hashes or set-password codes")
		}
		r := e.Do(acme.Token, `{ admins(orderBy: {field: EMAIL, direction: ASC}) { totalCount edges { node { email role } } } }`, nil)
		if r.Code() != "" || strings.Contains(string(r.Body), "argon2") {
			t.Fatalf("admins: %s", r.Body)
		}
		var list struct {
			Admins struct {
				TotalCount int
				Edges      []struct{ Node struct{ Email, Role string } }
			}
		}
		_ = json.Unmarshal(r.Data, &list)
		if list.Admins.TotalCount != 2 || list.Admins.Edges[0].Node.Email != "ada@example.com" || list.Admins.Edges[1].Node.Role != "OWNER" {
			t.Errorf("admins: %s", r.Data)
		}
		foreign := expectRejected(t, e, acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": string(eve.ID), "name": "Hacked"}}, "NOT_FOUND", "")
		missing := expectRejected(t, e, acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": "adm_01JDZZZZZZZZZZZZZZZZZZZZZZ", "name": "Hacked"}}, "NOT_FOUND", "")
		if foreign.Errors[0].Message != missing.Errors[0].Message {
			t.Errorf("foreign and missing admins answer differently: %s %s", foreign.Body, missing.Body)
		}
		expectRejected(t, e, acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": string(eve.ID)}}, "NOT_FOUND", "")
		expectRejected(t, e, acme.Token, inviteAdmin, map[string]any{"input": map[string]any{"name": "Ada Again", "email": "ADA@example.com", "role": "VIEWER"}}, "CONFLICT", "input.email")
		expectRejected(t, e, acme.Token, inviteAdmin, map[string]any{"input": map[string]any{"name": " ", "email": "new@example.com", "role": "VIEWER"}}, "BAD_USER_INPUT", "input.name")
	})
}

// TestOwnersDemotingEachOtherAtOnce: two owners demoted at the same time
// cannot both go: one change waits for the other's lock and then finds
// itself the last owner.
func TestOwnersDemotingEachOtherAtOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for round := range 8 {
			a := newAdmin(e, acme, "A", fmt.Sprintf("a%d@example.com", round), enum.AdminOwner, "a's own long passphrase")
			b := newAdmin(e, acme, "B", fmt.Sprintf("b%d@example.com", round), enum.AdminOwner, "b's own long passphrase")
			codes := make(chan string, 2)
			var wg sync.WaitGroup
			for _, id := range []string{string(a.ID), string(b.ID)} {
				wg.Go(func() {
					codes <- e.Do(acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": id, "role": "ADMIN"}}).Code()
				})
			}
			wg.Wait()
			close(codes)
			var got []string
			for c := range codes {
				got = append(got, c)
			}
			slices.Sort(got)
			if !slices.Equal(got, []string{"", "BAD_USER_INPUT"}) {
				t.Fatalf("round %d: answers %q, want one success and one refusal", round, got)
			}
			// The survivor steps down for the next round's owners.
			if _, err := e.App.Client.Admin.Delete().Exec(acme.Admin()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestSignInNotBlockedByAnotherAccount: another account's owner inviting
// an admin's email (who then never sets a password there), or disabling
// it there, does not make the admin's sign-in ambiguous: only admins who
// may sign in are candidates.
func TestSignInNotBlockedByAnotherAccount(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other, third := e.Account("Acme"), e.Account("Other"), e.Account("Third")
		newAdmin(e, acme, "Ada", "ada@example.com", enum.AdminAdmin, "the right passphrase")
		e.MustDo(other.Token, inviteAdmin, map[string]any{"input": map[string]any{"name": "Ada?", "email": "ADA@example.com", "role": "VIEWER"}}, nil)
		off := newAdmin(e, third, "Ada", "ada@example.com", enum.AdminAdmin, "the right passphrase")
		if _, err := off.Update().SetDisabled(true).Save(third.Admin()); err != nil {
			t.Fatal(err)
		}
		var s signInResult
		e.MustDo("", signIn, map[string]any{"input": map[string]any{"email": "ada@example.com", "password": "the right passphrase"}}, &s)
		if s.SignIn.Admin.Role != "ADMIN" {
			t.Errorf("signed in as %+v", s.SignIn.Admin)
		}
	})
}

// TestSetPasswordCodeUsedOnceAtOnce: one code sent by several clients at
// once sets one password: one use succeeds, every other answers that the
// link was used, and the password that won is the one that signs in.
func TestSetPasswordCodeUsedOnceAtOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		code := codeFor(e, newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, ""))
		pw := func(i int) string { return fmt.Sprintf("passphrase number %d", i) }
		answers := parallel(4, func(i int) *testenv.Response {
			return e.Do("", setPassword, map[string]any{"input": map[string]any{"code": code, "password": pw(i)}})
		})
		won := -1
		for i, r := range answers {
			switch {
			case len(r.Errors) == 0 && won < 0:
				won = i
			case r.Code() != "BAD_USER_INPUT" || r.Field() != "input.code":
				t.Errorf("use %d answered %s", i, r.Body)
			}
		}
		if won < 0 {
			t.Fatalf("no use succeeded")
		}
		sessionOf(e, "olga@example.com", pw(won))
	})
}

// TestNewPasswordEndsSessions: a new password (often the answer to a lost
// one) ends the admin's sessions, cached ones too, at once on the instance
// that set it and within the cache window on another; so does deleting
// the admin.
func TestNewPasswordEndsSessions(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		a, b := testenv.Start(t, db), testenv.Start(t, db)
		acme := a.Account("Acme")
		olga := newAdmin(a, acme, "Olga", "olga@example.com", enum.AdminAdmin, "the first passphrase")
		session := sessionOf(a, "olga@example.com", "the first passphrase")
		for _, e := range []*testenv.Env{a, b} {
			expectRole(t, e, session, "ADMIN", true, "the session, cached")
		}
		a.MustDo("", setPassword, map[string]any{"input": map[string]any{"code": codeFor(a, olga), "password": "the second passphrase"}}, nil)
		expectRole(t, a, session, "", false, "the session after a new password, on the instance that set it")
		b.Advance(11 * time.Second)
		expectRole(t, b, session, "", false, "the session after a new password, on another instance after the cache window")

		session = sessionOf(a, "olga@example.com", "the second passphrase")
		expectRole(t, a, session, "ADMIN", true, "the new session, cached")
		a.MustDo(acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": string(olga.ID)}}, nil)
		expectRole(t, a, session, "", false, "the session of a deleted admin")
	})
}
