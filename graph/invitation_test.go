package graph_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/testenv/smtptest"
)

const redeem = `mutation($code: String!) { redeemInvitation(code: $code) { token user { id email } permissions { status device { name } } } }`

type redeemed struct {
	RedeemInvitation struct {
		Token       string
		User        struct{ ID, Email string }
		Permissions []struct {
			Status string
			Device struct{ Name string }
		}
	}
}

var codePattern = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// TestInvitationByMail goes from a grant to a mail received over SMTP, to
// the code read from that mail, to a redeemed invitation and a user token.
func TestInvitationByMail(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		var logs testenv.Buffer
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()), testenv.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		acme := e.Account("Acme Housing")
		ada := newUser(e, acme.Token, "Ada Lovelace", "ada@example.com")
		newUser(e, acme.Token, "Bob", "bob@example.com")
		devs := e.Devices(acme, 3, "Europe/Berlin")
		e.Devices(acme, 1, "UTC") // not granted: the user must not see it
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": ada, "deviceIDs": ids(devs), "language": "FR"}}, &g)

		if n, err := e.App.Mailer.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("sender: %d mails, %v", n, err)
		}
		msgs := smtp.Messages()
		if len(msgs) != 1 || len(msgs[0].Recipients) != 1 || msgs[0].Recipients[0] != "ada@example.com" {
			t.Fatalf("received %+v", msgs)
		}
		subject, text, html, err := msgs[0].Parts()
		if err != nil {
			t.Fatal(err)
		}
		code := codePattern.FindString(text)
		if code == "" || !strings.Contains(html, code) || !strings.Contains(text, "https://locks.example.com/invite/"+code) {
			t.Fatalf("no code or link in the mail:\n%s", text)
		}
		if !strings.Contains(text, "Acme Housing") || !strings.Contains(text, "Door 000") || !strings.Contains(subject+text, "invitation") && !strings.Contains(subject+text, "Invitation") {
			t.Errorf("mail lacks account, devices or subject: %q\n%s", subject, text)
		}
		var inv struct{ Node struct{ Delivery string } }
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { delivery } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &inv)
		if inv.Node.Delivery != "SENT" {
			t.Errorf("delivery = %s", inv.Node.Delivery)
		}

		// The app redeems the code as typed on a phone: lower case, no dashes.
		var r redeemed
		e.MustDo("", redeem, map[string]any{"code": strings.ToLower(strings.ReplaceAll(code, "-", " "))}, &r)
		rr := r.RedeemInvitation
		if rr.Token == "" || rr.User.ID != ada || len(rr.Permissions) != 3 {
			t.Fatalf("redeem: %+v", rr)
		}
		for _, p := range rr.Permissions {
			if p.Status != "ACTIVE" || p.Device.Name == "" {
				t.Errorf("redeemed permission %+v", p)
			}
		}
		if again := e.Do("", redeem, map[string]any{"code": code}); again.Code() != "INVITATION_INVALID" {
			t.Errorf("second redemption: %s", again.Body)
		}

		// The user's token reads its own data and nothing else.
		var own struct {
			Viewer struct {
				Role string
				User struct{ ID string }
			}
			Users       struct{ TotalCount int }
			Devices     struct{ TotalCount int }
			Permissions struct{ TotalCount int }
		}
		e.MustDo(rr.Token, `{ viewer { role user { id } } users { totalCount } devices { totalCount } permissions { totalCount } }`, nil, &own)
		if own.Viewer.Role != "USER" || own.Viewer.User.ID != ada || own.Users.TotalCount != 1 || own.Devices.TotalCount != 3 || own.Permissions.TotalCount != 3 {
			t.Errorf("user token sees: %+v", own)
		}
		for _, q := range []string{
			`mutation { createUser(input: {name: "X", email: "x@example.com"}) { user { id } } }`,
			fmt.Sprintf(`mutation { grantPermission(input: {userID: %q, deviceIDs: [%q]}) { invitation { id } } }`, ada, devs[0]),
			fmt.Sprintf(`mutation { revokePermission(id: %q) { permission { id } } }`, g.GrantPermission.Permissions[0].ID),
		} {
			expectRejected(t, e, rr.Token, q, nil, "FORBIDDEN", "")
		}

		// No plaintext code survives outside the mail itself.
		for _, m := range e.App.Client.Outbox.Query().Where(outbox.InvitationID(asID(g.GrantPermission.Invitation.ID))).AllX(auth.SystemContext(context.Background())) {
			if strings.Contains(m.TextBody+m.HTMLBody, code) {
				t.Error("the outbox keeps the code after sending")
			}
		}
		if strings.Contains(logs.String(), code) || strings.Contains(logs.String(), strings.ReplaceAll(code, "-", "")) {
			t.Error("the server log contains the code")
		}
		if strings.Contains(e.Snapshot(), code) || strings.Contains(e.Snapshot(), strings.ReplaceAll(code, "-", "")) {
			t.Error("a database row contains the code")
		}
	})
}

// TestInvitationExpiryWindow: a code works 48 h − 1 s after it was issued,
// not 48 h + 1 s.
func TestInvitationExpiryWindow(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		devs := e.Devices(acme, 2, "UTC")
		issue := func(email string, dev int) string {
			return grantCode(e, acme.Token, newUser(e, acme.Token, email, email), []any{string(devs[dev])}, nil)
		}
		early, late := issue("a@example.com", 0), issue("b@example.com", 1)
		if early == "" || late == "" {
			t.Fatal("delivery NONE returned no code")
		}
		e.Advance(48*time.Hour - time.Second)
		e.MustDo("", redeem, map[string]any{"code": early}, nil)
		e.Advance(2 * time.Second)
		expectRejectedWriting(t, e, redeemRefused, "", redeem, map[string]any{"code": late}, "INVITATION_INVALID", "")
	})
}

// TestConcurrentRedemption: of two simultaneous redemptions of one code,
// exactly one succeeds.
func TestConcurrentRedemption(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for round := range 5 {
			user := newUser(e, acme.Token, "U", fmt.Sprintf("u%d@example.com", round))
			code := grantCode(e, acme.Token, user, ids(e.Devices(acme, 1, "UTC")), nil)
			codes := make([]string, 2)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = e.Do("", redeem, map[string]any{"code": code}).Code()
				}()
			}
			wg.Wait()
			if !(codes[0] == "" && codes[1] == "INVITATION_INVALID" || codes[1] == "" && codes[0] == "INVITATION_INVALID") {
				t.Fatalf("round %d: outcomes %q", round, codes)
			}
		}
	})
}

// TestMailRetriedUntilServerIsUp: with the SMTP server down the mail stays
// queued with its error; once the server is up, the retry delivers it.
func TestMailRetriedUntilServerIsUp(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		addr := closedAddr(t) // nothing listens here until the server starts below
		down := &smtptest.Server{User: "mailer", Pass: "s3cret", Addr: addr}
		e := testenv.Start(t, db, testenv.WithSMTP(down.URL()))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, &g)
		ctx := auth.SystemContext(context.Background())
		mailRow := func() (int, string, string) {
			m := e.App.Client.Outbox.Query().OnlyX(ctx)
			last := ""
			if m.LastError != nil {
				last = *m.LastError
			}
			return m.Attempts, string(m.Status), last
		}
		delivery := func() string {
			var inv struct{ Node struct{ Delivery string } }
			e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { delivery } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &inv)
			return inv.Node.Delivery
		}

		if n, _ := e.App.Mailer.RunOnce(ctx); n != 1 {
			t.Fatalf("first round attempted %d", n)
		}
		attempts, status, last := mailRow()
		if attempts != 1 || status != "QUEUED" || last == "" || strings.Contains(last, "s3cret") || delivery() != "QUEUED" {
			t.Fatalf("after a failed attempt: %d %s %q %s", attempts, status, last, delivery())
		}
		// Not due again before the backoff has passed.
		if n, _ := e.App.Mailer.RunOnce(ctx); n != 0 {
			t.Errorf("retried before the backoff: %d", n)
		}
		up := smtptest.Start(t, addr)
		e.Advance(5 * time.Second)
		if n, err := e.App.Mailer.RunOnce(ctx); n != 1 || err != nil {
			t.Fatalf("retry: %d %v", n, err)
		}
		attempts, status, _ = mailRow()
		if attempts != 2 || status != "SENT" || len(up.Messages()) != 1 || delivery() != "SENT" {
			t.Errorf("after the retry: attempts %d, status %s, received %d, delivery %s", attempts, status, len(up.Messages()), delivery())
		}
	})
}

// TestRedeemRateLimit: ten failures in a minute lock the address out, even
// for a valid code, until the window has passed.
func TestRedeemRateLimit(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		code := grantCode(e, acme.Token, user, ids(e.Devices(acme, 1, "UTC")), nil)
		for i := range 10 {
			if r := e.Do("", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0000-%04d", i)}); r.Code() != "INVITATION_INVALID" {
				t.Fatalf("guess %d: %s", i, r.Body)
			}
		}
		r := expectRejected(t, e, "", redeem, map[string]any{"code": code}, "RATE_LIMITED", "")
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > 60 {
			t.Errorf("retryAfter = %v", r.Errors[0].Extensions["retryAfter"])
		}
		e.Advance(time.Minute)
		e.MustDo("", redeem, map[string]any{"code": code}, nil)
	})
}

// TestRedeemOncePerOperation: aliases cannot try several codes at once.
func TestRedeemOncePerOperation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		code := grantCode(e, acme.Token, user, ids(e.Devices(acme, 1, "UTC")), nil)
		expectRejected(t, e, "", `mutation($c: String!) { a: redeemInvitation(code: "0000-0000-0000-0000") { token } b: redeemInvitation(code: $c) { token } }`,
			map[string]any{"c": code}, "BAD_USER_INPUT", "")
	})
}

// TestResend: a resent invitation has a new code and window; the old code
// stops working and a new mail is queued in the chosen language.
func TestResend(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, &g)
		ctx := context.Background()
		if _, err := e.App.Mailer.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		e.Advance(50 * time.Hour) // expired
		var rs struct {
			ResendInvitation struct {
				Invitation struct{ Status, Language, ExpiresAt, Delivery string }
			}
		}
		e.MustDo(acme.Token, `mutation($id: ID!) { resendInvitation(id: $id, language: CS) { invitation { status language expiresAt delivery } } }`,
			map[string]any{"id": g.GrantPermission.Invitation.ID}, &rs)
		ri := rs.ResendInvitation.Invitation
		if ri.Status != "PENDING" || ri.Language != "CS" || ri.Delivery != "QUEUED" {
			t.Errorf("resent: %+v", ri)
		}
		if _, err := e.App.Mailer.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := smtp.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d mails", len(msgs))
		}
		_, oldText, _, _ := msgs[0].Parts()
		_, newText, _, _ := msgs[1].Parts()
		oldCode, newCode := codePattern.FindString(oldText), codePattern.FindString(newText)
		if oldCode == newCode || newCode == "" {
			t.Fatalf("codes %q %q", oldCode, newCode)
		}
		expectRejectedWriting(t, e, redeemRefused, "", redeem, map[string]any{"code": oldCode}, "INVITATION_INVALID", "")
		e.MustDo("", redeem, map[string]any{"code": newCode}, nil)
		expectRejected(t, e, acme.Token, `mutation($id: ID!) { resendInvitation(id: $id) { code } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, "CONFLICT", "")
	})
}

// TestMailGivesUp: with the SMTP server down for good, the sender retries
// with growing delays and gives up after the last attempt; the invitation
// then shows FAILED.
func TestMailGivesUp(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		down := &smtptest.Server{User: "mailer", Pass: "s3cret", Addr: closedAddr(t)}
		e := testenv.Start(t, db, testenv.WithSMTP(down.URL()))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, &g)
		ctx := auth.SystemContext(context.Background())
		var delays []time.Duration
		for attempt := 1; ; attempt++ {
			if n, _ := e.App.Mailer.RunOnce(ctx); n != 1 {
				t.Fatalf("attempt %d did not run", attempt)
			}
			m := e.App.Client.Outbox.Query().OnlyX(ctx)
			if m.Status == "FAILED" {
				if m.Attempts != e.App.Mailer.MaxAttempts {
					t.Errorf("gave up after %d attempts", m.Attempts)
				}
				break
			}
			wait := m.NextAttemptAt.Sub(e.Now())
			delays = append(delays, wait.Round(time.Second))
			e.Advance(wait)
		}
		var total time.Duration
		for i, d := range delays {
			total += d
			if i > 0 && d != min(2*delays[i-1], time.Hour) {
				t.Errorf("delays do not double up to an hour: %v", delays)
			}
		}
		t.Logf("%d attempts, delays between them %v, %v in all", e.App.Mailer.MaxAttempts, delays, total)
		var inv struct{ Node struct{ Delivery string } }
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { delivery } } }`, map[string]any{"id": g.GrantPermission.Invitation.ID}, &inv)
		if inv.Node.Delivery != "FAILED" {
			t.Errorf("delivery = %s", inv.Node.Delivery)
		}
	})
}

// TestGuessingTakesHours: from one address, 1,000 wrong guesses take over
// an hour and a half of the server's clock, whatever the client does.
func TestGuessingTakesHours(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		start := e.Now()
		for guesses := 0; guesses < 1000; {
			r := e.Do("", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0001-%04d", guesses)})
			switch r.Code() {
			case "INVITATION_INVALID":
				guesses++
			case "RATE_LIMITED":
				wait, _ := r.Errors[0].Extensions["retryAfter"].(float64)
				e.Advance(time.Duration(wait) * time.Second)
			default:
				t.Fatalf("guess %d: %s", guesses, r.Body)
			}
		}
		took := e.Now().Sub(start)
		t.Logf("1,000 failed guesses from one address took %v of server time", took)
		if took < 99*time.Minute {
			t.Errorf("1,000 guesses in %v", took)
		}
	})
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestOutboxSeveralInstances: two server instances on one database, each
// with two senders, deliver every queued mail exactly once.
func TestOutboxSeveralInstances(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		a := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		b := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := a.Account("Acme")
		devs := ids(a.Devices(acme, 1, "UTC"))
		const mails = 30
		for i := range mails {
			user := newUser(a, acme.Token, "U", fmt.Sprintf("u%d@example.com", i))
			a.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}, nil)
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		for _, w := range []*testenv.Env{a, a, b, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := w.App.Mailer.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range smtp.Messages() {
			seen[m.Recipients[0]]++
		}
		if len(seen) != mails {
			t.Errorf("%d distinct recipients, want %d", len(seen), mails)
		}
		for to, n := range seen {
			if n != 1 {
				t.Errorf("%s got %d mails", to, n)
			}
		}
		// Every mail is recorded as sent once, with its invitation.
		sys := auth.SystemContext(ctx)
		for _, m := range a.App.Client.Outbox.Query().WithInvitation().AllX(sys) {
			if m.Status != enum.DeliverySent || m.Attempts != 1 || m.LeaseUntil != nil || m.SentAt == nil || m.TextBody != "" || m.Edges.Invitation.Delivery != enum.DeliverySent {
				t.Errorf("mail %s: status %s, %d attempts, lease %v, sent %v, body kept %v, invitation %s",
					m.ID, m.Status, m.Attempts, m.LeaseUntil, m.SentAt, m.TextBody != "", m.Edges.Invitation.Delivery)
			}
		}
	})
}

// TestOutboxClaimsEarliestDue: a round of the sender claims at most a
// batch, the mails due earliest first (whatever the order they were
// written in), and leaves alone a mail due later.
func TestOutboxClaimsEarliestDue(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		smtp := smtptest.Start(t, "127.0.0.1:0")
		e := testenv.Start(t, db, testenv.WithSMTP(smtp.URL()))
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 1, "UTC"))
		batch := e.App.Mailer.Batch
		for i := range batch + 6 {
			user := newUser(e, acme.Token, "U", fmt.Sprintf("u%02d@example.com", i))
			e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}, nil)
		}
		// The later a mail was written, the earlier it is due; the last
		// one is due only tomorrow.
		sys := auth.SystemContext(context.Background())
		mails := e.App.Client.Outbox.Query().Order(outbox.ByID()).AllX(sys)
		want := map[string]bool{}
		for i, m := range mails {
			due := e.Now().Add(-time.Duration(i) * time.Minute)
			if i == len(mails)-1 {
				due = e.Now().Add(24 * time.Hour)
			} else if i >= len(mails)-1-batch {
				want[m.ToAddress] = true
			}
			e.App.Client.Outbox.UpdateOne(m).SetNextAttemptAt(due).ExecX(sys)
		}
		n, err := e.App.Mailer.RunOnce(context.Background())
		if err != nil || n != batch {
			t.Fatalf("round: %d mails, %v; want %d", n, err, batch)
		}
		got := map[string]bool{}
		for _, m := range smtp.Messages() {
			got[m.Recipients[0]] = true
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("sent to %v, want the %d due earliest %v", got, batch, want)
		}
		if left := e.App.Client.Outbox.Query().Where(outbox.StatusEQ(enum.DeliveryQueued), outbox.LeaseUntilIsNil()).CountX(sys); left != 6 {
			t.Errorf("%d mails left queued without a lease, want 6", left)
		}
	})
}

// TestActivationPage shows the code and how to redeem it, and never
// redeems: mail scanners follow links.
func TestActivationPage(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		code := grantCode(e, acme.Token, user, ids(e.Devices(acme, 1, "UTC")), nil)
		before := e.Snapshot()
		for _, path := range []string{"/invite/" + code, "/invite/" + strings.ToLower(strings.ReplaceAll(code, "-", ""))} {
			res, err := http.Get(e.Server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), code) || res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: %d %s", path, res.StatusCode, body)
			}
		}
		if e.Snapshot() != before {
			t.Error("opening the activation page changed data")
		}
		e.MustDo("", redeem, map[string]any{"code": code}, nil)
	})
}

// TestRateLimitAcrossInstances: failures count for an address on every
// instance of one database, and a redemption cannot ride along with
// another mutation.
func TestRateLimitAcrossInstances(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		a := testenv.Start(t, db)
		b := testenv.Start(t, db)
		acme := a.Account("Acme")
		user := newUser(a, acme.Token, "Ada", "ada@example.com")
		code := grantCode(a, acme.Token, user, ids(a.Devices(acme, 1, "UTC")), nil)
		for i := range 10 {
			e := a
			if i%2 == 1 {
				e = b
			}
			if r := e.Do("", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0002-%04d", i)}); r.Code() != "INVITATION_INVALID" {
				t.Fatalf("guess %d: %s", i, r.Body)
			}
		}
		expectRejected(t, b, "", redeem, map[string]any{"code": code}, "RATE_LIMITED", "")
		expectRejected(t, a, "", redeem, map[string]any{"code": code}, "RATE_LIMITED", "")
		a.Advance(time.Minute)
		b.Advance(time.Minute)
		expectRejected(t, a, acme.Token, `mutation($c: String!) { redeemInvitation(code: $c) { token } createUser(input: {name: "X", email: "x@example.com"}) { user { id } } }`,
			map[string]any{"c": code}, "BAD_USER_INPUT", "")
		b.MustDo("", redeem, map[string]any{"code": code}, nil)
	})
}
