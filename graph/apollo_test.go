package graph_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestApolloClient runs Apollo Client (web/e2e/apollo, from npm) in Node
// against the real server: the users overview, a grant sent as an
// automatic persisted query inside a batch (BatchHttpLink), a persisted
// query over GET (useGETForHashedQueries), and a deferred field read from
// multipart/mixed. It skips without the folder's
// node_modules, unless LATCHKEY_REQUIRE_CLIENTS=1.
func TestApolloClient(t *testing.T) {
	dir, err := filepath.Abs("../web/e2e/apollo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@apollo", "client")); err != nil {
		if os.Getenv("LATCHKEY_REQUIRE_CLIENTS") == "1" {
			t.Fatalf("LATCHKEY_REQUIRE_CLIENTS=1 but %s has no node_modules: run npm ci there", dir)
		}
		t.Skip("web/e2e/apollo/node_modules is missing (npm ci there)")
	}
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		user, err := e.App.Client.User.Create().SetName("Ann").SetEmail("ann@example.com").Save(a.Admin())
		if err != nil {
			t.Fatal(err)
		}
		devices := e.Devices(a, 2, "Europe/Berlin")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", "apollo.mjs", e.Server.URL+"/query")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"LATCHKEY_TOKEN="+a.Token,
			"LATCHKEY_USER="+string(user.ID),
			"LATCHKEY_DEVICES="+string(devices[0])+","+string(devices[1]))
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Fatalf("node apollo.mjs: %v\n%s", err, out)
		}
	})
}
