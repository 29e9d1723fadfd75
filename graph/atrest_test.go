package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/testenv/smtptest"
)

// stored returns every byte the database keeps: on SQLite the database
// file, its WAL and its shared-memory file as they are on disk (free
// pages and old frames included); on PostgreSQL every column of every
// table, bytea as its bytes and everything else as text.
func stored(t *testing.T, e *testenv.Env, db string) []byte {
	t.Helper()
	if !database.IsPostgres(db) {
		var all []byte
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(db + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	ctx := context.Background()
	rows, err := e.App.DB.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Close(); err != nil || len(cols) == 0 {
		t.Fatalf("%d columns: %v", len(cols), err)
	}
	var all []byte
	for _, c := range cols {
		expr := pq.QuoteIdentifier(c.name)
		if c.typ != "bytea" {
			expr += "::text"
		}
		rows, err := e.App.DB.QueryContext(ctx, "SELECT "+expr+" FROM "+pq.QuoteIdentifier(c.table))
		if err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		for rows.Next() {
			var v []byte
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			all = append(append(all, v...), 0)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// holdsCode reports whether b contains the code as shown or as typed
// without dashes.
func holdsCode(b []byte, code string) bool {
	return bytes.Contains(b, []byte(code)) || bytes.Contains(b, []byte(strings.ReplaceAll(code, "-", "")))
}

// TestCodeNotAtRest: after a grant, and after its mail is sent, neither
// the SQLite files (database, WAL, shared memory) nor any column of the
// PostgreSQL database holds the invitation code; neither does a code
// handed to the caller (delivery NONE). Once sent or superseded, no mail
// keeps a body.
func TestCodeNotAtRest(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 2, "Europe/Berlin"))
		ada := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": devs}}, &g)
		// A resend supersedes the first mail before it goes out.
		e.MustDo(acme.Token, `mutation($id: ID!) { resendInvitation(id: $id) { invitation { id } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, nil)
		handed := grantCode(e, acme.Token, newUser(e, acme.Token, "Bob", "bob@example.com"), devs, nil)

		queued := stored(t, e, db)
		if n, err := e.App.Mailer.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("sender: %d mails, %v", n, err)
		}
		msgs := smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d mails received", len(msgs))
		}
		_, text, _, err := msgs[0].Parts()
		if err != nil {
			t.Fatal(err)
		}
		mailed := codePattern.FindString(text)
		if mailed == "" || handed == "" {
			t.Fatalf("codes %q %q", mailed, handed)
		}
		sent := stored(t, e, db)
		for when, b := range map[string][]byte{"queued": queued, "sent": sent} {
			for what, code := range map[string]string{"mailed": mailed, "handed out": handed} {
				if holdsCode(b, code) {
					t.Errorf("with the mail %s, the database holds the %s code", when, what)
				}
			}
		}
		// The scan sees the stored rows (the recipient), but not the
		// mail's text (its activation link).
		if !bytes.Contains(queued, []byte("ada@example.com")) || bytes.Contains(queued, []byte("/invite/")) {
			t.Error("the scan misses the stored rows, or the mail's text is stored in plain text")
		}
		sys := auth.SystemContext(context.Background())
		for _, m := range e.App.Client.Outbox.Query().AllX(sys) {
			if len(m.SealedBody) != 0 || m.TextBody != "" || m.HTMLBody != "" {
				t.Errorf("mail %s (%s) keeps its body", m.ID, m.Status)
			}
		}
		e.MustDo("", redeem, map[string]any{"code": mailed}, nil)
	})
}

// TestSealedMailStaysWithItsRow: a sealed body moved to another mail
// does not open there, so it is never sent to the other recipient; both
// mails are given up at once, bodies gone. A mail sealed under a key the
// instance lacks fails its attempt and waits for another.
func TestSealedMailStaysWithItsRow(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		var logs testenv.Buffer
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()), testenv.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 1, "UTC"))
		for _, email := range []string{"ada@example.com", "eve@example.com", "max@example.com"} {
			e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": newUser(e, acme.Token, email, email), "deviceIDs": devs}}, nil)
		}
		sys := auth.SystemContext(context.Background())
		mail := func(to string) *ent.Outbox { return e.App.Client.Outbox.Query().Where(outbox.ToAddress(to)).OnlyX(sys) }
		ada, eve, max := mail("ada@example.com"), mail("eve@example.com"), mail("max@example.com")
		e.App.Client.Outbox.UpdateOne(eve).SetSealedBody(ada.SealedBody).ExecX(sys)
		e.App.Client.Outbox.UpdateOne(ada).SetSealedBody(eve.SealedBody).ExecX(sys)
		e.App.Client.Outbox.UpdateOne(max).SetKeyID("0123456789abcdef").ExecX(sys)

		if n, _ := e.App.Mailer.RunOnce(sys); n != 3 {
			t.Fatalf("attempted %d mails", n)
		}
		if msgs := smtp.Messages(); len(msgs) != 0 {
			t.Fatalf("sent %d mails, the first to %v", len(msgs), msgs[0].Recipients)
		}
		for _, to := range []string{"ada@example.com", "eve@example.com"} {
			m := e.App.Client.Outbox.Query().Where(outbox.ToAddress(to)).WithInvitation().OnlyX(sys)
			if m.Status != enum.DeliveryFailed || m.Attempts != 1 || len(m.SealedBody) != 0 || m.LastError == nil || !strings.Contains(*m.LastError, "does not open") ||
				m.Edges.Invitation.Delivery != enum.DeliveryFailed {
				t.Errorf("moved body, mail to %s: status %s, %d attempts, body kept %v, error %v, invitation %s",
					to, m.Status, m.Attempts, len(m.SealedBody) != 0, m.LastError, m.Edges.Invitation.Delivery)
			}
		}
		m := mail("max@example.com")
		if m.Status != enum.DeliveryQueued || m.Attempts != 1 || len(m.SealedBody) == 0 || m.LastError == nil || !strings.Contains(*m.LastError, "unknown key") {
			t.Errorf("unknown key: status %s, %d attempts, body kept %v, error %v", m.Status, m.Attempts, len(m.SealedBody) != 0, m.LastError)
		}
		if !strings.Contains(logs.String(), "unknown key") {
			t.Error("the failure is not logged")
		}
	})
}

// TestInviteSecretRotation: an instance given a new INVITE_SECRET and the
// old one as previous sends the mails queued under the old one, and their
// codes redeem; an instance without the old secret leaves them queued.
func TestInviteSecretRotation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		secret := func(s string) []byte { b := sha256.Sum256([]byte(s)); return b[:] }
		old, next := secret("old"), secret("next")
		smtp := smtptest.Start(t, "127.0.0.1:0")
		before := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()), testenv.WithSecrets(old))
		acme := before.Account("Acme")
		user := newUser(before, acme.Token, "Ada", "ada@example.com")
		before.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(before.Devices(acme, 1, "UTC"))}}, nil)

		ctx := context.Background()
		forgot := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()), testenv.WithSecrets(next))
		if n, _ := forgot.App.Mailer.RunOnce(ctx); n != 1 || len(smtp.Messages()) != 0 {
			t.Fatalf("without the old secret: attempted %d, sent %d", n, len(smtp.Messages()))
		}
		after := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()), testenv.WithSecrets(next, old))
		after.Advance(time.Minute) // past the failed attempt's backoff
		if n, err := after.App.Mailer.RunOnce(ctx); n != 1 || err != nil || len(smtp.Messages()) != 1 {
			t.Fatalf("with the old secret as previous: attempted %d (%v), sent %d", n, err, len(smtp.Messages()))
		}
		_, text, _, _ := smtp.Messages()[0].Parts()
		code := codePattern.FindString(text)
		if code == "" {
			t.Fatalf("no code in %s", text)
		}
		expectRejectedWriting(t, forgot, redeemRefused, "", redeem, map[string]any{"code": code}, "INVITATION_INVALID", "")
		after.MustDo("", redeem, map[string]any{"code": code}, nil)
	})
}

// TestPlainMailFromBeforeSealing: a mail queued in plain text before
// bodies were sealed (key id "plain", as the migration marks them) is
// still sent, and its bodies emptied for good.
func TestPlainMailFromBeforeSealing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := e.Account("Acme")
		sys := auth.SystemContext(context.Background())
		// A body long enough that the shorter row written in its place
		// does not cover the code.
		m := e.App.Client.Outbox.Create().SetAccountID(acme.ID).SetToAddress("ada@example.com").SetSubject("Your invitation").
			SetKeyID("plain").SetTextBody("code 7KQ4-M2XD-9PRT-WZ3H\n" + strings.Repeat("Welcome. ", 200)).SetHTMLBody("<p>code 7KQ4-M2XD-9PRT-WZ3H</p>").
			SetNextAttemptAt(e.Now()).SaveX(sys)
		if n, err := e.App.Mailer.RunOnce(sys); n != 1 || err != nil {
			t.Fatalf("sender: %d, %v", n, err)
		}
		msgs := smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d mails", len(msgs))
		}
		if _, text, html, _ := msgs[0].Parts(); !strings.Contains(text, "7KQ4-M2XD-9PRT-WZ3H") || !strings.Contains(html, "<p>code") {
			t.Errorf("sent %q / %q", text, html)
		}
		if m = e.App.Client.Outbox.GetX(sys, m.ID); m.Status != enum.DeliverySent || m.TextBody != "" || m.HTMLBody != "" {
			t.Errorf("after sending: %s, bodies %q %q", m.Status, m.TextBody, m.HTMLBody)
		}
		// SQLite zeroes the emptied bodies (secure_delete) rather than
		// leaving them in the page's free space; once the WAL is written
		// back, no file holds the code.
		if !database.IsPostgres(db) {
			if _, err := e.App.DB.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
		}
		if holdsCode(stored(t, e, db), "7KQ4-M2XD-9PRT-WZ3H") {
			t.Error("the database still holds the sent mail's code")
		}
	})
}

// TestLogMailerNeverSends: without SMTP the mail goes to the log and is
// recorded LOGGED, never SENT, and not counted as sent; in production
// that takes MAIL_LOG=true, and without it the server refuses to start.
func TestLogMailerNeverSends(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		for name, opts := range map[string][]testenv.Option{
			"development":          nil,
			"production, opted in": {testenv.WithProduction()},
		} {
			t.Run(name, func(t *testing.T) {
				var logs testenv.Buffer
				e := testenv.Start(t, db, append(opts, testenv.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))...)
				acme := e.Account("Acme " + name)
				var g grantResult
				e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{
					"userID": newUser(e, acme.Token, "Ada", "ada@example.com"), "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, &g)
				sys := auth.SystemContext(context.Background())
				if n, err := e.App.Mailer.RunOnce(sys); n != 1 || err != nil {
					t.Fatalf("sender: %d, %v", n, err)
				}
				if !codePattern.MatchString(logs.String()) {
					t.Error("the log mailer did not write the mail")
				}
				m := e.App.Client.Outbox.Query().Where(outbox.InvitationID(asID(g.GrantPermission.Invitation.ID))).OnlyX(sys)
				if m.Status != enum.DeliveryLogged || m.SentAt != nil || len(m.SealedBody) != 0 {
					t.Errorf("mail: status %s, sent at %v, body kept %v", m.Status, m.SentAt, len(m.SealedBody) != 0)
				}
				var inv struct{ Node struct{ Delivery string } }
				e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { delivery } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &inv)
				if inv.Node.Delivery != "LOGGED" {
					t.Errorf("delivery = %s", inv.Node.Delivery)
				}
				if metrics := getBody(t, e.Server.URL+"/metrics"); !strings.Contains(metrics, "\nlatchkey_mail_sent_total 0\n") {
					t.Error("a logged mail counts as sent")
				}
			})
		}
	})
}

// getBody returns the body of a GET of url.
func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProductionNeedsSMTPOrMailLog: a production server without SMTP and
// without MAIL_LOG=true refuses to start, and says what to set.
func TestProductionNeedsSMTPOrMailLog(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		_, err := app.New(context.Background(), app.Config{DatabaseURL: db, InviteSecret: make([]byte, 32), Production: true})
		if err == nil || !strings.Contains(err.Error(), "SMTP_URL") || !strings.Contains(err.Error(), "MAIL_LOG=true") {
			t.Fatalf("started: %v", err)
		}
	})
}
