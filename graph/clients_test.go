package graph_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/demo"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestRelayDocuments: relay-compiler compiles the Relay documents of
// web/e2e/relay (an overview with fragments and @connection, a grant with
// @appendNode) against the committed schema.graphql, and every query it
// made answers data without errors from the real server, within its limits.
func TestRelayDocuments(t *testing.T) {
	dir := testenv.Client(t, "relay")
	testenv.Node(t, dir, "compile.mjs")
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		token, err := demo.Seed(context.Background(), e.App.Client, "Acme", demo.Shape{Users: 3, Devices: 2, PermissionsPerUser: 2}, e.Now())
		if err != nil {
			t.Fatal(err)
		}
		out := testenv.Node(t, dir, "run.mjs", e.Server.URL+"/query", token)
		for _, q := range []string{"UserListQuery ok", "UserListPaginationQuery ok"} {
			if !strings.Contains(out, q) {
				t.Errorf("run.mjs did not report %q:\n%s", q, out)
			}
		}
	})
}

// TestCodegenFromURL: graphql-codegen generates TypeScript types from the
// real server's URL (introspection over HTTP), and the schema it
// introspects is the committed schema.graphql. The persisted-documents
// manifest its client preset writes is what a server with
// TrustedDocumentsOnly runs, by the manifest's ids.
func TestCodegenFromURL(t *testing.T) {
	dir := testenv.Client(t, "codegen")
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		manifestDir := t.TempDir()
		out := testenv.Node(t, dir, "codegen.mjs", e.Server.URL+"/query", manifestDir)
		for _, want := range []string{"codegen ok", "introspection ok", "persisted documents ok"} {
			if !strings.Contains(out, want) {
				t.Errorf("codegen.mjs did not report %q:\n%s", want, out)
			}
		}
		path := filepath.Join(manifestDir, "persisted-documents.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var manifest map[string]string
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatal(err)
		}
		trusted := testenv.Start(t, db, func(c *app.Config) { c.TrustedDocuments, c.TrustedDocumentsOnly = path, true })
		acme := trusted.Account("Acme")
		for id := range manifest {
			if r := sendRaw(t, trusted, acme.Token, "", "", map[string]any{"documentId": id}).one(t); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"totalCount":0`) {
				t.Errorf("the client preset's document %s, by its id: %s", id, r.Body)
			}
		}
	})
}
