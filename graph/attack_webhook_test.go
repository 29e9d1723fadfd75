package graph_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/webhook"
)

// The webhook review's attacks (issue #17): each test stands on the real
// server, both databases.

const atkCreateHook = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id } } }`

// atkHook creates an endpoint and returns its ID.
func atkHook(e *testenv.Env, token, url string, types ...string) string {
	e.T.Helper()
	id, _ := createEndpoint(e, token, url, types...)
	return id
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

// TestAttackWebhookDescriptionCountsCharacters: the description's bound
// is 500 characters, as the contract says, not 500 bytes: 300 "é" (600
// bytes) are taken, 501 characters are refused before anything is
// written.
func TestAttackWebhookDescriptionCountsCharacters(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
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
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
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
				rejectURL(t, e, acme.Token, url)
			})
		}
	})
}

// TestAttackWebhookUpdateInput: an update that empties the event types,
// or names a bad URL, is refused with its field and writes nothing.
func TestAttackWebhookUpdateInput(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		id := atkHook(e, acme.Token, "https://hooks.example.com/in", "USER_CREATED")
		const update = `mutation($id: ID!, $in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $in) { endpoint { id eventTypes } } }`
		expectRejected(t, e, acme.Token, update, map[string]any{"id": id, "in": map[string]any{"eventTypes": []string{}}}, "BAD_USER_INPUT", "input.eventTypes")
		expectRejected(t, e, acme.Token, update, map[string]any{"id": id, "in": map[string]any{"url": "http://0x7f.1/"}}, "BAD_USER_INPUT", "input.url")
		expectRejected(t, e, acme.Token, update, map[string]any{"id": id, "in": map[string]any{"url": ""}}, "BAD_USER_INPUT", "input.url")
	})
}

// TestAttackWebhookOtherAccount: account B reaches none of account A's
// endpoints or deliveries, by node, by any mutation or by redelivering
// A's delivery, and writes nothing trying; A's endpoint receives none of
// B's events.
func TestAttackWebhookOtherAccount(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme, other := e.Account("Acme"), e.Account("Other")
		rcv, posts := atkReceiver(t)
		hook := atkHook(e, acme.Token, rcv.URL+"/a", "USER_CREATED")
		newUser(e, other.Token, "B1", "b1@example.com")
		deliver(t, e)
		if n := posts.Load(); n != 0 {
			t.Fatalf("A's endpoint got %d posts of B's events", n)
		}
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		if n := posts.Load(); n != 1 {
			t.Fatalf("A's endpoint got %d posts, want 1", n)
		}
		var out struct {
			Node struct {
				Deliveries struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 5) { edges { node { id } } } } } }`,
			map[string]any{"id": hook}, &out)
		if len(out.Node.Deliveries.Edges) != 1 {
			t.Fatalf("deliveries %+v", out)
		}
		delivery := out.Node.Deliveries.Edges[0].Node.ID
		for _, id := range []string{hook, delivery} {
			r := e.Do(other.Token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if !strings.Contains(string(r.Body), `"node":null`) {
				t.Errorf("B read %s: %s", id, r.Body)
			}
		}
		var list struct{ WebhookEndpoints struct{ TotalCount int } }
		e.MustDo(other.Token, `{ webhookEndpoints { totalCount } }`, nil, &list)
		if list.WebhookEndpoints.TotalCount != 0 {
			t.Errorf("B lists %d endpoints", list.WebhookEndpoints.TotalCount)
		}
		for _, m := range []string{
			`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {description: "mine"}) { endpoint { id } } }`,
			`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { endpoint { id } } }`,
			`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { endpoint { id } } }`,
			`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`,
			`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedID } }`,
		} {
			expectRejected(t, e, other.Token, m, map[string]any{"id": hook}, "NOT_FOUND", "id")
		}
		expectRejected(t, e, other.Token, `mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { id } } }`,
			map[string]any{"id": delivery}, "NOT_FOUND", "id")
	})
}

// TestAttackWebhookNameResolvingInside: a name the check cannot judge
// (hooks.example.com) that resolves to loopback, or IPv4-mapped
// loopback, reaches nothing: the sender's dialer refuses the address at
// the connection, and the log says why.
func TestAttackWebhookNameResolvingInside(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		rcv, posts := atkReceiver(t)
		port := rcv.URL[strings.LastIndexByte(rcv.URL, ':')+1:]
		var lookups atomic.Int64
		e.App.WebhookSender.HTTP = webhook.NewHTTPClient(&webhook.Dialer{Lookup: func(context.Context, string) ([]netip.Addr, error) {
			lookups.Add(1)
			return []netip.Addr{netip.MustParseAddr("::ffff:127.0.0.1"), netip.MustParseAddr("127.0.0.1")}, nil
		}}, webhook.DefaultTimeout)
		hook := atkHook(e, acme.Token, "http://hooks.example.com:"+port+"/in", "USER_CREATED")
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		if n := posts.Load(); n != 0 || lookups.Load() == 0 {
			t.Fatalf("%d posts reached loopback (%d lookups)", n, lookups.Load())
		}
		var out struct {
			Node struct {
				Deliveries struct {
					Edges []struct {
						Node struct{ Status, LastError string }
					}
				}
			}
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 5) { edges { node { status lastError } } } } } }`,
			map[string]any{"id": hook}, &out)
		if d := out.Node.Deliveries.Edges; len(d) != 1 || d[0].Node.Status != "PENDING" || d[0].Node.LastError != webhook.ErrInternalTarget.Error() {
			t.Errorf("deliveries %+v", d)
		}
	})
}

// TestAttackWebhookDeletedOrDisabledGetsNothing: a disabled endpoint gets
// nothing, and nothing is queued for it meanwhile; deleting an endpoint
// removes its waiting deliveries, and no sender posts them.
func TestAttackWebhookDeletedOrDisabledGetsNothing(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		var posts atomic.Int64
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		t.Cleanup(rcv.Close)
		hook := atkHook(e, acme.Token, rcv.URL+"/in", "USER_CREATED")
		e.MustDo(acme.Token, `mutation($id: ID!) { disableWebhookEndpoint(id: $id) { endpoint { enabled } } }`, map[string]any{"id": hook}, nil)
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		sys := auth.SystemContext(context.Background())
		if n := posts.Load(); n != 0 || e.App.Client.WebhookDelivery.Query().CountX(sys) != 0 {
			t.Fatalf("a disabled endpoint: %d posts, %d deliveries", n, e.App.Client.WebhookDelivery.Query().CountX(sys))
		}
		e.MustDo(acme.Token, `mutation($id: ID!) { enableWebhookEndpoint(id: $id) { endpoint { enabled } } }`, map[string]any{"id": hook}, nil)
		newUser(e, acme.Token, "A2", "a2@example.com")
		deliver(t, e)
		if n := posts.Load(); n != 1 {
			t.Fatalf("%d posts, want 1 (refused)", n)
		}
		// Due again at once: the next round would post it.
		e.App.Client.WebhookDelivery.Update().SetNextAttemptAt(time.Now().Add(-time.Hour)).ExecX(sys)
		e.MustDo(acme.Token, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedID } }`, map[string]any{"id": hook}, nil)
		if n := e.App.Client.WebhookDelivery.Query().CountX(sys); n != 0 {
			t.Errorf("%d deliveries outlive their endpoint", n)
		}
		if _, err := e.App.WebhookSender.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := posts.Load(); n != 1 {
			t.Errorf("%d posts after the endpoint was deleted, want 1", n)
		}
	})
}

// TestAttackWebhookEmbeddedIPv4Ranges: IPv6 prefixes that carry an IPv4
// address to a translator inside the network, the local-use NAT64
// prefix 64:ff9b:1::/48 and the IPv4-compatible ::/96, are internal too.
func TestAttackWebhookEmbeddedIPv4Ranges(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for _, url := range []string{"http://[64:ff9b:1::a9fe:a9fe]/", "http://[64:ff9b:1:a9fe:a9:fe00::]/", "http://[::127.0.0.1]/", "http://[::169.254.169.254]/"} {
			rejectURL(t, e, acme.Token, url)
		}
	})
}

// TestAttackWebhookImpossiblePort: a URL whose port no connection can
// have (0, above 65535) is the client's mistake, refused at creation,
// not a delivery that fails for a day.
func TestAttackWebhookImpossiblePort(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for _, url := range []string{"https://hooks.example.com:0/", "https://hooks.example.com:65536/", "https://hooks.example.com:99999999999999999999/"} {
			rejectURL(t, e, acme.Token, url)
		}
		atkHook(e, acme.Token, "https://hooks.example.com:8443/in", "USER_CREATED")
	})
}

// TestAttackWebhookRedeliverInFlight: redelivering a delivery that a
// sender is posting right now is a CONFLICT; it does not free the
// delivery for a second sender, which would post it again beside the
// first.
func TestAttackWebhookRedeliverInFlight(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		var posts atomic.Int64
		arrived, release := make(chan string, 4), make(chan struct{})
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			arrived <- r.Header.Get("webhook-id")
			<-release
		}))
		t.Cleanup(rcv.Close)
		atkHook(e, acme.Token, rcv.URL+"/in", "USER_CREATED")
		newUser(e, acme.Token, "A1", "a1@example.com")
		ctx := context.Background()
		for i := 0; ; i++ {
			if _, err := e.App.Dispatcher.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if e.App.Client.WebhookDelivery.Query().CountX(auth.SystemContext(ctx)) == 1 {
				break
			}
			if i == 500 {
				t.Fatal("no delivery queued")
			}
			time.Sleep(10 * time.Millisecond)
		}
		first := make(chan error, 1)
		go func() { _, err := e.App.WebhookSender.RunOnce(ctx); first <- err }()
		id := <-arrived
		r := e.Do(acme.Token, `mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { status } } }`, map[string]any{"id": id})
		s := e.App.WebhookSender
		second := webhook.NewSender(s.Client, s.Keys, s.Mail, s.HTTP, s.Now, s.Log)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = second.RunOnce(ctx)
		}()
		select {
		case <-arrived:
			t.Errorf("a second sender posted the delivery while the first still was (redeliver answered %s)", r.Body)
		case <-done:
		}
		close(release)
		<-done
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if r.Code() != "CONFLICT" {
			t.Errorf("redeliver in flight: %s", r.Body)
		}
		if n := posts.Load(); n != 1 {
			t.Errorf("%d posts, want 1", n)
		}
	})
}

// TestAttackWebhookLookupErrorHidesResolver: a name that does not
// resolve is reported in the delivery log without the server's own
// resolver address (a glimpse of its internal network).
func TestAttackWebhookLookupErrorHidesResolver(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		e.App.WebhookSender.HTTP = webhook.NewHTTPClient(&webhook.Dialer{Lookup: func(_ context.Context, host string) ([]netip.Addr, error) {
			return nil, &net.DNSError{Err: "no such host", Name: host, Server: "10.9.8.7:53", IsNotFound: true}
		}}, webhook.DefaultTimeout)
		hook := atkHook(e, acme.Token, "https://nowhere.example.com/in", "USER_CREATED")
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		var out struct {
			Node struct {
				Deliveries struct {
					Edges []struct{ Node struct{ LastError string } }
				}
			}
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 5) { edges { node { lastError } } } } } }`,
			map[string]any{"id": hook}, &out)
		d := out.Node.Deliveries.Edges
		if len(d) != 1 || d[0].Node.LastError == "" || strings.Contains(d[0].Node.LastError, "10.9.8.7") || !strings.Contains(d[0].Node.LastError, "nowhere.example.com") {
			t.Errorf("deliveries %+v", d)
		}
	})
}

// TestAttackWebhookResetHidesOwnAddress: a receiver that resets the
// connection is reported without this server's end of it.
func TestAttackWebhookResetHidesOwnAddress(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			_ = c.(*net.TCPConn).SetLinger(0)
			_ = c.Close()
		}))
		t.Cleanup(rcv.Close)
		hook := atkHook(e, acme.Token, rcv.URL+"/in", "USER_CREATED")
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		var out struct {
			Node struct {
				Deliveries struct {
					Edges []struct{ Node struct{ LastError string } }
				}
			}
		}
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 5) { edges { node { lastError } } } } } }`,
			map[string]any{"id": hook}, &out)
		d := out.Node.Deliveries.Edges
		if len(d) != 1 || d[0].Node.LastError == "" || strings.Contains(d[0].Node.LastError, "->") {
			t.Errorf("deliveries %+v", d)
		}
	})
}

// TestAttackWebhookSecretShownOnce: the signing secrets (created and
// rotated) appear in their own answers only: not in the endpoint, its
// deliveries or the audit trail as any staff member reads them, not in
// the server's log, and not in any table, in base64, hex or raw bytes.
func TestAttackWebhookSecretShownOnce(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		var log bytes.Buffer
		var mu sync.Mutex
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate(), testenv.WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &mu}, nil))))
		acme := e.Account("Acme")
		rcv, _ := atkReceiver(t)
		var out struct {
			CreateWebhookEndpoint struct {
				Secret   string
				Endpoint struct{ ID string }
			}
		}
		e.MustDo(acme.Token, atkCreateHook, map[string]any{"in": map[string]any{"url": rcv.URL + "/in", "eventTypes": []string{"USER_CREATED", "WEBHOOK_SECRET_ROTATED"}}}, &out)
		hook, secrets := out.CreateWebhookEndpoint.Endpoint.ID, []string{out.CreateWebhookEndpoint.Secret}
		var rot struct{ RotateWebhookSecret struct{ Secret string } }
		e.MustDo(acme.Token, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": hook}, &rot)
		secrets = append(secrets, rot.RotateWebhookSecret.Secret)
		newUser(e, acme.Token, "A1", "a1@example.com")
		deliver(t, e)
		var forms []string
		for _, sec := range secrets {
			key, err := webhook.ParseSecret(sec)
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, sec, strings.TrimPrefix(sec, webhook.SecretPrefix), hex.EncodeToString(key), fmt.Sprintf("%q", key)[1:20])
		}
		seen := []string{}
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { id url description eventTypes enabled previousSecretUntil
			  deliveries(first: 10) { edges { node { id payload lastError eventType } } } } } }`,
			`{ webhookEndpoints { edges { node { id url previousSecretUntil } } } }`,
			`{ auditEvents(first: 50) { edges { node { action targets changes { field before after } } } } }`,
		} {
			r := e.Do(acme.Token, q, map[string]any{"id": hook})
			if r.Code() != "" {
				t.Fatalf("%s: %s", q, r.Body)
			}
			seen = append(seen, string(r.Body))
		}
		for name, rows := range e.Tables() {
			for _, row := range rows {
				seen = append(seen, name+": "+row)
			}
		}
		mu.Lock()
		seen = append(seen, log.String())
		mu.Unlock()
		for _, text := range seen {
			for _, f := range forms {
				if strings.Contains(text, f) {
					t.Errorf("a secret (%q) shows in %.300s", f, text)
				}
			}
		}
	})
}

// TestAttackWebhookUnicodeHost: a host in full-width or other
// compatibility characters is judged as the ASCII host the sender dials
// (IDNA mapping): full-width 127.0.0.1 and localhost are refused.
func TestAttackWebhookUnicodeHost(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for _, url := range []string{"http://１２７.０.０.１/", "http://ｌｏｃａｌｈｏｓｔ/", "http://①②⑦.0.0.1/", "http://169.254.169.254。/"} {
			rejectURL(t, e, acme.Token, url)
		}
		atkHook(e, acme.Token, "https://bücher.example/in", "USER_CREATED")
	})
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var _ = fmt.Sprint

// rejectURL: creating an endpoint for url is refused as the client's
// mistake on input.url, and writes nothing.
func rejectURL(t *testing.T, e *testenv.Env, token, url string) {
	t.Helper()
	expectRejected(t, e, token, atkCreateHook,
		map[string]any{"in": map[string]any{"url": url, "eventTypes": []string{"USER_CREATED"}}}, "BAD_USER_INPUT", "input.url")
}
