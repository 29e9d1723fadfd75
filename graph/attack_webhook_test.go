package graph_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/testenv"
)

// The webhook review's attacks (issue #17): each test stands on the real
// server, both databases.

const atkCreateHook = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id } } }`

// atkHook creates an endpoint and returns its ID.
func atkHook(e *testenv.Env, token, url string, types ...string) string {
	e.T.Helper()
	var out struct {
		CreateWebhookEndpoint struct{ Endpoint struct{ ID string } }
	}
	e.MustDo(token, atkCreateHook, map[string]any{"in": map[string]any{"url": url, "eventTypes": types}}, &out)
	return out.CreateWebhookEndpoint.Endpoint.ID
}

// atkReceiver counts the posts a loopback receiver gets.
func atkReceiver(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// atkDeliver dispatches the feed up to its last record, then runs the
// sender once.
func atkDeliver(t *testing.T, e *testenv.Env) {
	t.Helper()
	ctx := context.Background()
	sys := auth.SystemContext(ctx)
	last := e.App.Client.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).FirstX(sys)
	for i := 0; ; i++ {
		if _, err := e.App.Dispatcher.RunOnce(ctx); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
		if row, err := e.App.Client.WebhookDispatch.Query().Only(sys); err == nil && row.CursorID >= string(last.ID) {
			break
		}
		if i == 500 {
			t.Fatalf("the dispatcher did not reach %s", last.ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := e.App.WebhookSender.RunOnce(ctx); err != nil {
		t.Logf("send round: %v", err)
	}
}

// TestAttackWebhookDescriptionCountsCharacters: the description's bound
// is 500 characters, as the contract says, not 500 bytes: 300 "é" (600
// bytes) are taken, 501 characters are refused before anything is
// written.
func TestAttackWebhookDescriptionCountsCharacters(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		in := map[string]any{"url": "https://hooks.example.com/in", "eventTypes": []string{"USER_CREATED"}, "description": strings.Repeat("é", 300)}
		if r := e.Do(acme.Token, atkCreateHook, map[string]any{"in": in}); r.Code() != "" {
			t.Errorf("300 characters refused: %s", r.Body)
		}
		in["description"] = strings.Repeat("é", 501)
		expectRejected(t, e, acme.Token, atkCreateHook, map[string]any{"in": in}, "BAD_USER_INPUT", "input.description")
	})
}

// TestAttackWebhookInternalHostNotations: an internal address written in
// any notation a resolver or URL parser takes for an IPv4 address
// (decimal, octal, hex, short forms), IPv4-mapped or NAT64 IPv6, with a
// trailing dot or behind a user name, is refused at creation and writes
// nothing.
func TestAttackWebhookInternalHostNotations(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for _, url := range []string{
			"http://127.0.0.1/", "http://127.0.0.1./", "http://localhost/", "http://LOCALHOST./", "http://a.localhost/",
			"http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://10.0.0.1/", "http://0.0.0.0/",
			"http://[::1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
			"http://[64:ff9b::a9fe:a9fe]/", "http://[fd00::1]/", "http://[fe80::1%25eth0]/", "http://[2002:7f00:1::]/",
			"http://evil@127.0.0.1/", "http://evil.com@127.0.0.1/", "ftp://example.com/", "file:///etc/passwd", "gopher://example.com/",
			"http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/", "http://017700000001/",
			"http://127.1/", "http://127.0.1/", "http://0/", "http://2852039166/", "http://0xa9.0xfe.0xa9.0xfe/", "http://2130706433./",
		} {
			t.Run(url, func(t *testing.T) {
				expectRejected(t, e, acme.Token, atkCreateHook,
					map[string]any{"in": map[string]any{"url": url, "eventTypes": []string{"USER_CREATED"}}}, "BAD_USER_INPUT", "input.url")
			})
		}
	})
}

var _ = fmt.Sprint
