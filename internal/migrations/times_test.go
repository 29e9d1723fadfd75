package migrations

import (
	"context"
	"regexp"
	"testing"

	"github.com/latchkey/latchkey/internal/pulid"
)

// TestTimesMigration stores rows as the server wrote them before (SQLite:
// time.Time.String() in any zone, with a monotonic reading, and years the
// layout cannot hold; both: a validUntil of the zero instant), migrates,
// and reads the stored values back.
func TestTimesMigration(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		tg := newDB()
		atFirstMigration(ctx, t, tg)
		old, zero := "2025-03-14 16:09:26.535897 +0100 CET m=+17.280000001", "0001-01-01 00:00:00 +0000 UTC"
		if d == Postgres {
			old, zero = "2025-03-14 16:09:26.535897+01", "0001-01-01 00:00:00+00"
		}
		acc, usr := pulid.New("acc"), pulid.New("usr")
		devs := []pulid.ID{pulid.New("dev"), pulid.New("dev"), pulid.New("dev")}
		ended, late, west := pulid.New("per"), pulid.New("per"), pulid.New("per")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := tg.db.ExecContext(ctx, rebind(d, q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO accounts (id, created_at, updated_at, name) VALUES (?, ?, ?, 'Acme')`, acc, old, old)
		exec(`INSERT INTO users (id, created_at, updated_at, name, email, language, origin, account_id) VALUES (?, ?, ?, 'Ada', 'ada@example.com', 'EN', 'WEB', ?)`, usr, old, old, acc)
		for _, dev := range devs {
			exec(`INSERT INTO devices (id, created_at, updated_at, name, type, time_zone, account_id) VALUES (?, ?, ?, 'Door', 'SMART_LOCK', 'UTC', ?)`, dev, old, old, acc)
		}
		perm := `INSERT INTO permissions (id, created_at, updated_at, status, enabled, remote_allowed, valid_from, valid_until, device_id, account_id, user_id) VALUES (?, ?, ?, 'ACTIVE', true, false, ?, ?, ?, ?, ?)`
		exec(perm, ended, old, old, nil, zero, devs[0], acc, usr)
		if d == SQLite {
			exec(perm, late, old, old, "10000-01-01 23:58:59 +0000 UTC", "0000-12-31 23:00:00 -0100 -01", devs[1], acc, usr)
			exec(perm, west, old, old, "2026-02-28 23:30:00.1 -0100 -01", "2026-03-01 01:00:00 +0100 CET", devs[2], acc, usr)
		}

		if err := Up(ctx, tg.db, d); err != nil {
			t.Fatalf("Up: %v", err)
		}

		text := func(q string, args ...any) string {
			t.Helper()
			var s *string
			if err := tg.db.QueryRowContext(ctx, rebind(d, q), args...).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if s == nil {
				return "NULL"
			}
			return *s
		}
		if d == Postgres {
			if got := text(`SELECT to_char(valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM permissions WHERE id = ?`, ended); got != "0001-01-01 00:00:01" {
				t.Errorf("validUntil of the zero instant = %s, want the second after it", got)
			}
			return
		}
		fixed := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}\+00:00$`)
		for _, c := range [][2]string{{"accounts", "created_at"}, {"users", "updated_at"}, {"devices", "created_at"}, {"permissions", "valid_from"}, {"permissions", "valid_until"}} {
			rows, err := tg.db.QueryContext(ctx, `SELECT CAST(`+c[1]+` AS TEXT) FROM `+c[0]+` WHERE `+c[1]+` IS NOT NULL`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				if !fixed.MatchString(s) {
					t.Errorf("%s.%s = %q, not the fixed UTC form", c[0], c[1], s)
				}
			}
			rows.Close()
		}
		for _, c := range []struct{ q, id, want string }{
			{`SELECT CAST(created_at AS TEXT) FROM accounts WHERE id = ?`, string(acc), "2025-03-14 15:09:26.535897000+00:00"},
			{`SELECT CAST(valid_until AS TEXT) FROM permissions WHERE id = ?`, string(ended), "0001-01-01 00:00:01.000000000+00:00"},
			{`SELECT CAST(valid_from AS TEXT) FROM permissions WHERE id = ?`, string(ended), "NULL"},
			{`SELECT CAST(valid_from AS TEXT) FROM permissions WHERE id = ?`, string(late), "9999-12-31 23:59:59.999999999+00:00"},
			{`SELECT CAST(valid_until AS TEXT) FROM permissions WHERE id = ?`, string(late), "0001-01-01 00:00:01.000000000+00:00"},
			{`SELECT CAST(valid_from AS TEXT) FROM permissions WHERE id = ?`, string(west), "2026-03-01 00:30:00.100000000+00:00"},
			{`SELECT CAST(valid_until AS TEXT) FROM permissions WHERE id = ?`, string(west), "2026-03-01 00:00:00.000000000+00:00"},
		} {
			if got := text(c.q, c.id); got != c.want {
				t.Errorf("%s [%s] = %s, want %s", c.q, c.id, got, c.want)
			}
		}
		// Compared as text, the rows now order as their instants.
		if got := text(`SELECT id FROM permissions WHERE valid_from IS NOT NULL ORDER BY valid_from LIMIT 1`); got != string(west) {
			t.Errorf("earliest validFrom is %s, want %s", got, west)
		}
	})
}

// TestBaselineRewritesTimes: a database that Baseline adopts holds rows
// written before the Go migrations, so Baseline runs them.
func TestBaselineRewritesTimes(t *testing.T) {
	ctx := context.Background()
	tg := newSQLite(t)
	entCreate(ctx, t, tg)
	acc := pulid.New("acc")
	old := "2025-03-14 16:09:26.535897 +0100 CET m=+17.280000001"
	if _, err := tg.db.ExecContext(ctx, `INSERT INTO accounts (id, created_at, updated_at, name) VALUES (?, ?, ?, 'Acme')`, acc, old, old); err != nil {
		t.Fatal(err)
	}
	if err := Baseline(ctx, tg.db, SQLite); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := tg.db.QueryRowContext(ctx, `SELECT CAST(created_at AS TEXT) FROM accounts WHERE id = ?`, acc).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "2025-03-14 15:09:26.535897000+00:00" {
		t.Errorf("created_at = %q after Baseline", got)
	}
}
