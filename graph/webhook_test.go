package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/webhook"
)

// received is one post a test receiver got.
type received struct {
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// receiver is a real HTTP server on loopback that records every post and
// answers with status() (200 when nil).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	posts  []received
	status func() int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.posts = append(r.posts, received{Headers: map[string]string{
			"webhook-id":        req.Header.Get("webhook-id"),
			"webhook-timestamp": req.Header.Get("webhook-timestamp"),
			"webhook-signature": req.Header.Get("webhook-signature"),
		}, Body: string(body)})
		status := r.status
		r.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			code = status()
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.posts...)
}

// createEndpoint creates an endpoint for the event types and returns its
// ID and secret.
func createEndpoint(e *testenv.Env, token, url string, types ...string) (string, string) {
	e.T.Helper()
	var out struct {
		CreateWebhookEndpoint struct {
			Secret   string
			Endpoint struct{ ID string }
		}
	}
	e.MustDo(token, `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id } } }`,
		map[string]any{"in": map[string]any{"url": url, "eventTypes": types}}, &out)
	return out.CreateWebhookEndpoint.Endpoint.ID, out.CreateWebhookEndpoint.Secret
}

// deliver runs this instance's dispatcher until the feed is read, then
// its sender once.
func deliver(t *testing.T, e *testenv.Env) {
	t.Helper()
	ctx := context.Background()
	sys := auth.SystemContext(ctx)
	last := e.App.Client.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).FirstX(sys)
	// On PostgreSQL a record is read once every older transaction has
	// ended (other tests' too): bounded waits until the last is passed.
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

// grantOne grants a new user one new device in acme.
func grantOne(e *testenv.Env, acme testenv.Account, n int) {
	e.T.Helper()
	u := newUser(e, acme.Token, fmt.Sprintf("U%d", n), fmt.Sprintf("u%d@example.com", n))
	grantCode(e, acme.Token, u, ids(e.Devices(acme, 1, "UTC")), nil)
}

type deliveryNode struct {
	ID             string
	EventType      string
	Status         string
	Attempts       int
	LastStatusCode *int
	LastDurationMs *int
	LastError      *string
}

type endpointNode struct {
	Enabled        bool
	DisabledReason *string
	Deliveries     struct {
		Edges []struct{ Node deliveryNode }
	}
}

func endpointOf(e *testenv.Env, token, id string) endpointNode {
	e.T.Helper()
	var out struct{ Node endpointNode }
	e.MustDo(token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledReason
	  deliveries(first: 50) { edges { node { id eventType status attempts lastStatusCode lastDurationMs lastError } } } } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// TestWebhookSignatureVerifiesWithTheReferenceLibrary: a grant becomes
// one delivery, posted with the Standard Webhooks headers; the reference
// library (npm standardwebhooks) accepts it with the endpoint's secret and
// refuses it with another; the delivery log shows the status and timing.
func TestWebhookSignatureVerifiesWithTheReferenceLibrary(t *testing.T) {
	dir := testenv.Client(t, "webhooks")
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		rcv := newReceiver(t)
		id, secret := createEndpoint(e, acme.Token, rcv.URL+"/hooks?token=abc", "PERMISSIONS_GRANTED")
		grantOne(e, acme, 1)
		deliver(t, e)
		posts := rcv.got()
		if len(posts) != 1 {
			t.Fatalf("%d posts, want 1", len(posts))
		}
		var p webhook.Payload
		if err := json.Unmarshal([]byte(posts[0].Body), &p); err != nil || p.Type != "permissions.granted" || p.Data.Action != enum.AuditPermissionsGranted || len(p.Data.Targets) == 0 {
			t.Errorf("payload %s (%v)", posts[0].Body, err)
		}
		// The secret is sealed at rest: neither it nor its key is in any row.
		snapshot := e.Snapshot()
		for _, v := range []string{secret, strings.TrimPrefix(secret, webhook.SecretPrefix)} {
			if strings.Contains(snapshot, v) {
				t.Errorf("a table holds the secret %q", v)
			}
		}
		other, _ := webhook.NewSecret()
		if got := verify(t, dir, []string{secret, other}, posts); got != "[[true,false]]" {
			t.Errorf("standardwebhooks verified %s, want [[true,false]] (the secret, not another)", got)
		}
		ds := endpointOf(e, acme.Token, id).Deliveries.Edges
		if len(ds) != 1 || ds[0].Node.Status != "DELIVERED" || ds[0].Node.LastStatusCode == nil || *ds[0].Node.LastStatusCode != 200 ||
			ds[0].Node.LastDurationMs == nil || ds[0].Node.ID != posts[0].Headers["webhook-id"] {
			t.Errorf("delivery log %+v", ds)
		}
	})
}

// verify runs the reference library over the posts with each secret.
func verify(t *testing.T, dir string, secrets []string, posts []received) string {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"secrets": secrets, "messages": posts})
	file := filepath.Join(t.TempDir(), "messages.json")
	if err := os.WriteFile(file, in, 0o600); err != nil {
		t.Fatal(err)
	}
	var out struct{ Results json.RawMessage }
	if err := json.Unmarshal([]byte(testenv.Node(t, dir, "verify.mjs", file)), &out); err != nil {
		t.Fatal(err)
	}
	return string(out.Results)
}

// TestWebhookRotationSignsWithBoth: after rotateWebhookSecret a delivery
// carries two signatures, each accepted by the reference library with its
// secret; once the overlap has passed, only the new secret signs.
func TestWebhookRotationSignsWithBoth(t *testing.T) {
	dir := testenv.Client(t, "webhooks")
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		rcv := newReceiver(t)
		id, old := createEndpoint(e, acme.Token, rcv.URL, "USER_CREATED")
		var out struct{ RotateWebhookSecret struct{ Secret string } }
		e.MustDo(acme.Token, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": id}, &out)
		fresh := out.RotateWebhookSecret.Secret
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		posts := rcv.got()
		if len(posts) != 1 || len(strings.Fields(posts[0].Headers["webhook-signature"])) != 2 {
			t.Fatalf("posts %+v, want one with two signatures", posts)
		}
		if got := verify(t, dir, []string{old, fresh}, posts); got != "[[true,true]]" {
			t.Errorf("standardwebhooks verified %s, want both secrets", got)
		}
		e.Advance(webhook.DefaultOverlap + time.Minute)
		newUser(e, acme.Token, "B", "b@example.com")
		deliver(t, e)
		posts = rcv.got()
		if len(posts) != 2 {
			t.Fatalf("%d posts, want 2", len(posts))
		}
		old0, _ := webhook.ParseSecret(old)
		new0, _ := webhook.ParseSecret(fresh)
		last := posts[1]
		var ts int64
		fmt.Sscan(last.Headers["webhook-timestamp"], &ts)
		if got, want := last.Headers["webhook-signature"], webhook.Sign(last.Headers["webhook-id"], ts, []byte(last.Body), new0); got != want {
			t.Errorf("after the overlap: %q, want the new secret's only %q (old: %q)", got, want, webhook.Sign(last.Headers["webhook-id"], ts, []byte(last.Body), old0))
		}
	})
}

// TestWebhookReceiverDownThenUp: a receiver that fails, then works, gets
// every delivery once it is back (at least once: each webhook-id at least
// once, every event present); the retries wait by the backoff, on the
// server's clock.
func TestWebhookReceiverDownThenUp(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		rcv := newReceiver(t)
		var down sync.Mutex
		up := false
		rcv.status = func() int {
			down.Lock()
			defer down.Unlock()
			if up {
				return 204
			}
			return 503
		}
		id, _ := createEndpoint(e, acme.Token, rcv.URL, "USER_CREATED")
		for i := range 5 {
			newUser(e, acme.Token, fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i))
		}
		deliver(t, e)
		deliver(t, e) // nothing is due again before its backoff
		if n := len(rcv.got()); n != 5 {
			t.Fatalf("%d posts while down, want 5 (one each, then waiting)", n)
		}
		for range 3 {
			e.Advance(time.Hour)
			deliver(t, e)
		}
		down.Lock()
		up = true
		down.Unlock()
		e.Advance(5 * time.Hour)
		deliver(t, e)
		seen := map[string]bool{}
		for _, p := range rcv.got() {
			seen[p.Headers["webhook-id"]] = true
		}
		ep := endpointOf(e, acme.Token, id)
		for _, d := range ep.Deliveries.Edges {
			if d.Node.Status != "DELIVERED" || !seen[d.Node.ID] || d.Node.Attempts < 2 {
				t.Errorf("delivery %+v after the receiver came back", d.Node)
			}
		}
		if len(ep.Deliveries.Edges) != 5 || !ep.Enabled {
			t.Errorf("%d deliveries, enabled %v; want 5, enabled", len(ep.Deliveries.Edges), ep.Enabled)
		}
	})
}

// TestWebhookSustainedFailureDisables: a receiver that never accepts
// exhausts a delivery's attempts (about a day), which disables its
// endpoint, recorded as the server's act, and queues a notice to the
// account's owner in the owner's language; nothing is posted after.
func TestWebhookSustainedFailureDisables(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		e.MustDo(acme.Token, `mutation { inviteAdmin(input: {name: "Olga", email: "olga@example.com", role: OWNER, language: DE}) { admin { id } } }`, nil, nil)
		rcv := newReceiver(t)
		rcv.status = func() int { return 500 }
		id, _ := createEndpoint(e, acme.Token, rcv.URL, "USER_CREATED")
		newUser(e, acme.Token, "A", "a@example.com")
		for i := 0; i < 40 && endpointOf(e, acme.Token, id).Enabled; i++ {
			deliver(t, e)
			e.Advance(5 * time.Hour)
		}
		ep := endpointOf(e, acme.Token, id)
		if ep.Enabled || ep.DisabledReason == nil || !strings.Contains(*ep.DisabledReason, "HTTP 500") {
			t.Fatalf("endpoint %+v, want disabled with the last error", ep)
		}
		d := ep.Deliveries.Edges[0].Node
		if d.Status != "FAILED" || d.Attempts != webhook.DefaultMaxAttempts {
			t.Errorf("delivery %+v, want FAILED after %d attempts", d, webhook.DefaultMaxAttempts)
		}
		// The attempts' waits sum to about a day (with jitter, 19 to 30 h).
		sum := time.Duration(0)
		for n := 1; n < webhook.DefaultMaxAttempts; n++ {
			sum += webhook.Backoff(n)
		}
		if sum < 19*time.Hour || sum > 30*time.Hour {
			t.Errorf("the retries span %s, want about a day", sum)
		}
		posts := len(rcv.got())
		deliver(t, e)
		if len(rcv.got()) != posts || posts != webhook.DefaultMaxAttempts {
			t.Errorf("%d posts (then %d), want exactly %d", posts, len(rcv.got()), webhook.DefaultMaxAttempts)
		}
		page := auditEvents(e, acme.Token, map[string]any{"action": "WEBHOOK_ENDPOINT_DISABLED"})
		if page.AuditEvents.TotalCount != 1 || page.AuditEvents.Edges[0].Node.Actor.Kind != "SYSTEM" {
			t.Errorf("audit %+v, want one WEBHOOK_ENDPOINT_DISABLED by the server", page)
		}
		ctx := auth.SystemContext(context.Background())
		mails := e.App.Client.Outbox.Query().Where(outbox.ToAddress("olga@example.com"), outbox.SubjectHasPrefix("Webhook deaktiviert")).CountX(ctx)
		if mails != 1 {
			t.Errorf("%d notices to the owner in German, want 1", mails)
		}
	})
}

// TestWebhookRedeliver: a delivered event is posted again on request,
// with the same webhook-id.
func TestWebhookRedeliver(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		rcv := newReceiver(t)
		id, _ := createEndpoint(e, acme.Token, rcv.URL, "USER_CREATED")
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		d := endpointOf(e, acme.Token, id).Deliveries.Edges[0].Node
		e.MustDo(acme.Token, `mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { status } } }`, map[string]any{"id": d.ID}, nil)
		deliver(t, e)
		posts := rcv.got()
		if len(posts) != 2 || posts[0].Headers["webhook-id"] != d.ID || posts[1].Headers["webhook-id"] != d.ID {
			t.Errorf("posts %+v, want the delivery %s twice", posts, d.ID)
		}
	})
}

// TestWebhookRefusesInternalTargets: internal URLs are refused at create
// (BAD_USER_INPUT on input.url, nothing written); a name that resolves to
// loopback is refused when the server connects, and the receiver hears
// nothing.
func TestWebhookRefusesInternalTargets(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		for _, url := range []string{"http://127.0.0.1:8080/", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "http://100.64.0.1/",
			"http://[fd00::1]/", "http://localhost/", "http://api.localhost/", "http://0.0.0.0/", "http://224.0.0.1/", "http://192.168.1.1/",
			"http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a00:1]/", "ftp://hooks.example.com/", "https://user:pw@hooks.example.com/"} {
			t.Run(url, func(t *testing.T) {
				expectRejected(t, e, acme.Token, `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret } }`,
					map[string]any{"in": map[string]any{"url": url, "eventTypes": []string{"USER_CREATED"}}}, "BAD_USER_INPUT", "input.url")
			})
		}
		rcv := newReceiver(t)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(rcv.URL, "http://"))
		id, _ := createEndpoint(e, acme.Token, "http://hooks.example.test:"+port+"/", "USER_CREATED")
		e.App.WebhookSender.HTTP = webhook.NewHTTPClient(&webhook.Dialer{Lookup: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}}, webhook.DefaultTimeout)
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		d := endpointOf(e, acme.Token, id).Deliveries.Edges[0].Node
		if len(rcv.got()) != 0 || d.Status != "PENDING" || d.LastError == nil || !strings.Contains(*d.LastError, "internal") {
			t.Errorf("posts %d, delivery %+v: want none, refused as internal", len(rcv.got()), d)
		}
	})
}

// TestWebhookInputErrorsAllAtOnce: every invalid field is named, and
// nothing is written.
func TestWebhookInputErrorsAllAtOnce(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		r := expectRejected(t, e, acme.Token, `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret } }`,
			map[string]any{"in": map[string]any{"url": "not a url", "description": "a\u202eb", "eventTypes": []string{}}}, "BAD_USER_INPUT", "")
		fields := map[string]bool{}
		for _, err := range r.Errors {
			f, _ := err.Extensions["field"].(string)
			fields[f] = true
		}
		for _, f := range []string{"input.url", "input.description", "input.eventTypes"} {
			if !fields[f] {
				t.Errorf("no error for %s: %s", f, r.Body)
			}
		}
	})
}

// TestWebhookRedirectNotFollowed: a 302 is a failed attempt, and its
// target hears nothing.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		target := newReceiver(t)
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL, http.StatusFound)
		}))
		t.Cleanup(redirect.Close)
		id, _ := createEndpoint(e, acme.Token, redirect.URL, "USER_CREATED")
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		d := endpointOf(e, acme.Token, id).Deliveries.Edges[0].Node
		if len(target.got()) != 0 || d.Status != "PENDING" || d.LastStatusCode == nil || *d.LastStatusCode != 302 {
			t.Errorf("redirect target got %d posts; delivery %+v", len(target.got()), d)
		}
	})
}

// TestWebhookBoundsTheAnswer: an endless answer is read only up to
// webhook.MaxResponse, and a receiver that does not answer in time fails
// the attempt at the timeout.
func TestWebhookBoundsTheAnswer(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := e.Account("Acme")
		written := make(chan int64, 1)
		release := make(chan struct{})
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			chunk := make([]byte, 32<<10)
			var n int64
			for n < 1<<30 {
				if _, err := w.Write(chunk); err != nil {
					break
				}
				n += int64(len(chunk))
			}
			written <- n
		}))
		t.Cleanup(big.Close)
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(func() { close(release); slow.Close() })
		bigID, _ := createEndpoint(e, acme.Token, big.URL, "USER_CREATED")
		slowID, _ := createEndpoint(e, acme.Token, slow.URL, "USER_CREATED")
		e.App.WebhookSender.HTTP = webhook.NewHTTPClient(&webhook.Dialer{AllowPrivate: true}, 500*time.Millisecond)
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		if d := endpointOf(e, acme.Token, bigID).Deliveries.Edges[0].Node; d.Status != "DELIVERED" {
			t.Errorf("the endless answer: %+v", d)
		}
		if n := <-written; n >= 1<<30 {
			t.Errorf("the receiver wrote %d bytes: the answer was read to the end", n)
		}
		d := endpointOf(e, acme.Token, slowID).Deliveries.Edges[0].Node
		if d.Status != "PENDING" || d.LastError == nil || *d.LastError != "timed out" || d.LastStatusCode != nil {
			t.Errorf("the silent receiver: %+v", d)
		}
	})
}

// TestWebhookTenancy: another account's endpoints and deliveries answer
// as IDs that do not exist.
func TestWebhookTenancy(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme, other := e.Account("Acme"), e.Account("Other")
		rcv := newReceiver(t)
		id, _ := createEndpoint(e, acme.Token, rcv.URL, "USER_CREATED")
		newUser(e, acme.Token, "A", "a@example.com")
		deliver(t, e)
		delivery := endpointOf(e, acme.Token, id).Deliveries.Edges[0].Node.ID
		var list struct{ WebhookEndpoints struct{ TotalCount int } }
		e.MustDo(other.Token, `{ webhookEndpoints { totalCount } }`, nil, &list)
		if list.WebhookEndpoints.TotalCount != 0 {
			t.Errorf("the other account lists %d endpoints", list.WebhookEndpoints.TotalCount)
		}
		for _, c := range []struct{ doc, id, missing string }{
			{`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {description: "x"}) { endpoint { id } } }`, id, missing("whe")},
			{`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedID } }`, id, missing("whe")},
			{`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, id, missing("whe")},
			{`mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { id } } }`, delivery, missing("whd")},
			{`query($id: ID!) { node(id: $id) { id } }`, id, missing("whe")},
			{`query($id: ID!) { node(id: $id) { id } }`, delivery, missing("whd")},
		} {
			foreign := e.Do(other.Token, c.doc, map[string]any{"id": c.id})
			absent := e.Do(other.Token, c.doc, map[string]any{"id": c.missing})
			// The answers without extensions.cost, whose budget counts down.
			answer := func(r *testenv.Response, id string) string {
				b, _ := json.Marshal([]any{r.Errors, r.Data})
				return strings.ReplaceAll(string(b), id, "ID")
			}
			f, a := answer(foreign, c.id), answer(absent, c.missing)
			if f != a {
				t.Errorf("%s: a foreign ID answers %s, a missing one %s", c.doc, f, a)
			}
		}
	})
}

// TestWebhookTwoInstancesDeliverOnce (PostgreSQL): two servers on one
// database, dispatching and sending at the same time, write each delivery
// once and post each once.
func TestWebhookTwoInstancesDeliverOnce(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		if !database.IsPostgres(db) {
			t.Skip("SQLite serves one process")
		}
		a := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		b := testenv.Start(t, db, testenv.WithWebhookAllowPrivate())
		acme := a.Account("Acme")
		rcv := newReceiver(t)
		createEndpoint(a, acme.Token, rcv.URL, "USER_CREATED")
		const users = 40
		for i := range users {
			newUser(a, acme.Token, fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i))
		}
		var wg sync.WaitGroup
		for _, e := range []*testenv.Env{a, b, a, b} {
			wg.Go(func() {
				for range 20 {
					if _, err := e.App.Dispatcher.RunOnce(context.Background()); err != nil {
						t.Errorf("dispatch: %v", err)
					}
					if _, err := e.App.WebhookSender.RunOnce(context.Background()); err != nil {
						t.Errorf("send: %v", err)
					}
				}
			})
		}
		wg.Wait()
		ctx := auth.SystemContext(context.Background())
		if n := a.App.Client.WebhookDelivery.Query().CountX(ctx); n != users {
			t.Errorf("%d deliveries, want %d", n, users)
		}
		if n := a.App.Client.WebhookDelivery.Query().Where(webhookdelivery.StatusEQ(enum.WebhookDelivered)).CountX(ctx); n != users {
			t.Errorf("%d delivered, want %d", n, users)
		}
		ids := map[string]int{}
		for _, p := range rcv.got() {
			ids[p.Headers["webhook-id"]]++
		}
		for id, n := range ids {
			if n != 1 {
				t.Errorf("%s posted %d times", id, n)
			}
		}
		if len(ids) != users {
			t.Errorf("%d distinct posts, want %d", len(ids), users)
		}
	})
}
