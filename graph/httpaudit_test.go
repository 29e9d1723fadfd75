package graph_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestGraphQLOverHTTPAudit runs the graphql-http audit of the
// GraphQL-over-HTTP specification against the real handler: every MUST and
// SHOULD passes (only MAY-level notices are allowed). It needs Node.js and
// the npm packages graphql-http and graphql installed where
// LATCHKEY_HTTP_AUDIT points (.ci/run installs them); without that it skips.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	dir := os.Getenv("LATCHKEY_HTTP_AUDIT")
	if dir == "" {
		t.Skip("LATCHKEY_HTTP_AUDIT is not set (a folder with node_modules/graphql-http)")
	}
	script, err := filepath.Abs("testdata/http-audit.mjs")
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	// The script is copied next to node_modules so that Node resolves the packages.
	dst := filepath.Join(dir, "latchkey-http-audit.mjs")
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", dst, e.Server.URL+"/query").CombinedOutput()
	if err != nil {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	total := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Status, ID, Name, Reason string
			Total                    int
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit output %q: %v", line, err)
		}
		switch {
		case r.Total > 0:
			total = r.Total
		case r.Status != "notice":
			t.Errorf("%s %s: %s (%s)", r.Status, r.ID, r.Name, r.Reason)
		}
	}
	if total < 50 {
		t.Errorf("the audit ran %d checks", total)
	}
}
