package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/testenv"
)

// changesQuery selects what a cache needs of every change.
const changesQuery = `subscription($after: EventID, $types: [ChangeType!], $userID: ID, $deviceID: ID) {
  changes(after: $after, types: $types, userID: $userID, deviceID: $deviceID) {
    eventID action occurredAt refetch deletedID
    node { id __typename ... on Permission { status user { id } device { id } } }
    nodes { id __typename }
  }
}`

// liveChange is a Change as a client reads it.
type liveChange struct {
	EventID   string  `json:"eventID"`
	Action    *string `json:"action"`
	Refetch   bool    `json:"refetch"`
	DeletedID *string `json:"deletedID"`
	Node      *struct {
		ID       string              `json:"id"`
		Typename string              `json:"__typename"`
		Status   string              `json:"status"`
		User     struct{ ID string } `json:"user"`
		Device   struct{ ID string } `json:"device"`
	} `json:"node"`
	Nodes []struct {
		ID       string `json:"id"`
		Typename string `json:"__typename"`
	} `json:"nodes"`
}

// liveClient is a graphql-ws or graphql-sse client (web/e2e/live) in Node.
type liveClient struct {
	*testenv.Stream
	t *testing.T
}

// subscribe starts a client with the options of live.mjs.
func subscribe(t *testing.T, e *testenv.Env, opts map[string]any) *liveClient {
	t.Helper()
	dir := testenv.Client(t, "live")
	o := map[string]any{"transport": "ws", "url": e.Server.URL + "/query", "query": changesQuery}
	for k, v := range opts {
		o[k] = v
	}
	b, _ := json.Marshal(o)
	return &liveClient{Stream: testenv.NodeStream(t, dir, "live.mjs", string(b)), t: t}
}

// wait is how long a test waits for what must come.
const wait = 10 * time.Second

// change returns the next change the client received, failing on
// anything else.
func (c *liveClient) change() liveChange {
	c.t.Helper()
	for {
		line := c.Next(wait)
		if _, ok := line["connected"]; ok {
			continue
		}
		next, ok := line["next"].(map[string]any)
		if !ok {
			c.t.Fatalf("got %v, want a change", line)
		}
		b, _ := json.Marshal(next)
		var r struct {
			Data struct {
				Changes liveChange `json:"changes"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		if err := json.Unmarshal(b, &r); err != nil || r.Errors != nil {
			c.t.Fatalf("got %s, want a change", b)
		}
		return r.Data.Changes
	}
}

// until returns the first line the client printed for which ok holds.
func (c *liveClient) until(ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for {
		if line := c.Next(wait); ok(line) {
			return line
		}
	}
}

// ready makes writes (write(i) makes the i-th) until the client has
// received one, so that it is known to follow the feed, and drains what
// the later ones sent.
func (c *liveClient) ready(write func(i int)) {
	c.t.Helper()
	for i := range 50 {
		write(i)
		for {
			line, quiet := c.Quiet(200 * time.Millisecond)
			if quiet {
				break
			}
			if _, ok := line["connected"]; ok {
				continue
			}
			if _, ok := line["next"]; !ok {
				c.t.Fatalf("got %v, want a change", line)
			}
			for {
				if _, quiet := c.Quiet(300 * time.Millisecond); quiet {
					return
				}
			}
		}
	}
	c.t.Fatal("the subscription received none of 50 writes")
}

// newDevices is a warm-up write that the account's admins see.
func newDevices(e *testenv.Env, token string) func(int) {
	return func(i int) { liveDevice(e.T, e, token, fmt.Sprintf("Warm-up %d", i)) }
}

// liveDevice creates a device through the API and returns its ID.
func liveDevice(t testing.TB, e *testenv.Env, token, name string) string {
	t.Helper()
	var out struct {
		CreateDevice struct{ Device struct{ ID string } }
	}
	e.MustDo(token, `mutation($in: CreateDeviceInput!) { createDevice(input: $in) { device { id } } }`,
		map[string]any{"in": map[string]any{"name": name, "timeZone": "Europe/Berlin"}}, &out)
	return out.CreateDevice.Device.ID
}

// liveGrant grants user on device and returns the permission's ID.
func liveGrant(t testing.TB, e *testenv.Env, token, user, device string) string {
	t.Helper()
	var out struct {
		GrantPermission struct {
			Permissions []struct{ ID string }
		}
	}
	e.MustDo(token, `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { permissions { id } } }`,
		map[string]any{"in": map[string]any{"userID": user, "deviceIDs": []string{device}}}, &out)
	return out.GrantPermission.Permissions[0].ID
}

// TestLiveWebSocketGrant subscribes with graphql-ws (the token in
// connection_init, flat and under headers, and in the upgrade's
// Authorization header) and finds a grant's permission as the change's
// node, with the IDs the API answers with.
func TestLiveWebSocketGrant(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		for _, how := range []string{"payload", "headers", "header"} {
			t.Run(how, func(t *testing.T) {
				user := liveUser(t, e, a.Token, how+"@example.com")
				device := string(e.Devices(a, 1, "Europe/Berlin")[0])
				c := subscribe(t, e, map[string]any{"token": a.Token, "auth": how})
				c.ready(newDevices(e, a.Token))
				perm := liveGrant(t, e, a.Token, user, device)
				// A warm-up write may still come first on a busy machine.
				got := c.change()
				for got.Action != nil && *got.Action == "DEVICE_CREATED" {
					got = c.change()
				}
				if got.Action == nil || *got.Action != "PERMISSIONS_GRANTED" || got.Node == nil {
					t.Fatalf("change = %+v, want the grant with its permission", got)
				}
				if got.Node.ID != perm || got.Node.Typename != "Permission" || got.Node.User.ID != user || got.Node.Device.ID != device || got.Node.Status != "PENDING" {
					t.Errorf("node = %+v, want permission %s of %s on %s", got.Node, perm, user, device)
				}
				if got.EventID == "" || got.Refetch {
					t.Errorf("change = %+v, want an eventID and no refetch", got)
				}
			})
		}
	})
}

// liveUser creates a user through the API and returns its ID.
func liveUser(t testing.TB, e *testenv.Env, token, email string) string {
	t.Helper()
	var out struct {
		CreateUser struct{ User struct{ ID string } }
	}
	e.MustDo(token, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		map[string]any{"in": map[string]any{"name": "Someone", "email": email}}, &out)
	return out.CreateUser.User.ID
}

// received is the next n changes of c.
func (c *liveClient) received(n int) []liveChange {
	c.t.Helper()
	out := make([]liveChange, n)
	for i := range out {
		out[i] = c.change()
	}
	return out
}

// none fails when c receives anything within a while.
func (c *liveClient) none() {
	c.t.Helper()
	if line, quiet := c.Quiet(700 * time.Millisecond); !quiet {
		c.t.Fatalf("got %v, want nothing more", line)
	}
}

// TestLiveResume: a client that reconnects with the last eventID it saw
// (the after argument over WebSocket, Last-Event-ID over SSE, both with the
// real clients) receives exactly what it missed, in order and once, then
// live changes.
func TestLiveResume(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		for _, how := range []map[string]any{{"transport": "ws"}, {"transport": "sse"}} {
			t.Run(how["transport"].(string), func(t *testing.T) {
				first := subscribe(t, e, map[string]any{"token": a.Token, "transport": how["transport"]})
				first.ready(newDevices(e, a.Token))
				seen := liveDevice(t, e, a.Token, "Seen")
				last := first.change()
				if last.Node == nil || last.Node.ID != seen {
					t.Fatalf("change = %+v, want device %s", last, seen)
				}
				first.Stop()
				missed := []string{liveDevice(t, e, a.Token, "Missed 1"), liveDevice(t, e, a.Token, "Missed 2")}
				opts := map[string]any{"token": a.Token, "transport": how["transport"]}
				if how["transport"] == "sse" {
					opts["lastEventId"] = last.EventID
				} else {
					opts["variables"] = map[string]any{"after": last.EventID}
				}
				again := subscribe(t, e, opts)
				for i, got := range again.received(2) {
					if got.Node == nil || got.Node.ID != missed[i] || got.EventID == last.EventID {
						t.Fatalf("change %d after resuming = %+v, want device %s", i, got, missed[i])
					}
				}
				live := liveDevice(t, e, a.Token, "Live")
				if got := again.change(); got.Node == nil || got.Node.ID != live {
					t.Fatalf("change = %+v, want the live device %s", got, live)
				}
				again.none()
			})
		}
	})
}

// TestLiveSSEEventIDs: every change on an SSE stream carries its eventID as
// the event's id, so that a browser's EventSource resumes by itself.
func TestLiveSSEEventIDs(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		body, _ := json.Marshal(map[string]any{"query": `subscription { changes { eventID node { id } } }`})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.Server.URL+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+a.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		events := make(chan [2]string, 100)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			var id string
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "id: "):
					id = strings.TrimPrefix(line, "id: ")
				case strings.HasPrefix(line, "data: "):
					events <- [2]string{id, strings.TrimPrefix(line, "data: ")}
					id = ""
				}
			}
			close(events)
		}()
		for i := 0; ; i++ {
			liveDevice(t, e, a.Token, fmt.Sprintf("Door %d", i))
			select {
			case ev := <-events:
				var r struct {
					Data struct{ Changes struct{ EventID string } }
				}
				if err := json.Unmarshal([]byte(ev[1]), &r); err != nil || r.Data.Changes.EventID == "" || ev[0] != r.Data.Changes.EventID {
					t.Fatalf("event id %q, data %s: want the change's eventID as the id", ev[0], ev[1])
				}
				return
			case <-time.After(200 * time.Millisecond):
				if i == 50 {
					t.Fatal("no event")
				}
			}
		}
	})
}

// TestLiveRefetch: a resume point older than EVENT_RETENTION gets one
// change with refetch: true first, then live changes.
func TestLiveRefetch(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL, testenv.WithEventRetention(time.Hour))
		e.RunFeed()
		a := e.Account("Acme")
		first := subscribe(t, e, map[string]any{"token": a.Token})
		first.ready(newDevices(e, a.Token))
		liveDevice(t, e, a.Token, "Old")
		old := first.change()
		first.Stop()
		e.Advance(2 * time.Hour)
		again := subscribe(t, e, map[string]any{"token": a.Token, "variables": map[string]any{"after": old.EventID}})
		if got := again.change(); !got.Refetch || got.EventID != "" || got.Action != nil {
			t.Fatalf("first change = %+v, want a refetch notice", got)
		}
		again.ready(newDevices(e, a.Token))
	})
}

// TestLiveRevokedTokenEnds: revoking a token ends its live connections: a
// WebSocket closes with 4401, an SSE stream ends with UNAUTHENTICATED.
func TestLiveRevokedTokenEnds(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		for _, transport := range []string{"ws", "sse"} {
			t.Run(transport, func(t *testing.T) {
				var out struct {
					CreateAPIToken struct {
						Secret string
						Token  struct{ ID string }
					}
				}
				e.MustDo(a.Token, `mutation { createAPIToken(input: {name: "dashboard", role: VIEWER}) { secret token { id } } }`, nil, &out)
				c := subscribe(t, e, map[string]any{"token": out.CreateAPIToken.Secret, "transport": transport})
				c.ready(newDevices(e, a.Token))
				e.MustDo(a.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": out.CreateAPIToken.Token.ID}, nil)
				if transport == "ws" {
					line := c.until(func(l map[string]any) bool { return l["closed"] != nil })
					if line["closed"] != float64(4401) {
						t.Fatalf("closed %v, want 4401", line)
					}
					return
				}
				unauthenticated := false
				c.until(func(l map[string]any) bool {
					if next, ok := l["next"].(map[string]any); ok && next["errors"] != nil {
						b, _ := json.Marshal(next)
						unauthenticated = strings.Contains(string(b), `"UNAUTHENTICATED"`)
					}
					return l["complete"] != nil
				})
				if !unauthenticated {
					t.Error("the stream ended without saying UNAUTHENTICATED")
				}
			})
		}
	})
}

// TestLiveDeletedUserEnds: deleting a user ends its app token's live
// connection (WebSocket close 4401).
func TestLiveDeletedUserEnds(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		doors := ids(e.Devices(a, 1, "Europe/Berlin"))
		ada, adaToken := redeemedUser(e, a, "ada@example.com", doors, map[string]any{}, false)
		c := subscribe(t, e, map[string]any{"token": adaToken})
		c.ready(func(i int) {
			e.MustDo(a.Token, `mutation($id: ID!, $name: String!) { updateUser(id: $id, input: {name: $name}) { user { id } } }`,
				map[string]any{"id": ada, "name": fmt.Sprintf("Name %d", i)}, nil)
		})
		e.MustDo(a.Token, `mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": ada}, nil)
		if line := c.until(func(l map[string]any) bool { return l["closed"] != nil }); line["closed"] != float64(4401) {
			t.Fatalf("closed %v, want 4401", line)
		}
	})
}

// TestLiveAppTokenSeesItsUser: an app token receives its own user's
// changes and none of another user's, by the privacy rules of queries.
func TestLiveAppTokenSeesItsUser(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		doors := ids(e.Devices(a, 2, "Europe/Berlin"))
		ada, adaToken := redeemedUser(e, a, "ada@example.com", doors[:1], map[string]any{}, false)
		bob, _ := redeemedUser(e, a, "bob@example.com", doors[:1], map[string]any{}, false)
		rename := func(user string) func(int) {
			return func(i int) {
				e.MustDo(a.Token, `mutation($id: ID!, $name: String!) { updateUser(id: $id, input: {name: $name}) { user { id } } }`,
					map[string]any{"id": user, "name": fmt.Sprintf("Name %d", i)}, nil)
			}
		}
		for _, transport := range []string{"ws", "sse"} {
			t.Run(transport, func(t *testing.T) {
				c := subscribe(t, e, map[string]any{"token": adaToken, "transport": transport})
				c.ready(rename(ada))
				// Bob's changes, then one of Ada's: the first she receives
				// is hers.
				rename(bob)(100)
				liveGrant(t, e, a.Token, bob, liveDevice(t, e, a.Token, "Back "+transport))
				rename(ada)(101)
				if got := c.change(); got.Node == nil || got.Node.ID != ada {
					t.Fatalf("change = %+v, want Ada's rename", got)
				}
				c.none()
			})
		}
	})
}

// TestLiveOrigins: a browser page of another origin may not open a
// WebSocket (403 before the upgrade); one of ALLOWED_ORIGINS, the server's
// own, and a client without an Origin (not a browser) may.
func TestLiveOrigins(t *testing.T) {
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	a := e.Account("Acme")
	u, _ := url.Parse(e.Server.URL)
	for origin, want := range map[string]int{
		"https://evil.example.com":  http.StatusForbidden,
		"https://admin.example.com": http.StatusSwitchingProtocols,
		"http://" + u.Host:          http.StatusSwitchingProtocols,
		"":                          http.StatusSwitchingProtocols,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		h := http.Header{"Authorization": {"Bearer " + a.Token}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/query",
			&websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
		if resp == nil || resp.StatusCode != want {
			t.Errorf("Origin %q: response %v (%v), want %d", origin, resp, err, want)
		}
		if conn != nil {
			conn.CloseNow()
		}
		cancel()
	}
}

// TestLiveRefusals: a live connection without a valid token is refused
// (WebSocket 4401, SSE 401), one beyond LIVE_CONNECTIONS_PER_TOKEN too
// (4429, 429), and a subscription beyond
// LIVE_SUBSCRIPTIONS_PER_CONNECTION gets SUBSCRIPTION_LIMIT_EXCEEDED; a
// bad after is BAD_USER_INPUT. Nothing refused writes anything.
func TestLiveRefusals(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL, testenv.WithLive(live.Limits{PerConnection: 2, PerToken: 1}))
		e.RunFeed()
		a := e.Account("Acme")
		// The token's use is on record: a refusal has nothing left to
		// write.
		liveDevice(t, e, a.Token, "First")
		unchanged := func(t *testing.T, f func()) {
			t.Helper()
			before := e.Tables()
			f()
			if d := before.Diff(e.Tables()); d != "" {
				t.Errorf("a refusal wrote:\n%s", d)
			}
		}
		closedWith := func(t *testing.T, c *liveClient, code float64) {
			t.Helper()
			if line := c.until(func(l map[string]any) bool { return l["closed"] != nil }); line["closed"] != code {
				t.Errorf("closed %v, want %v", line, code)
			}
		}
		sseStatus := func(t *testing.T, c *liveClient, status float64) {
			t.Helper()
			line := c.until(func(l map[string]any) bool { return l["error"] != nil })
			if e, _ := line["error"].(map[string]any); e["status"] != status {
				t.Errorf("error %v, want status %v", line, status)
			}
		}
		t.Run("no token", func(t *testing.T) {
			unchanged(t, func() {
				closedWith(t, subscribe(t, e, map[string]any{}), 4401)
				closedWith(t, subscribe(t, e, map[string]any{"token": "not-a-token"}), 4401)
				sseStatus(t, subscribe(t, e, map[string]any{"transport": "sse"}), 401)
			})
		})
		t.Run("limits", func(t *testing.T) {
			c := subscribe(t, e, map[string]any{"token": a.Token, "count": 3})
			c.ready(newDevices(e, a.Token))
			unchanged(t, func() {
				closedWith(t, subscribe(t, e, map[string]any{"token": a.Token}), 4429)
				sseStatus(t, subscribe(t, e, map[string]any{"token": a.Token, "transport": "sse"}), 429)
			})
			c.Stop()
			// One of the three was refused; the stopped connection
			// leaves room for a new one.
			d := subscribe(t, e, map[string]any{"token": a.Token, "count": 3})
			// The refused one answers with its error (and completes).
			d.until(func(l map[string]any) bool {
				b, _ := json.Marshal(l)
				return strings.Contains(string(b), `"SUBSCRIPTION_LIMIT_EXCEEDED"`)
			})
		})
		t.Run("bad after", func(t *testing.T) {
			expectRejected(t, e, a.Token, `subscription($a: EventID) { changes(after: $a) { eventID } }`, map[string]any{"a": "12.usr_nope"}, "BAD_USER_INPUT", "changes.after")
		})
	})
}

// TestLiveSharesReads: subscribers of one scope share the reading of a
// change's nodes: twenty subscriptions cost one read of the permission,
// not twenty.
func TestLiveSharesReads(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		var st testenv.Statements
		e := testenv.Start(t, databaseURL, testenv.WithStatements(&st))
		e.RunFeed()
		a := e.Account("Acme")
		user := liveUser(t, e, a.Token, "ann@example.com")
		device := liveDevice(t, e, a.Token, "Front")
		c := subscribe(t, e, map[string]any{"token": a.Token, "count": 20,
			"query": `subscription { changes { eventID node { id } nodes { id } } }`})
		c.ready(newDevices(e, a.Token))
		st.Reset()
		liveGrant(t, e, a.Token, user, device)
		for range 20 {
			c.until(func(l map[string]any) bool { return l["next"] != nil })
		}
		reads := 0
		for _, q := range st.Log() {
			if strings.Contains(strings.NewReplacer("`", "", `"`, "").Replace(q), "FROM permissions WHERE permissions.id IN") {
				reads++
			}
		}
		if reads != 1 {
			t.Errorf("%d reads of the granted permission for 20 subscribers, want 1:\n%s", reads, strings.Join(st.Log(), "\n"))
		}
	})
}

// TestLiveDrain: a draining server ends its live connections (WebSocket
// close 1012, "service restart"), so that they do not hold its shutdown up
// and their clients resume on another instance.
func TestLiveDrain(t *testing.T) {
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	e.RunFeed()
	a := e.Account("Acme")
	c := subscribe(t, e, map[string]any{"token": a.Token})
	c.ready(newDevices(e, a.Token))
	e.App.Drain()
	if line := c.until(func(l map[string]any) bool { return l["closed"] != nil }); line["closed"] != float64(1012) {
		t.Fatalf("closed %v, want 1012", line)
	}
}
