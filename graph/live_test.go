package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// changesQuery selects what a cache needs of every change.
const changesQuery = `subscription($after: String, $types: [ChangeType!], $userID: ID, $deviceID: ID) {
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

// ready makes writes until the client has received one, so that it is
// known to follow the feed; it returns that change.
func (c *liveClient) ready(e *testenv.Env, token string) liveChange {
	c.t.Helper()
	for i := range 50 {
		e.MustDo(token, `mutation($in: CreateDeviceInput!) { createDevice(input: $in) { device { id } } }`,
			map[string]any{"in": map[string]any{"name": fmt.Sprintf("Warm-up %d", i), "timeZone": "Europe/Berlin"}}, nil)
		if line, quiet := c.Quiet(200 * time.Millisecond); !quiet {
			if _, ok := line["connected"]; ok {
				continue
			}
			if _, ok := line["next"]; !ok {
				c.t.Fatalf("got %v, want a change", line)
			}
			b, _ := json.Marshal(line["next"])
			var r struct {
				Data struct{ Changes liveChange } `json:"data"`
			}
			_ = json.Unmarshal(b, &r)
			// Later warm-ups may follow: drain them.
			for {
				if _, quiet := c.Quiet(300 * time.Millisecond); quiet {
					break
				}
			}
			return r.Data.Changes
		}
	}
	c.t.Fatal("the subscription received none of 50 writes")
	return liveChange{}
}

// liveGrant grants user on device and returns the permission's ID.
func liveGrant(t *testing.T, e *testenv.Env, token, user, device string) string {
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
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		for _, how := range []string{"payload", "headers", "header"} {
			t.Run(how, func(t *testing.T) {
				user := liveUser(t, e, a.Token, how+"@example.com")
				device := string(e.Devices(a, 1, "Europe/Berlin")[0])
				c := subscribe(t, e, map[string]any{"token": a.Token, "auth": how})
				c.ready(e, a.Token)
				perm := liveGrant(t, e, a.Token, user, device)
				got := c.change()
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
func liveUser(t *testing.T, e *testenv.Env, token, email string) string {
	t.Helper()
	var out struct {
		CreateUser struct{ User struct{ ID string } }
	}
	e.MustDo(token, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		map[string]any{"in": map[string]any{"name": "Someone", "email": email}}, &out)
	return out.CreateUser.User.ID
}
