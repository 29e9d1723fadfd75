package observe

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics(nil, func(context.Context) (int, error) { return 7, nil })
	m.MailSent()
	m.MailSent()
	m.MailFailed()
	m.Redemption(RedemptionOK)
	m.Redemption(RedemptionRateLimited)
	m.Redemption("made-up")
	m.AccessDecision("EXPIRED")
	m.AccessDecision("ALLOWED")
	m.AccessDecision("ALLOWED")
	m.AccessDecision("something new")

	body := scrape(t, m)
	for _, name := range []string{
		"go_goroutines",
		"process_start_time_seconds",
		"latchkey_graphql_errors_total",
		"latchkey_mail_sent_total",
		"latchkey_mail_send_failures_total",
		"latchkey_invitation_redemptions_total",
		"latchkey_access_decisions_total",
		"latchkey_outbox_depth",
		"latchkey_outbox_depth_errors_total",
	} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("metric %s missing", name)
		}
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"latchkey_outbox_depth", nil, 7},
		{"latchkey_outbox_depth_errors_total", nil, 0},
		{"latchkey_mail_sent_total", nil, 2},
		{"latchkey_mail_send_failures_total", nil, 1},
		{"latchkey_invitation_redemptions_total", map[string]string{"outcome": "ok"}, 1},
		{"latchkey_invitation_redemptions_total", map[string]string{"outcome": "invalid"}, 0},
		{"latchkey_invitation_redemptions_total", map[string]string{"outcome": "rate_limited"}, 1},
		{"latchkey_invitation_redemptions_total", map[string]string{"outcome": "other"}, 1},
		{"latchkey_access_decisions_total", map[string]string{"reason": "ALLOWED"}, 2},
		{"latchkey_access_decisions_total", map[string]string{"reason": "EXPIRED"}, 1},
		{"latchkey_access_decisions_total", map[string]string{"reason": "REMOTE_NOT_ALLOWED"}, 0},
		{"latchkey_access_decisions_total", map[string]string{"reason": "other"}, 1},
		{"latchkey_graphql_errors_total", map[string]string{"code": "INTERNAL"}, 0},
	}
	for _, c := range checks {
		if got := value(t, body, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(samples(t, body, "latchkey_access_decisions_total")); n != len(accessReasons)+1 {
		t.Errorf("%d access decision series, want %d", n, len(accessReasons)+1)
	}
	if n := len(samples(t, body, "latchkey_invitation_redemptions_total")); n != 4 {
		t.Errorf("%d redemption series, want 4", n)
	}
	// Without a database there are no pool statistics.
	if strings.Contains(body, "latchkey_db_") {
		t.Error("pool statistics without a database")
	}
}

func TestMetricsOutboxFailure(t *testing.T) {
	var deadline time.Duration
	m := NewMetrics(nil, func(ctx context.Context) (int, error) {
		d, ok := ctx.Deadline()
		if !ok {
			t.Error("outboxDepth called without a deadline")
		}
		deadline = time.Until(d)
		return 0, errors.New("database gone")
	})
	body := scrape(t, m)
	if deadline <= 0 || deadline > OutboxTimeout {
		t.Errorf("outboxDepth deadline in %v, want within %v", deadline, OutboxTimeout)
	}
	if s := samples(t, body, "latchkey_outbox_depth"); len(s) != 0 {
		t.Errorf("outbox depth reported after a failure: %v", s)
	}
	if got := value(t, body, "latchkey_outbox_depth_errors_total", nil); got != 1 {
		t.Errorf("outbox errors = %v, want 1", got)
	}
	// The rest of the scrape is served.
	value(t, body, "latchkey_mail_sent_total", nil)
}

// TestMetricsNil: with its metrics left unset (nil), code records nothing
// and a GraphQL server still answers and writes its request log lines,
// with the operation, outcome and error codes.
func TestMetricsNil(t *testing.T) {
	var m *Metrics
	m.MailSent()
	m.MailFailed()
	m.Redemption(RedemptionOK)
	m.AccessDecision("ALLOWED")

	var buf bytes.Buffer
	h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), newTestServer(m))
	cases := []struct{ name, query, body, outcome, codes string }{
		{"Fine", `query Fine { users }`, `{"data":null}`, OutcomeOK, "<nil>"},
		{"Broken", `query Broken { boom }`, `"code":"INTERNAL"`, OutcomeError, "[INTERNAL]"},
	}
	for _, c := range cases {
		if rec := post(t, h, gqlBody(c.query, "", nil)); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s without metrics: status %d, body %s", c.query, rec.Code, rec.Body)
		}
	}
	lines := requestLines(t, &buf)
	if len(lines) != len(cases) {
		t.Fatalf("%d request lines for %d requests:\n%s", len(lines), len(cases), buf.String())
	}
	for i, c := range cases {
		if l := lines[i]; l["operation"] != c.name || l["outcome"] != c.outcome || fmt.Sprint(l["error_codes"]) != c.codes {
			t.Errorf("log line of %s without metrics: %v", c.query, l)
		}
	}
}

func TestDBStatsCollector(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "stats.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(db, nil)

	body := scrape(t, m)
	for name, want := range map[string]float64{
		"latchkey_db_open_connections":            1,
		"latchkey_db_connections_in_use":          0,
		"latchkey_db_connections_idle":            1,
		"latchkey_db_max_open_connections":        1,
		"latchkey_db_wait_count_total":            0,
		"latchkey_db_wait_duration_seconds_total": 0,
	} {
		if got := value(t, body, name, nil); got != want {
			t.Errorf("idle pool: %s = %v, want %v", name, got, want)
		}
	}

	// Hold the only connection and make a second caller wait for it.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err = db.PingContext(waitCtx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second caller: %v, want it to time out waiting", err)
	}
	body = scrape(t, m)
	for name, want := range map[string]float64{
		"latchkey_db_open_connections":   1,
		"latchkey_db_connections_in_use": 1,
		"latchkey_db_connections_idle":   0,
		"latchkey_db_wait_count_total":   1,
	} {
		if got := value(t, body, name, nil); got != want {
			t.Errorf("busy pool: %s = %v, want %v", name, got, want)
		}
	}
	if got := value(t, body, "latchkey_db_wait_duration_seconds_total", nil); got < 0.02 {
		t.Errorf("wait duration = %vs, want at least the 30ms waited (less slack)", got)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	body = scrape(t, m)
	if got := value(t, body, "latchkey_db_connections_idle", nil); got != 1 {
		t.Errorf("after release: idle = %v, want 1", got)
	}
	if !strings.Contains(body, "# TYPE latchkey_db_wait_count_total counter") ||
		!strings.Contains(body, "# TYPE latchkey_db_open_connections gauge") {
		t.Error("pool statistics have the wrong metric types")
	}
}
