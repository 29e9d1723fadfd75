package graph_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestApolloClient runs Apollo Client (web/e2e/apollo, from npm) in Node
// against the real server: the users overview, a grant sent as an
// automatic persisted query inside a batch (BatchHttpLink), a persisted
// query over GET (useGETForHashedQueries), and a deferred field read from
// multipart/mixed. It skips without the folder's node_modules, unless
// LATCHKEY_REQUIRE_CLIENTS is set.
func TestApolloClient(t *testing.T) {
	dir := testenv.Client(t, "apollo")
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		user, err := e.App.Client.User.Create().SetName("Ann").SetEmail("ann@example.com").Save(a.Admin())
		if err != nil {
			t.Fatal(err)
		}
		devices := e.Devices(a, 2, "Europe/Berlin")
		out := testenv.Node(t, dir, "apollo.mjs", e.Server.URL+"/query", a.Token, string(user.ID), string(devices[0])+","+string(devices[1]))
		if strings.TrimSpace(out) != "ok" {
			t.Fatalf("node apollo.mjs printed %q, want ok", out)
		}
	})
}

// TestApolloLiveCache runs Apollo Client with GraphQLWsLink over graphql-ws
// (web/e2e/apollo/live.mjs): it watches the users overview, subscribes to
// changes, and a revocation and a user deletion made over plain HTTP reach
// the watched result through the changes alone, with no refetch.
func TestApolloLiveCache(t *testing.T) {
	dir := testenv.Client(t, "apollo")
	testenv.EachWithFeed(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		e.RunFeed()
		a := e.Account("Acme")
		user := liveUser(t, e, a.Token, "ann@example.com")
		other := liveUser(t, e, a.Token, "bob@example.com")
		perm := liveGrant(t, e, a.Token, user, string(e.Devices(a, 1, "Europe/Berlin")[0]))
		out := testenv.Node(t, dir, "live.mjs", e.Server.URL+"/query", a.Token, user, perm, other)
		if strings.TrimSpace(out) != "ok" {
			t.Fatalf("node live.mjs printed %q, want ok", out)
		}
	})
}
