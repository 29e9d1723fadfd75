package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// wsClient is a graphql-transport-ws client written against the protocol
// with coder/websocket, for what the npm clients will not send.
type wsClient struct {
	t    *testing.T
	c    *websocket.Conn
	msgs chan map[string]any
	// closed receives the close status once the server ended the connection.
	closed chan websocket.StatusCode
}

// dialWS opens a WebSocket to the server's /query with header.
func dialWS(t *testing.T, e *testenv.Env, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.Server.URL, "http") + "/query"
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		return nil, resp, err
	}
	w := &wsClient{t: t, c: c, msgs: make(chan map[string]any, 64), closed: make(chan websocket.StatusCode, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				w.closed <- websocket.CloseStatus(err)
				close(w.msgs)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			if m["type"] == "ping" {
				w.send(map[string]any{"type": "pong"})
				continue
			}
			w.msgs <- m
		}
	}()
	t.Cleanup(func() { _ = c.CloseNow() })
	return w, resp, nil
}

// connectWS opens a WebSocket and authenticates token in connection_init.
func connectWS(t *testing.T, e *testenv.Env, token string) *wsClient {
	t.Helper()
	w, _, err := dialWS(t, e, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	w.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
	if m := w.next(); m["type"] != "connection_ack" {
		t.Fatalf("got %v, want connection_ack", m)
	}
	return w
}

func (w *wsClient) send(m map[string]any) {
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = w.c.Write(ctx, websocket.MessageText, b)
}

// subscribe starts operation id with query and variables.
func (w *wsClient) subscribe(id, query string, vars map[string]any) {
	w.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// next returns the next message, failing after wait; nil once closed.
func (w *wsClient) next() map[string]any {
	w.t.Helper()
	m, _ := w.within(wait)
	return m
}

// within returns the next message within d, false when none came.
func (w *wsClient) within(d time.Duration) (map[string]any, bool) {
	select {
	case m, ok := <-w.msgs:
		return m, ok
	case <-time.After(d):
		return nil, false
	}
}

// action is the action of a next message's change ("" for anything else).
func action(m map[string]any) string {
	p, _ := m["payload"].(map[string]any)
	d, _ := p["data"].(map[string]any)
	c, _ := d["changes"].(map[string]any)
	a, _ := c["action"].(string)
	return a
}

// drain reads until the client has been quiet for a while.
func (w *wsClient) drain() {
	for {
		if _, ok := w.within(300 * time.Millisecond); !ok {
			return
		}
	}
}

// warm makes write until every client received something, then drains
// them all, so that each is known to follow the feed.
func warm(t *testing.T, write func(), clients ...*wsClient) {
	t.Helper()
	ready := make([]bool, len(clients))
	for range 50 {
		write()
		all := true
		for i, c := range clients {
			if !ready[i] {
				// PostgreSQL's feed waits for every older transaction
				// of the cluster (other tests' too) to end.
				if m, ok := c.within(500 * time.Millisecond); ok && m["type"] == "next" {
					ready[i] = true
				}
			}
			all = all && ready[i]
		}
		if all {
			for _, c := range clients {
				c.drain()
			}
			return
		}
	}
	t.Fatal("a subscription received none of 50 writes")
}

// TestLiveAppTokenSeesNoAccountWideChange: a change whose targets are of
// no node type a subscriber reads (a webhook endpoint's) reaches the
// account's admins and never an app token, whichever subscriber the
// broker builds it for first.
func TestLiveAppTokenSeesNoAccountWideChange(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		e.RunFeed()
		acme := e.Account("Acme")
		doors := ids(e.Devices(acme, 1, "UTC"))
		ada, app := redeemedUser(e, acme, "ada@example.com", doors, nil, true)
		const q = `subscription { changes { eventID action } }`
		rename := func(name string) {
			e.MustDo(acme.Token, `mutation($id: ID!, $n: String!) { updateUser(id: $id, input: {name: $n}) { user { id } } }`, map[string]any{"id": ada, "n": name}, nil)
		}
		for round := range 3 {
			admin, user := connectWS(t, e, acme.Token), connectWS(t, e, app)
			admin.subscribe("1", q, nil)
			user.subscribe("1", q, nil)
			// Each warm-up a real change (a rename to the same name writes
			// nothing, and tells nothing).
			n := 0
			warm(t, func() { n++; rename(fmt.Sprintf("Ada warm %d.%d", round, n)) }, admin, user)
			e.MustDo(acme.Token, `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { endpoint { id } } }`,
				map[string]any{"in": map[string]any{"url": "https://hooks.example.com/in", "eventTypes": []string{"USER_CREATED"}}}, nil)
			rename("Ada L.")
			if got := action(admin.next()); got != "WEBHOOK_ENDPOINT_CREATED" {
				t.Errorf("round %d: the admin's next change is %q, want WEBHOOK_ENDPOINT_CREATED", round, got)
			}
			if got := action(user.next()); got != "USER_UPDATED" {
				t.Errorf("round %d: the app token's next change is %q, want USER_UPDATED (its own user's), no webhook's", round, got)
			}
		}
	})
}

// sseOnce posts one operation as graphql-sse does and returns the stream
// up to its complete event.
func sseOnce(t *testing.T, e *testenv.Env, token, query string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/query", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("sse: %v", err)
	}
	defer resp.Body.Close()
	var out strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "event: complete") {
		n, err := resp.Body.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return out.String()
}

// TestLiveSeveralRootFields: a subscription selecting changes twice under
// two aliases is the client's mistake, refused as BAD_USER_INPUT before
// anything subscribes, on both transports (gqlparser's rule counts field
// names, not aliases; gqlgen then failed it as an internal error).
func TestLiveSeveralRootFields(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		e.RunFeed()
		acme := e.Account("Acme")
		for _, q := range []string{
			`subscription { a: changes { eventID } b: changes { eventID } }`,
			`subscription { a: changes { eventID } ... on Subscription { b: changes(types: [USER]) { eventID } } }`,
		} {
			w := connectWS(t, e, acme.Token)
			w.subscribe("1", q, nil)
			m := w.next()
			if b, _ := json.Marshal(m); !strings.Contains(string(b), `"code":"BAD_USER_INPUT"`) || strings.Contains(string(b), "INTERNAL") {
				t.Errorf("WebSocket %s: got %s, want BAD_USER_INPUT", q, b)
			}
			if s := sseOnce(t, e, acme.Token, q); !strings.Contains(s, `"code":"BAD_USER_INPUT"`) || strings.Contains(s, "INTERNAL") {
				t.Errorf("SSE %s: got %s, want BAD_USER_INPUT", q, s)
			}
		}
	})
}

// TestLiveMessageBoundedLikeABody: MAX_BODY_BYTES bounds a WebSocket
// message as it bounds a POST body and an SSE request: a document the POST
// refuses does not reach the parser over WebSocket either.
func TestLiveMessageBoundedLikeABody(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db, func(c *app.Config) { c.MaxBodyBytes = 8 << 10 })
		acme := e.Account("Acme")
		query := `subscription { changes { eventID } }` + strings.Repeat(" ", 16<<10)
		if r := e.Do(acme.Token, strings.Replace(query, "subscription", "query", 1), nil); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("POST of 16 KiB: status %d, want 413", r.Status)
		}
		w := connectWS(t, e, acme.Token)
		w.subscribe("1", query, nil)
		if m, ok := w.within(2 * time.Second); ok {
			t.Errorf("a 16 KiB message was read: got %v, want the connection closed", m)
		}
		select {
		case code := <-w.closed:
			if code != websocket.StatusMessageTooBig {
				t.Errorf("close status %d, want %d (message too big)", code, websocket.StatusMessageTooBig)
			}
		case <-time.After(wait):
			t.Errorf("the connection is still open after a 16 KiB message")
		}
	})
}

// TestLiveIdleConnectionRevoked: a connection that held no subscription
// when its token was revoked (nobody followed the feed for it) cannot
// subscribe afterwards: it is closed with 4401 and receives nothing.
func TestLiveIdleConnectionRevoked(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		var out struct {
			CreateAPIToken struct {
				Secret string
				Token  struct{ ID string }
			}
		}
		e.MustDo(a.Token, `mutation { createAPIToken(input: {name: "dashboard", role: VIEWER}) { secret token { id } } }`, nil, &out)
		w := connectWS(t, e, out.CreateAPIToken.Secret)
		e.MustDo(a.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": out.CreateAPIToken.Token.ID}, nil)
		w.subscribe("1", `subscription { changes { eventID action } }`, nil)
		liveUser(t, e, a.Token, "after@example.com")
		for m := w.next(); m != nil; m = w.next() {
			p, _ := m["payload"].(map[string]any)
			if m["type"] == "next" && (p["data"] != nil || !strings.Contains(fmt.Sprint(p["errors"]), "UNAUTHENTICATED")) {
				t.Fatalf("the revoked token's connection received %v", m)
			}
		}
		select {
		case code := <-w.closed:
			if code != 4401 {
				t.Errorf("closed with %d, want 4401", code)
			}
		case <-time.After(wait):
			t.Error("the connection stayed open")
		}
	})
}
