package migrations

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/pulid"
)

// TestUpgradeMarksPlainMails: the migration that seals mail bodies marks
// the mails already queued as plain (the sender still sends them from
// their bodies), and empties the bodies of mails given up, which are
// never sent again and would keep their codes in plain text.
func TestUpgradeMarksPlainMails(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		tg := newDB()
		fsys, err := migrationFS(d)
		if err != nil {
			t.Fatal(err)
		}
		names, err := fs.Glob(fsys, "*_seal_mail_bodies.sql")
		if err != nil || len(names) != 1 {
			t.Fatalf("seal migration: %v %v", names, err)
		}
		seal, err := goose.NumericComponent(names[0])
		if err != nil {
			t.Fatal(err)
		}
		p, err := newProvider(ctx, tg.db, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, seal-1); err != nil {
			t.Fatal(err)
		}

		ts := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		acc, queued, failed := pulid.New("acc"), pulid.New("mail"), pulid.New("mail")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := tg.db.ExecContext(ctx, rebind(d, q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO accounts (id, created_at, updated_at, name) VALUES (?, ?, ?, ?)`, acc, ts, ts, "Acme")
		for _, m := range []struct {
			id     pulid.ID
			status string
		}{{queued, "QUEUED"}, {failed, "FAILED"}} {
			exec(`INSERT INTO outboxes (id, created_at, updated_at, to_address, subject, text_body, html_body, status, next_attempt_at, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				m.id, ts, ts, "ada@example.com", "Your invitation", "code 7KQ4-M2XD-9PRT-WZ3H", "<p>7KQ4-M2XD-9PRT-WZ3H</p>", m.status, ts, acc)
		}

		if err := Up(ctx, tg.db, d); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[pulid.ID][3]string{
			queued: {"plain", "code 7KQ4-M2XD-9PRT-WZ3H", "<p>7KQ4-M2XD-9PRT-WZ3H</p>"},
			failed: {"plain", "", ""},
		} {
			var got [3]string
			var sealed []byte
			err := tg.db.QueryRowContext(ctx, rebind(d, `SELECT key_id, text_body, html_body, sealed_body FROM outboxes WHERE id = ?`), id).
				Scan(&got[0], &got[1], &got[2], &sealed)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || sealed != nil {
				t.Errorf("mail %s after the upgrade: %q, sealed %v; want %q", id, got, sealed, want)
			}
		}
	})
}
