package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestDeletedUserToken: once its user is deleted, the user's app token is
// refused, at once on the instance that deleted the user and after the
// token cache's 10 s on another; it never turns into an admin token.
func TestDeletedUserToken(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		a := testenv.Start(t, db)
		b := testenv.Start(t, db)
		acme := a.Account("Acme")
		ada := newUser(a, acme.Token, "Ada", "ada@example.com")
		code := grantCode(a, acme.Token, ada, ids(a.Devices(acme, 1, "UTC")), nil)
		var red struct{ RedeemInvitation struct{ Token string } }
		a.MustDo("", redeem, map[string]any{"code": code}, &red)
		app := red.RedeemInvitation.Token
		const role = `{ viewer { role } }`
		for _, e := range []*testenv.Env{a, b} { // both instances cache the token
			var v struct{ Viewer struct{ Role string } }
			e.MustDo(app, role, nil, &v)
			if v.Viewer.Role != "USER" {
				t.Fatalf("the app token's role is %q", v.Viewer.Role)
			}
		}

		a.MustDo(acme.Token, `mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": ada}, nil)
		if n := a.App.Client.APIToken.Query().Where(apitoken.UserID(asID(ada))).CountX(auth.SystemContext(context.Background())); n != 0 {
			t.Errorf("%d tokens of the deleted user are left", n)
		}
		if r := a.Do(app, role, nil); r.Status != 401 || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("right after deleteUser, on the same instance: %d %s", r.Status, r.Body)
		}
		for _, e := range []*testenv.Env{a, b} {
			e.Advance(10*time.Second + time.Millisecond)
		}
		for _, e := range []*testenv.Env{a, b} {
			if r := e.Do(app, role, nil); r.Status != 401 || r.Code() != "UNAUTHENTICATED" {
				t.Errorf("after the token cache: %d %s", r.Status, r.Body)
			}
			expectRejected(t, e, app, createUser, map[string]any{"input": map[string]any{"name": "Eve", "email": "eve@example.com"}}, "UNAUTHENTICATED", "")
		}
		var v struct{ Viewer struct{ Role string } }
		b.MustDo(acme.Token, role, nil, &v)
		if v.Viewer.Role != "OWNER" {
			t.Errorf("the admin token's role is %q", v.Viewer.Role)
		}
	})
}

// TestTokenKinds: the database takes a token only with the owner its kind
// needs, and a stored token of a kind the server does not know is refused
// like a wrong one.
func TestTokenKinds(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada := newUser(e, acme.Token, "Ada", "ada@example.com")
		insert := `INSERT INTO api_tokens (id, created_at, updated_at, name, token_hash, kind, account_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
		if database.IsPostgres(db) {
			for i := 1; strings.Contains(insert, "?"); i++ {
				insert = strings.Replace(insert, "?", fmt.Sprintf("$%d", i), 1)
			}
		}
		store := func(kind string, user any) (string, error) {
			secret, hash := auth.NewToken()
			now := time.Now().UTC()
			_, err := e.App.DB.Exec(insert, string(pulid.New("tok")), now, now, "test", hash, kind, string(acme.ID), user)
			return secret, err
		}
		for _, c := range []struct {
			kind string
			user any
		}{{"ADMIN", ada}, {"APP", nil}} {
			if _, err := store(c.kind, c.user); err == nil {
				t.Errorf("the database took a %s token with user %v", c.kind, c.user)
			}
		}
		for _, c := range []struct {
			kind string
			user any
		}{{"ROOT", nil}, {"", nil}} {
			secret, err := store(c.kind, c.user)
			if err != nil {
				// A database that refuses the kind is as good.
				continue
			}
			for _, q := range []string{`{ viewer { role } }`, `{ users { totalCount } }`} {
				if r := e.Do(secret, q, nil); r.Status != 401 || r.Code() != "UNAUTHENTICATED" {
					t.Errorf("a token of kind %q, %s: %d %s", c.kind, q, r.Status, r.Body)
				}
			}
		}
	})
}

// TestViewerWithoutRole: a viewer whose role is unset reads and writes
// nothing, though it names an account.
func TestViewerWithoutRole(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		ctx := auth.NewContext(context.Background(), &auth.Viewer{AccountID: acme.ID})
		if n, err := e.App.Client.User.Query().Count(ctx); err == nil {
			t.Errorf("a viewer without a role counted %d users", n)
		}
		if _, err := e.App.Client.User.Create().SetName("Eve").SetEmail("eve@example.com").Save(ctx); err == nil {
			t.Error("a viewer without a role created a user")
		}
		if n := e.Counts(); n.Users != 1 {
			t.Errorf("%d users", n.Users)
		}
	})
}
