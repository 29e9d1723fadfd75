package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestLiveAcrossProcesses runs two server processes on one PostgreSQL
// database: a subscriber on the first receives, within a second, a grant
// made through the second (NOTIFY wakes the first, which reads the record
// from the table). PostgreSQL only: SQLite has one process.
func TestLiveAcrossProcesses(t *testing.T) {
	if os.Getenv(testenv.PostgresEnv) == "" {
		t.Skip(testenv.PostgresEnv + " is not set")
	}
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		if !strings.HasPrefix(databaseURL, "postgres") {
			t.Skip("two processes need PostgreSQL")
		}
		dir := t.TempDir()
		bin := buildBinary(t, dir)
		secret := "INVITE_SECRET_FILE=" + filepath.Join(dir, "latchkey.secret")
		create := exec.Command(bin, "account", "create", "--name", "Acme")
		create.Env, create.Dir = binaryEnv("DATABASE_URL="+databaseURL, secret), dir
		out, err := create.Output()
		if err != nil {
			t.Fatalf("account create: %v", err)
		}
		token := strings.TrimSpace(string(out))
		var bases [2]string
		for i := range bases {
			port := freePort(t)
			logs := &testenv.Buffer{}
			srv := exec.Command(bin)
			srv.Env, srv.Dir, srv.Stdout, srv.Stderr = binaryEnv("DATABASE_URL="+databaseURL, secret, "PORT="+port), dir, logs, logs
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = srv.Process.Kill()
				_ = srv.Wait()
				if t.Failed() {
					t.Logf("server %d output:\n%s", i, logs.String())
				}
			})
			bases[i] = "http://127.0.0.1:" + port
			for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
				if res, err := http.Get(bases[i] + "/healthz"); err == nil {
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						break
					}
				}
				if time.Since(start) > 20*time.Second {
					t.Fatalf("server %d: no /healthz after 20 s", i)
				}
			}
		}

		// A graphql-transport-ws subscriber on the first.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(bases[0], "http")+"/query",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		send := func(v map[string]any) {
			if err := wsjson.Write(ctx, conn, v); err != nil {
				t.Fatal(err)
			}
		}
		changes := make(chan map[string]any, 100)
		send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
		send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
			"query": `subscription { changes { eventID action node { id ... on Permission { status } } } }`}})
		go func() {
			defer close(changes)
			for {
				var m map[string]any
				if err := wsjson.Read(ctx, conn, &m); err != nil {
					return
				}
				switch m["type"] {
				case "ping":
					_ = wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
				case "next":
					changes <- m["payload"].(map[string]any)
				}
			}
		}()
		second := bases[1]
		// Writes through the second until the first's subscriber hears
		// one: it follows the feed.
		for i := 0; ; i++ {
			mustGQL(t, second, token, `mutation($in: CreateDeviceInput!) { createDevice(input: $in) { device { id } } }`,
				map[string]any{"in": map[string]any{"name": fmt.Sprintf("Warm-up %d", i), "timeZone": "UTC"}})
			select {
			case _, ok := <-changes:
				if !ok {
					t.Fatal("the subscription ended")
				}
			case <-time.After(300 * time.Millisecond):
				if i < 30 {
					continue
				}
				t.Fatal("the subscriber on the first instance received none of 30 writes on the second")
			}
			break
		}
		for drained := false; !drained; {
			select {
			case <-changes:
			case <-time.After(500 * time.Millisecond):
				drained = true
			}
		}
		user := mustGQL(t, second, token, `mutation { createUser(input: {name: "Ann", email: "ann@example.com"}) { user { id } } }`, nil)
		userID := dig(user, "createUser", "user", "id")
		device := mustGQL(t, second, token, `mutation { createDevice(input: {name: "Front", timeZone: "UTC"}) { device { id } } }`, nil)
		deviceID := dig(device, "createDevice", "device", "id")
		for range 2 {
			<-changes
		}
		granted := mustGQL(t, second, token, `mutation($u: ID!, $d: ID!) { grantPermission(input: {userID: $u, deviceIDs: [$d]}) { permissions { id } } }`,
			map[string]any{"u": userID, "d": deviceID})
		start := time.Now()
		perm := granted["grantPermission"].(map[string]any)["permissions"].([]any)[0].(map[string]any)["id"]
		select {
		case c := <-changes:
			b, _ := json.Marshal(c)
			if !strings.Contains(string(b), `"PERMISSIONS_GRANTED"`) || !strings.Contains(string(b), fmt.Sprint(perm)) {
				t.Fatalf("change %s, want the grant of %v", b, perm)
			}
			t.Logf("the grant reached the other instance's subscriber %s after its answer", time.Since(start))
		case <-time.After(time.Second):
			t.Fatal("the grant on the second instance did not reach the first's subscriber within a second")
		}
	})
}

// dig reads a string at a path of a GraphQL answer.
func dig(v map[string]any, path ...string) string {
	for _, p := range path[:len(path)-1] {
		v = v[p].(map[string]any)
	}
	return fmt.Sprint(v[path[len(path)-1]])
}
