package migrations

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/pulid"
)

// tokenKindVersion is the migration that states each token's kind.
const tokenKindVersion = 20261201233500

// TestUpgradeClassifiesTokens stores tokens as the schema before
// tokenKindVersion held them and upgrades: a token with a user becomes an
// APP token, an admin token an ADMIN token (and, since the admins
// migration, an API token with the role OWNER), and an app token whose user
// was deleted (its user_id set to NULL) goes; deleting a user then deletes
// its tokens.
func TestUpgradeClassifiesTokens(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		tg := newDB()
		p, err := newProvider(ctx, tg.db, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, tokenKindVersion-1); err != nil {
			t.Fatal(err)
		}
		ts := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		acc, usr := pulid.New("acc"), pulid.New("usr")
		admin, app, orphan := pulid.New("tok"), pulid.New("tok"), pulid.New("tok")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := tg.db.ExecContext(ctx, rebind(d, q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO accounts (id, created_at, updated_at, name) VALUES (?, ?, ?, ?)`, acc, ts, ts, "Acme")
		exec(`INSERT INTO users (id, created_at, updated_at, name, email, language, origin, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			usr, ts, ts, "Ada", "ada@example.com", "EN", "WEB", acc)
		token := `INSERT INTO api_tokens (id, created_at, updated_at, name, token_hash, account_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)`
		exec(token, admin, ts, ts, "admin", "hash-admin", acc, nil)
		exec(token, app, ts, ts, "app", "hash-app", acc, usr)
		exec(token, orphan, ts, ts, "app", "hash-orphan", acc, nil)

		if err := Up(ctx, tg.db, d); err != nil {
			t.Fatalf("Up: %v", err)
		}
		kinds := func() string {
			rows, err := tg.db.QueryContext(ctx, `SELECT token_hash, kind, COALESCE(role, '') FROM api_tokens ORDER BY token_hash`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out string
			for rows.Next() {
				var h, k, r string
				if err := rows.Scan(&h, &k, &r); err != nil {
					t.Fatal(err)
				}
				out += fmt.Sprintf("%s=%s%s ", h, k, r)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got, want := kinds(), "hash-admin=APIOWNER hash-app=APP "; got != want {
			t.Errorf("tokens after the upgrade: %s, want %s", got, want)
		}
		exec(`DELETE FROM users WHERE id = ?`, usr)
		if got, want := kinds(), "hash-admin=APIOWNER "; got != want {
			t.Errorf("tokens after deleting the user: %s, want %s", got, want)
		}
	})
}
