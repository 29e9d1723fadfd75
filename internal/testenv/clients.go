package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RequireClientsEnv, when set, makes a client folder whose npm packages are
// not installed fail its test instead of skipping it (.ci/run sets it).
const RequireClientsEnv = "LATCHKEY_REQUIRE_CLIENTS"

// Client returns the folder web/e2e/<name> of the repository, whose npm
// packages a test drives with Node. It skips the test when they are not
// installed (npm ci in that folder), unless RequireClientsEnv is set.
func Client(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil; _, err = os.Stat(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	dir = filepath.Join(dir, "web", "e2e", name)
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv(RequireClientsEnv) != "" {
			t.Fatalf("%s is set, but node or %s/node_modules is missing (run npm ci there)", RequireClientsEnv, dir)
		}
		t.Skipf("node or %s/node_modules is missing (run npm ci there); set %s to make this a failure", dir, RequireClientsEnv)
	}
	return dir
}

// Node runs `node script args...` in dir, for at most two minutes, and
// fails the test unless it exits with 0. It returns what the script
// printed on stdout.
func Node(t testing.TB, dir, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	var stdout, stderr Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s in %s: %v\nstdout:\n%s\nstderr:\n%s", script, dir, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
