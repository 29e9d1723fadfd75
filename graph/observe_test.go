package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestMetricsAndRequestLog: /metrics counts operations by root field and
// outcome, errors by code, and access decisions; every request has one log
// line with its id, and no token or code ever reaches the log.
func TestMetricsAndRequestLog(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var logs testenv.Buffer
		e := testenv.Start(t, db, testenv.WithLogger(observe.NewLogger(&logs, true, slog.LevelInfo)))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 1, "Europe/Berlin"))
		code := grantCode(e, acme.Token, user, devs, nil)
		e.MustDo(acme.Token, checkAccess, map[string]any{"u": user, "d": devs[0]}, nil)
		e.Do("", redeem, map[string]any{"code": "0000-0000-0000-0000"})
		e.MustDo("", redeem, map[string]any{"code": code}, nil)
		for i := range 50 {
			e.Do(acme.Token, fmt.Sprintf(`query Op%d { users { totalCount } }`, i), nil)
		}

		res, err := http.Get(e.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics := string(body)
		for _, want := range []string{
			`latchkey_graphql_requests_total{operation="users",outcome="ok"} 50`,
			`latchkey_graphql_requests_total{operation="grantPermission",outcome="ok"} 1`,
			`latchkey_graphql_requests_total{operation="redeemInvitation",outcome="error"} 1`,
			`latchkey_graphql_errors_total{code="INVITATION_INVALID"} 1`,
			`latchkey_invitation_redemptions_total{outcome="ok"} 1`,
			`latchkey_invitation_redemptions_total{outcome="invalid"} 1`,
			`latchkey_access_decisions_total{reason="PENDING_INVITATION"} 1`,
			`latchkey_outbox_depth 0`,
			`latchkey_db_open_connections`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(metrics, "Op1") {
			t.Error("client operation names reach metric labels")
		}

		// One JSON line per request, with its id; nothing secret.
		var lines, withAccount int
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %s", line)
			}
			if rec["msg"] != "http request" {
				continue
			}
			lines++
			if rec["request_id"] == "" || rec["request_id"] == nil {
				t.Errorf("log line without request id: %s", line)
			}
			if rec["account_id"] == string(acme.ID) {
				withAccount++
			}
		}
		if lines < 54 || withAccount < 50 {
			t.Errorf("%d request lines, %d with the account", lines, withAccount)
		}
		all := logs.String()
		for _, secret := range []string{acme.Token, code, strings.ReplaceAll(code, "-", "")} {
			if strings.Contains(all, secret) {
				t.Errorf("the log contains a secret: %s", secret)
			}
		}

		// The response carries the request id.
		req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/query", bytes.NewReader([]byte(`{"query":"{ viewer { role } }"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+acme.Token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if len(r.Header.Get("X-Request-ID")) < 8 {
			t.Errorf("X-Request-ID = %q", r.Header.Get("X-Request-ID"))
		}
	})
}
