package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
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

// Stream is a Node script that runs beside a test and prints one JSON
// object per line (see NodeStream).
type Stream struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan map[string]any
	err   *Buffer
}

// NodeStream starts `node script args...` in dir and hands each line it
// prints, a JSON object, to Next. The script ends when the test does (or
// at Stop), after two minutes at the latest.
func NodeStream(t testing.TB, dir, script string, args ...string) *Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	s := &Stream{t: t, cmd: cmd, lines: make(chan map[string]any, 1024), err: &Buffer{}}
	cmd.Stderr = s.err
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				v = map[string]any{"unparsed": sc.Text()}
			}
			s.lines <- v
		}
	}()
	t.Cleanup(func() {
		s.Stop()
		cancel()
	})
	return s
}

// Next returns the next line the script printed, failing the test when
// none comes within wait.
func (s *Stream) Next(wait time.Duration) map[string]any {
	s.t.Helper()
	select {
	case v, ok := <-s.lines:
		if !ok {
			s.t.Fatalf("the script ended; stderr:\n%s", s.err.String())
		}
		return v
	case <-time.After(wait):
		s.t.Fatalf("the script printed nothing within %s; stderr:\n%s", wait, s.err.String())
	}
	return nil
}

// Quiet reports whether the script prints nothing within wait (what it
// printed otherwise).
func (s *Stream) Quiet(wait time.Duration) (map[string]any, bool) {
	select {
	case v, ok := <-s.lines:
		if !ok {
			return nil, true
		}
		return v, false
	case <-time.After(wait):
		return nil, true
	}
}

// Stop asks the script to end and waits for it.
func (s *Stream) Stop() {
	if s.stdin == nil {
		return
	}
	_, _ = io.WriteString(s.stdin, "stop\n")
	_ = s.stdin.Close()
	s.stdin = nil
	_ = s.cmd.Wait()
}
