package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// shutdownDeadline is the grace period serve gives requests in flight.
const shutdownDeadline = 20 * time.Second

// buildBinary builds this command into dir with the go tool that runs the
// test (its environment, GOFLAGS included, is inherited).
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool on PATH to build the server with: %v", err)
	}
	bin := filepath.Join(dir, "latchkey")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryEnv is the test's environment without the variables the binary
// reads, plus vars.
func binaryEnv(vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "PORT", "LISTEN_ADDR", "METRICS_ADDR", "TRUSTED_PROXIES", "FORWARDED_HEADER", "DATABASE_URL", "INVITE_SECRET", "INVITE_SECRET_FILE", "PRODUCTION", "SMTP_URL", "PUBLIC_URL", "ALLOWED_ORIGINS", "CORS_ALLOWED_HEADERS", "TRUSTED_DOCUMENTS", "TRUSTED_DOCUMENTS_ONLY":
		default:
			env = append(env, kv)
		}
	}
	return append(env, vars...)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// gqlCall posts a GraphQL request and decodes the whole response.
func gqlCall(client *http.Client, base, token, query string, vars map[string]any, trace *httptrace.ClientTrace) (int, map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if trace != nil {
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("read body: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return res.StatusCode, nil, fmt.Errorf("decode %q: %w", raw, err)
	}
	return res.StatusCode, out, nil
}

// mustGQL is gqlCall that fails the test on any error and returns data.
func mustGQL(t *testing.T, base, token, query string, vars map[string]any) map[string]any {
	t.Helper()
	status, out, err := gqlCall(http.DefaultClient, base, token, query, vars, nil)
	if err != nil || status != http.StatusOK || out["errors"] != nil {
		t.Fatalf("%s: status %d, %v, %v", query, status, out, err)
	}
	data, _ := out["data"].(map[string]any)
	return data
}

// TestGracefulShutdown runs the binary, sends SIGTERM while 20 grants of 50
// devices each are in flight, and checks that every grant is in the
// database entirely or not at all, that new connections are refused at once
// while a request in flight still gets its answer, and that the process
// exits with status 0 within the shutdown deadline.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	dbPath := filepath.Join(dir, "latchkey.db")
	port := freePort(t)
	env := binaryEnv("DATABASE_URL="+dbPath, "INVITE_SECRET_FILE="+filepath.Join(dir, "latchkey.secret"), "PORT="+port)

	create := exec.Command(bin, "account", "create", "--name", "Acme")
	create.Env, create.Dir = env, dir
	out, err := create.Output()
	if err != nil {
		t.Fatalf("account create: %v", err)
	}
	token := strings.TrimSpace(string(out))
	if !strings.HasPrefix(token, "lk_") || strings.Contains(token, "\n") {
		t.Fatalf("account create printed %q", out)
	}

	logs := &testenv.Buffer{}
	srv := exec.Command(bin)
	srv.Env, srv.Dir, srv.Stdout, srv.Stderr = env, dir, logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = srv.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})

	addr := "127.0.0.1:" + port
	base := "http://" + addr
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no /healthz after 10 s: %v", err)
		}
	}

	// 20 users and 300 devices, at most 25 aliases per call.
	const grants, perGrant, devices = 20, 50, 300
	var users, devs []string
	for len(devs) < devices {
		var q strings.Builder
		q.WriteString("mutation {")
		from := len(devs)
		for i := from; i < from+25; i++ {
			fmt.Fprintf(&q, ` d%d: createDevice(input: {name: "Door %03d", timeZone: "Europe/Berlin"}) { device { id } }`, i, i)
		}
		q.WriteString(" }")
		data := mustGQL(t, base, token, q.String(), nil)
		for i := from; i < from+25; i++ {
			devs = append(devs, data[fmt.Sprintf("d%d", i)].(map[string]any)["device"].(map[string]any)["id"].(string))
		}
	}
	{
		var q strings.Builder
		q.WriteString("mutation {")
		for i := range grants {
			fmt.Fprintf(&q, ` u%d: createUser(input: {name: "User %d", email: "user%d@example.com"}) { user { id } }`, i, i, i)
		}
		q.WriteString(" }")
		data := mustGQL(t, base, token, q.String(), nil)
		for i := range grants {
			users = append(users, data[fmt.Sprintf("u%d", i)].(map[string]any)["user"].(map[string]any)["id"].(string))
		}
	}

	// A request held in flight: its body is sent but for the last bytes,
	// so the server is busy with it when SIGTERM arrives and may not exit
	// before it is answered.
	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldR := bufio.NewReader(held)
	fmt.Fprintf(held, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	if res, err := http.ReadResponse(heldR, nil); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("first request on the held connection: %v", err)
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	heldBody := `{"query":"{ viewer { role } }"}`
	fmt.Fprintf(held, "POST /query HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
		addr, token, len(heldBody), heldBody[:len(heldBody)-5])

	type result struct {
		status int
		out    map[string]any
		err    error
		done   time.Time
	}
	results := make([]result, grants)
	const grantQuery = `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { invitation { id } permissions { id } } }`
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: grants}}
	var sent, done sync.WaitGroup
	start := make(chan struct{})
	for i := range grants {
		sent.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			var once sync.Once
			wrote := func() { once.Do(sent.Done) }
			defer wrote()
			in := map[string]any{"userID": users[i], "deviceIDs": devs[(i*perGrant)%devices : (i*perGrant)%devices+perGrant]}
			<-start
			status, out, err := gqlCall(client, base, token, grantQuery, map[string]any{"in": in},
				&httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote() }})
			results[i] = result{status, out, err, time.Now()}
		}()
	}
	time.Sleep(50 * time.Millisecond) // the held request's headers are read by now
	close(start)
	sent.Wait()
	// A request written may still wait in the listen queue, unaccepted: on
	// a busy machine the signal could come before the server took any.
	// Once the first grant is stored, the server has accepted the others
	// and works on them (SQLite lets them write one at a time).
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for began := time.Now(); ; time.Sleep(time.Millisecond) {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM invitations`).Scan(&n); err == nil && n > 0 {
			break
		}
		if time.Since(began) > 10*time.Second {
			t.Fatal("no grant stored 10 s after they were sent")
		}
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sigterm := time.Now()

	// New connections are refused at once, while the process still runs
	// (it cannot exit before the held request is answered).
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil || errors.Is(err, syscall.ECONNRESET) { // accepted, or racing the close
			if c != nil {
				c.Close()
			}
			if time.Since(sigterm) > 3*time.Second {
				t.Fatal("still accepting connections 3 s after SIGTERM")
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial after SIGTERM: %v, want connection refused", err)
		}
		break
	}
	select {
	case <-exited:
		t.Fatalf("the process exited with a request in flight: %v", waitErr)
	default:
	}
	refusedAfter := time.Since(sigterm)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Get(base + "/healthz"); err == nil {
		res.Body.Close()
		t.Errorf("a request after SIGTERM was served: %d", res.StatusCode)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a request after SIGTERM: %v, want connection refused", err)
	}

	done.Wait()
	// The transport may hold a connection it dialled but never used; the
	// server would wait 5 s for its first request before closing it.
	client.CloseIdleConnections()
	// The held request is still answered, in full.
	if _, err := io.WriteString(held, heldBody[len(heldBody)-5:]); err != nil {
		t.Fatalf("finish the held request: %v", err)
	}
	_ = held.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(heldR, nil)
	if err != nil {
		t.Fatalf("the request in flight at SIGTERM got no answer: %v", err)
	}
	heldOut, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(heldOut), `"role":"OWNER"`) {
		t.Errorf("the request in flight at SIGTERM: %d %s %v", res.StatusCode, heldOut, err)
	}

	select {
	case <-exited:
	case <-time.After(shutdownDeadline + 5*time.Second):
		t.Fatal("the process did not exit")
	}
	exitAfter := time.Since(sigterm)
	if waitErr != nil || srv.ProcessState.ExitCode() != 0 {
		t.Errorf("exit: %v (status %d), want 0", waitErr, srv.ProcessState.ExitCode())
	}
	if exitAfter > shutdownDeadline {
		t.Errorf("exited %v after SIGTERM, past the %v deadline", exitAfter, shutdownDeadline)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown line in the log")
	}

	// Every grant is in the database entirely or not at all.
	var succeeded, afterSignal, dropped int
	for i, r := range results {
		var inv string
		ok := r.err == nil && r.status == http.StatusOK && r.out["errors"] == nil
		if r.err != nil {
			dropped++
			// Refused or closed before any answer is fine; a cut answer is not.
			if strings.Contains(r.err.Error(), "read body") || strings.Contains(r.err.Error(), "decode") {
				t.Errorf("grant %d was half-served: %v", i, r.err)
			}
		}
		if ok {
			succeeded++
			if !r.done.Before(sigterm) {
				afterSignal++
			}
			data, _ := r.out["data"].(map[string]any)
			gp, _ := data["grantPermission"].(map[string]any)
			invObj, _ := gp["invitation"].(map[string]any)
			inv, _ = invObj["id"].(string)
			if perms, _ := gp["permissions"].([]any); len(perms) != perGrant || inv == "" {
				t.Errorf("grant %d succeeded with %d permissions and invitation %q", i, len(perms), inv)
			}
		}
		var invs, perms, permsOfInv int
		if err := db.QueryRow(`SELECT COUNT(*) FROM invitations WHERE user_id = ?`, users[i]).Scan(&invs); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM permissions WHERE user_id = ?`, users[i]).Scan(&perms); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM permissions WHERE invitation_id = ? AND user_id = ?`, inv, users[i]).Scan(&permsOfInv); err != nil {
			t.Fatal(err)
		}
		switch {
		case ok && (invs != 1 || perms != perGrant || permsOfInv != perGrant):
			t.Errorf("grant %d succeeded but the database holds %d invitations, %d permissions (%d of invitation %s)", i, invs, perms, permsOfInv, inv)
		case !ok && (invs != 0 || perms != 0):
			t.Errorf("grant %d failed (%d, %v, %v) but left %d invitations and %d permissions", i, r.status, r.out, r.err, invs, perms)
		}
	}
	rows, err := db.Query(`SELECT i.id, (SELECT COUNT(*) FROM permissions p WHERE p.invitation_id = i.id) FROM invitations i`)
	if err != nil {
		t.Fatal(err)
	}
	var invitations int
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		invitations++
		if n != perGrant {
			t.Errorf("invitation %s has %d permissions, want %d", id, n, perGrant)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if invitations != succeeded {
		t.Errorf("%d invitations in the database, %d grants succeeded", invitations, succeeded)
	}
	if afterSignal == 0 {
		t.Errorf("no grant finished after SIGTERM: nothing was in flight")
	}
	t.Logf("%d of %d grants succeeded (%d of them answered after SIGTERM), %d closed unanswered; connections refused %v after SIGTERM; exit %v after SIGTERM",
		succeeded, grants, afterSignal, dropped, refusedAfter.Round(time.Millisecond), exitAfter.Round(time.Millisecond))
}

// TestConfigWholeNumbers: DATABASE_MAX_CONNS, COST_BUDGET and
// COST_RESTORE_RATE are whole numbers of at least 1, each its own default
// when unset; anything else stops the server with a message naming the
// variable.
func TestConfigWholeNumbers(t *testing.T) {
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	for name, c := range map[string]struct {
		unset int
		of    func(app.Config) int
	}{
		"DATABASE_MAX_CONNS": {0, func(c app.Config) int { return c.MaxConns }},
		"COST_BUDGET":        {app.DefaultBudget.Max, func(c app.Config) int { return c.Budget.Max }},
		"COST_RESTORE_RATE":  {app.DefaultBudget.Rate, func(c app.Config) int { return c.Budget.Rate }},
	} {
		for in, want := range map[string]int{"": c.unset, "1": 1, "25": 25, "0": -1, "-3": -1, "ten": -1, "2.5": -1} {
			t.Setenv(name, in)
			cfg, err := config(nil)
			switch {
			case want < 0 && (err == nil || !strings.Contains(err.Error(), name)):
				t.Errorf("%s=%q: error %v, want one naming the variable", name, in, err)
			case want >= 0 && (err != nil || c.of(cfg) != want):
				t.Errorf("%s=%q: %d, error %v; want %d", name, in, c.of(cfg), err, want)
			}
		}
		t.Setenv(name, "")
	}
}

// TestListenAndMetricsAddr: LISTEN_ADDR chooses where the API listens and
// the log names the address actually bound (port 0 becomes a real port);
// with METRICS_ADDR, /metrics is served there and not on the API's port.
func TestListenAndMetricsAddr(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	logs := &testenv.Buffer{}
	srv := exec.Command(bin)
	srv.Env = binaryEnv("DATABASE_URL="+filepath.Join(dir, "latchkey.db"), "INVITE_SECRET_FILE="+filepath.Join(dir, "latchkey.secret"),
		"PORT="+freePort(t), "LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0")
	srv.Dir, srv.Stdout, srv.Stderr = dir, logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("exit: %v", err)
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	bound := func(msg string) string {
		re := regexp.MustCompile(`msg="` + msg + `" addr=(\S+)`)
		for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
			if m := re.FindStringSubmatch(logs.String()); m != nil {
				return m[1]
			}
		}
		t.Fatalf("no %q line with an address in the log", msg)
		return ""
	}
	api, metrics := bound("latchkey listening"), bound("metrics listening")
	get := func(addr, path string) (int, string) {
		t.Helper()
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s%s: %v", addr, path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	for _, addr := range []string{api, metrics} {
		if host, port, _ := net.SplitHostPort(addr); host != "127.0.0.1" || port == "0" {
			t.Errorf("logged address %q, want 127.0.0.1 with the port bound", addr)
		}
	}
	if status, _ := get(api, "/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz on the API address: %d", status)
	}
	if status, _ := get(api, "/metrics"); status != http.StatusNotFound {
		t.Errorf("GET /metrics on the API address: %d, want 404", status)
	}
	if status, body := get(metrics, "/metrics"); status != http.StatusOK || !strings.Contains(body, "# TYPE") {
		t.Errorf("GET /metrics on METRICS_ADDR: %d %.200s", status, body)
	}
	if status, _ := get(metrics, "/healthz"); status != http.StatusNotFound {
		t.Errorf("GET /healthz on METRICS_ADDR: %d, want 404", status)
	}
}

// TestConfigTrustedProxies: TRUSTED_PROXIES takes CIDRs and addresses;
// anything else stops the server with a message naming the variable.
func TestConfigTrustedProxies(t *testing.T) {
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
	if cfg, err := config(nil); err != nil || len(cfg.TrustedProxies) != 2 {
		t.Errorf("TrustedProxies %v, error %v", cfg.TrustedProxies, err)
	}
	t.Setenv("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
	if _, err := config(nil); err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
		t.Errorf("error %v, want one naming TRUSTED_PROXIES", err)
	}
}

// TestConfigTransport: CORS_ALLOWED_HEADERS is a comma-separated list;
// TRUSTED_DOCUMENTS names the manifest and TRUSTED_DOCUMENTS_ONLY=true
// turns other documents away.
func TestConfigTransport(t *testing.T) {
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("CORS_ALLOWED_HEADERS", "X-Tenant-Hint, sentry-trace")
	t.Setenv("TRUSTED_DOCUMENTS", "/etc/latchkey/persisted-documents.json")
	t.Setenv("TRUSTED_DOCUMENTS_ONLY", "true")
	cfg, err := config(nil)
	if err != nil || strings.Join(cfg.AllowedHeaders, "|") != "X-Tenant-Hint|sentry-trace" ||
		cfg.TrustedDocuments != "/etc/latchkey/persisted-documents.json" || !cfg.TrustedDocumentsOnly {
		t.Errorf("AllowedHeaders %q, TrustedDocuments %q, only %v, error %v", cfg.AllowedHeaders, cfg.TrustedDocuments, cfg.TrustedDocumentsOnly, err)
	}
}

// TestConfigMailLogAndPreviousSecrets: MAIL_LOG=true opts in to the log
// mailer; INVITE_SECRET_PREVIOUS is a comma-separated list of secrets,
// and a bad one stops the server with a message naming the variable but
// not the secret.
func TestConfigMailLogAndPreviousSecrets(t *testing.T) {
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("MAIL_LOG", "true")
	t.Setenv("INVITE_SECRET_PREVIOUS", strings.Repeat("cd", 32)+", "+strings.Repeat("Zm9v", 11))
	cfg, err := config(nil)
	if err != nil || !cfg.MailLog || len(cfg.PreviousInviteSecrets) != 2 || cfg.PreviousInviteSecrets[0][0] != 0xcd || len(cfg.PreviousInviteSecrets[1]) != 33 {
		t.Fatalf("MailLog %v, %d previous secrets, error %v", cfg.MailLog, len(cfg.PreviousInviteSecrets), err)
	}
	t.Setenv("INVITE_SECRET_PREVIOUS", strings.Repeat("cd", 32)+",shortsecret")
	if _, err := config(nil); err == nil || !strings.Contains(err.Error(), "INVITE_SECRET_PREVIOUS") || strings.Contains(err.Error(), "shortsecret") {
		t.Errorf("a short previous secret: %v", err)
	}
}

// TestAccountCreateWithOwnerAndReset: account create keeps printing the
// API token alone on stdout and, with --owner-email, writes the owner's
// set-password link to stderr; admin reset-password prints a new link and
// the older one stops working. Both links set the password once.
func TestAccountCreateWithOwnerAndReset(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "latchkey.db")
	t.Setenv("DATABASE_URL", db)
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("PUBLIC_URL", "https://locks.example.com/")
	var stdout, stderr strings.Builder
	if err := run([]string{"account", "create", "--name", "Acme", "--owner-email", "Olga@Example.com"}, &stdout, &stderr, nil); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSuffix(stdout.String(), "\n")
	if !strings.HasPrefix(token, "lk_") || strings.ContainsAny(token, "\n ") {
		t.Fatalf("stdout %q is not the token alone", stdout.String())
	}
	link := regexp.MustCompile(`https://locks\.example\.com/admin/set-password/(\S+)`)
	first := link.FindStringSubmatch(stderr.String())
	if first == nil {
		t.Fatalf("stderr %q holds no set-password link", stderr.String())
	}
	stdout.Reset()
	if err := run([]string{"admin", "reset-password", "--account", "Acme", "--email", "olga@example.com"}, &stdout, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	second := link.FindStringSubmatch(stdout.String())
	if second == nil || strings.TrimSpace(stdout.String()) != second[0] {
		t.Fatalf("reset-password printed %q", stdout.String())
	}
	if err := run([]string{"admin", "reset-password", "--account", "Acme", "--email", "nobody@example.com"}, io.Discard, io.Discard, nil); err == nil {
		t.Error("a reset for an unknown admin succeeded")
	}

	e := testenv.Start(t, db)
	const set = `mutation($code: String!) { setAdminPassword(input: {code: $code, password: "owner's long passphrase"}) { email } }`
	if r := e.Do("", set, map[string]any{"code": first[1]}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("the link replaced by the reset: %s", r.Body)
	}
	e.MustDo("", set, map[string]any{"code": second[1]}, nil)
	var in struct {
		SignIn struct{ Admin struct{ Role string } }
	}
	e.MustDo("", `mutation { signIn(input: {email: "olga@example.com", password: "owner's long passphrase"}) { admin { role } } }`, nil, &in)
	if in.SignIn.Admin.Role != "OWNER" {
		t.Errorf("signed in as %+v", in)
	}
}

func TestConfigSessionTTL(t *testing.T) {
	t.Setenv("INVITE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("SESSION_TTL", "36h")
	if cfg, err := config(nil); err != nil || cfg.SessionTTL != 36*time.Hour {
		t.Fatalf("SessionTTL %v, %v", cfg.SessionTTL, err)
	}
	t.Setenv("SESSION_TTL", "-1h")
	if _, err := config(nil); err == nil || !strings.Contains(err.Error(), "SESSION_TTL") {
		t.Errorf("a negative SESSION_TTL: %v", err)
	}
}

// TestParseRetention: AUDIT_RETENTION takes whole days or a duration of at
// least a day, and refuses anything else.
func TestParseRetention(t *testing.T) {
	for s, want := range map[string]time.Duration{"365d": 365 * 24 * time.Hour, "8760h": 8760 * time.Hour, "1d": 24 * time.Hour} {
		if got, err := parseRetention(s); err != nil || got != want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0d", "-1d", "23h", "d", "1.5d", "forever", "99999d"} {
		if _, err := parseRetention(s); err == nil {
			t.Errorf("parseRetention(%q) accepted", s)
		}
	}
}
