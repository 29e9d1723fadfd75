package graph_test

// Database faults: a connection killed in the middle of a grant, the
// database going away and coming back, a database that stops answering,
// and panics while a mutation runs. Each test checks that the client gets
// an error with a code, that nothing was written, and that the server goes
// on serving without a restart.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/testenv"
)

// faultDriver wraps the Ent driver: inside every transaction, onStmt sees
// each statement just before it goes to the database (with the transaction
// itself, so that it can run statements of its own on the same connection),
// and onCommit runs just before the commit. fail, if it returns an error for
// a statement (or for "BEGIN" or "COMMIT"), fails it with that error instead
// of sending it, in a transaction or not.
type faultDriver struct {
	dialect.Driver
	onStmt   func(ctx context.Context, tx dialect.Tx, query string)
	onCommit func(tx dialect.Tx)
	fail     func(query string) error
}

func (d *faultDriver) Exec(ctx context.Context, query string, args, v any) error {
	if d.fail != nil {
		if err := d.fail(query); err != nil {
			return err
		}
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *faultDriver) Query(ctx context.Context, query string, args, v any) error {
	if d.fail != nil {
		if err := d.fail(query); err != nil {
			return err
		}
	}
	return d.Driver.Query(ctx, query, args, v)
}

func (d *faultDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	if d.fail != nil {
		if err := d.fail("BEGIN"); err != nil {
			return nil, err
		}
	}
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &faultTx{Tx: tx, d: d}, nil
}

type faultTx struct {
	dialect.Tx
	d *faultDriver
}

func (t *faultTx) Exec(ctx context.Context, query string, args, v any) error {
	if err := t.before(ctx, query); err != nil {
		return err
	}
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *faultTx) Query(ctx context.Context, query string, args, v any) error {
	if err := t.before(ctx, query); err != nil {
		return err
	}
	return t.Tx.Query(ctx, query, args, v)
}

func (t *faultTx) before(ctx context.Context, query string) error {
	if t.d.onStmt != nil {
		t.d.onStmt(ctx, t.Tx, query)
	}
	if t.d.fail != nil {
		return t.d.fail(query)
	}
	return nil
}

func (t *faultTx) Commit() error {
	if t.d.onCommit != nil {
		t.d.onCommit(t.Tx)
	}
	if t.d.fail != nil {
		if err := t.d.fail("COMMIT"); err != nil {
			_ = t.Tx.Rollback()
			return err
		}
	}
	return t.Tx.Commit()
}

// faultIsInsert reports whether query inserts into table, in either
// dialect's quoting.
func faultIsInsert(query, table string) bool {
	q := strings.NewReplacer(`"`, "", "`", "").Replace(query)
	return strings.HasPrefix(q, "INSERT INTO "+table+" ")
}

// faultTimeout is a testenv option for the request deadline.
func faultTimeout(d time.Duration) testenv.Option {
	return func(c *app.Config) { c.RequestTimeout = d }
}

// TestConnectionKilledMidGrant: PostgreSQL terminates the backend of a
// grant's transaction between the invitation INSERT and the permissions
// INSERT. The client gets INTERNAL, nothing of the grant stays, and the same
// grant succeeds on the next request.
func TestConnectionKilledMidGrant(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		if !database.IsPostgres(db) {
			t.Skip("PostgreSQL only: a SQLite connection cannot be killed from outside")
		}
		admin, err := sql.Open("postgres", db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = admin.Close() })

		var armed atomic.Bool
		var killed atomic.Int64
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{Driver: d, onStmt: func(ctx context.Context, tx dialect.Tx, query string) {
				if !faultIsInsert(query, "permissions") || !armed.CompareAndSwap(true, false) {
					return
				}
				var rows entsql.Rows
				if err := tx.Query(ctx, "SELECT pg_backend_pid()", []any{}, &rows); err != nil {
					t.Errorf("pg_backend_pid: %v", err)
					return
				}
				var pid int64
				if !rows.Next() || rows.Scan(&pid) != nil {
					t.Errorf("pg_backend_pid: no row")
				}
				_ = rows.Close()
				// The second argument waits until the backend is gone.
				var ok bool
				if err := admin.QueryRowContext(ctx, "SELECT pg_terminate_backend($1::int, 5000)", pid).Scan(&ok); err != nil || !ok {
					t.Errorf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
					return
				}
				killed.Store(pid)
			}}
		}
		e := testenv.Start(t, db, testenv.WithDriver(wrap))
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 5, "UTC"))
		in := map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}

		before := e.Counts()
		armed.Store(true)
		r := e.Do(acme.Token, grant, in)
		if killed.Load() == 0 {
			t.Fatalf("the backend was not terminated; response %s", r.Body)
		}
		if r.Code() != "INTERNAL" || string(r.Data) != "null" && !strings.Contains(string(r.Data), `"grantPermission":null`) {
			t.Errorf("grant on a killed connection: status %d, body %s", r.Status, r.Body)
		}
		if after := e.Counts(); after != before {
			t.Errorf("a grant on a killed connection left rows: %+v -> %+v", before, after)
		}
		var alive bool
		if err := admin.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", killed.Load()).Scan(&alive); err != nil || alive {
			t.Errorf("backend %d still alive (%v)", killed.Load(), err)
		}

		// The same grant goes through on the next request.
		var g grantResult
		e.MustDo(acme.Token, grant, in, &g)
		if len(g.GrantPermission.Permissions) != 5 || g.GrantPermission.Invitation.ID == "" {
			t.Errorf("grant after the fault: %+v", g)
		}
		want := before
		want.Invitations++
		want.Mails++ // the invitation's
		want.Permissions += 5
		want.AuditEvents++ // the grant's one record
		if after := e.Counts(); after != want {
			t.Errorf("rows after the retried grant: %+v, want %+v", after, want)
		}
	})
}

// TestRequestEndsBeforeCommit: a grant whose request ends (the client hangs
// up, or the request deadline passes) after its last statement and before
// its commit writes nothing. That is logged as a warning, not as an error,
// and a client still waiting is told that nothing was written.
func TestRequestEndsBeforeCommit(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var armed atomic.Bool
		// The grant's transaction (the one that queued its mail) and its
		// statement's context; other transactions (background work) pass.
		type held struct {
			ctx context.Context
			tx  dialect.Tx
		}
		var stmt atomic.Pointer[held]
		committing := make(chan struct{}, 1)
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{
				Driver: d,
				onStmt: func(ctx context.Context, tx dialect.Tx, query string) {
					if armed.Load() && faultIsInsert(query, "outboxes") {
						stmt.Store(&held{ctx, tx})
					}
				},
				onCommit: func(tx dialect.Tx) {
					p := stmt.Load()
					if p == nil || p.tx != tx || !stmt.CompareAndSwap(p, nil) || !armed.CompareAndSwap(true, false) {
						return
					}
					committing <- struct{}{}
					select {
					case <-p.ctx.Done():
					case <-time.After(10 * time.Second):
					}
				},
			}
		}
		logs := &testenv.Buffer{}
		e := testenv.Start(t, db, testenv.WithDriver(wrap), faultTimeout(500*time.Millisecond),
			testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelInfo)))
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 3, "UTC"))
		grantTo := func(i int) map[string]any {
			user := newUser(e, acme.Token, "Ada", fmt.Sprintf("ada%d@example.com", i))
			return map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}
		}
		// warned reports whether the log tells of a request that ended
		// before its commit, and of no failed commit.
		warned := func(t *testing.T) bool {
			ended := false
			for _, l := range logs.Lines() {
				switch l["msg"] {
				case "request ended before commit":
					ended = l["level"] == "WARN"
				case "commit transaction":
					t.Errorf("logged as a failed commit: %v", l)
				}
			}
			return ended
		}

		t.Run("deadline", func(t *testing.T) {
			e := e.For(t)
			in := grantTo(0)
			logs.Reset()
			before, snap := e.Counts(), e.Snapshot()
			armed.Store(true)
			r := e.Do(acme.Token, grant, in)
			if armed.Load() {
				t.Fatalf("the commit was not held; response %s", r.Body)
			}
			<-committing
			if r.Code() != "INTERNAL" || string(r.Data) != "null" || !strings.Contains(r.Errors[0].Message, "nothing was written") {
				t.Errorf("grant past its deadline: status %d, body %s", r.Status, r.Body)
			}
			if after := e.Counts(); after != before || e.Snapshot() != snap {
				t.Errorf("a grant past its deadline left rows: %+v -> %+v", before, after)
			}
			warn := warned(t)
			for deadline := time.Now().Add(10 * time.Second); !warn && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				warn = warned(t)
			}
			if !warn {
				t.Errorf("no warning logged: %s", logs.String())
			}
		})

		t.Run("client gone", func(t *testing.T) {
			e := e.For(t)
			body, _ := json.Marshal(map[string]any{"query": grant, "variables": grantTo(1)})
			logs.Reset()
			before, snap := e.Counts(), e.Snapshot()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.Server.URL+"/query", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+acme.Token)
			armed.Store(true)
			go func() { <-committing; cancel() }()
			if res, err := e.Server.Client().Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("the request was answered (%d) though its client left", res.StatusCode)
			}
			// The server finishes the request on its own after the client left.
			// Both lines, in either order: the request's line may come
			// before the rollback's warning.
			var gone, warn bool
			for deadline := time.Now().Add(10 * time.Second); !(gone && warn) && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				for _, l := range logs.Lines() {
					gone = gone || l["msg"] == "http request" && l["client_gone"] == true && l["level"] == "WARN"
				}
				warn = warned(t)
			}
			if !gone || !warn {
				t.Fatalf("log after the client left: %s", logs.String())
			}
			if after := e.Counts(); after != before || e.Snapshot() != snap {
				t.Errorf("a grant whose client left before the commit left rows: %+v -> %+v", before, after)
			}
		})
	})
}

// TestPanicInMutation: a panic while a grant runs (at the invitation
// INSERT, at the permissions INSERT, or at the commit) answers INTERNAL with
// the request id, is logged with that id and its stack, writes nothing, and
// the next grant succeeds.
func TestPanicInMutation(t *testing.T) {
	const injected = "injected fault 7f3a"
	cases := []struct {
		name   string
		table  string // panic at the INSERT into table; "" panics at the commit
		status int
	}{
		{"invitation insert", "invitations", http.StatusOK},
		{"permissions insert", "permissions", http.StatusOK},
		// Outside any resolver gqlgen answers 500 itself.
		{"commit", "", http.StatusInternalServerError},
	}
	testenv.Each(t, func(t *testing.T, db string) {
		var armed atomic.Pointer[string]
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{
				Driver: d,
				onStmt: func(_ context.Context, _ dialect.Tx, query string) {
					if p := armed.Load(); p != nil && *p != "" && faultIsInsert(query, *p) && armed.CompareAndSwap(p, nil) {
						panic(injected)
					}
				},
				onCommit: func(dialect.Tx) {
					if p := armed.Load(); p != nil && *p == "" && armed.CompareAndSwap(p, nil) {
						panic(injected)
					}
				},
			}
		}
		logs := &testenv.Buffer{}
		e := testenv.Start(t, db, testenv.WithDriver(wrap), testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelInfo)))
		acme := e.Account("Acme")
		devs := ids(e.Devices(acme, 3, "UTC"))
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := e.For(t)
				user := newUser(e, acme.Token, "Ada", fmt.Sprintf("ada%d@example.com", i))
				in := map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}
				before, snap := e.Counts(), e.Snapshot()
				table := c.table
				armed.Store(&table)
				r := e.Do(acme.Token, grant, in)
				if armed.Load() != nil {
					armed.Store(nil)
					t.Fatalf("the panic was not injected; response %s", r.Body)
				}
				if r.Status != c.status || r.Code() != "INTERNAL" || len(r.Errors) != 1 {
					t.Errorf("status %d, body %s; want %d and one INTERNAL error", r.Status, r.Body, c.status)
				}
				if strings.Contains(string(r.Body), injected) {
					t.Errorf("the panic value reached the client: %s", r.Body)
				}
				if after := e.Counts(); after != before || e.Snapshot() != snap {
					t.Errorf("rows changed by a grant that panicked: %+v -> %+v", before, after)
				}
				id, _ := r.Errors[0].Extensions["requestId"].(string)
				if id == "" {
					t.Errorf("no requestId in the INTERNAL error: %s", r.Body)
				}
				var logged, httpLine bool
				for _, l := range logs.Lines() {
					if l["request_id"] != id {
						continue
					}
					switch l["msg"] {
					case "panic in resolver":
						stack, _ := l["stack"].(string)
						logged = l["panic"] == injected && strings.Contains(stack, "goroutine")
					case "http request":
						httpLine = l["status"] == float64(c.status)
					}
				}
				if !logged || !httpLine {
					t.Errorf("log for request %q: panic line %v, request line %v", id, logged, httpLine)
				}
				// The server goes on: the same grant succeeds.
				var g grantResult
				e.MustDo(acme.Token, grant, in, &g)
				if len(g.GrantPermission.Permissions) != len(devs) {
					t.Errorf("grant after the panic: %+v", g)
				}
			})
		}
	})
}

// faultProxy forwards loopback connections to a database. Cut closes every
// forwarded connection and stops listening, so that new connections are
// refused; Hang keeps accepting but answers nothing (new connections are
// accepted and left silent, open ones stop carrying data); Restore forwards
// again on the same address.
type faultProxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	hang  bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// startFaultProxy starts a proxy to the database of the URL db (the host
// in LATCHKEY_TEST_POSTGRES) and returns it with the URL that reaches the
// database through it.
func startFaultProxy(t testing.TB, db string) (*faultProxy, string) {
	t.Helper()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	// lib/pq's defaults for a URL without host or port.
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "localhost"
	}
	if port == "" {
		port = "5432"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, target: net.JoinHostPort(host, port), addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.mu.Lock()
	p.serve(ln)
	p.mu.Unlock()
	t.Cleanup(p.Close)
	u.Host = p.addr
	return p, u.String()
}

// serve accepts on ln; p.mu is held.
func (p *faultProxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// A connection accepted just before Cut must not survive it.
			p.mu.Lock()
			current, hang := p.ln == ln, p.hang
			if current {
				p.conns[c] = struct{}{}
			}
			p.mu.Unlock()
			if !current {
				_ = c.Close()
				continue
			}
			if hang {
				continue // accepted, never answered
			}
			up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
			if err != nil {
				p.drop(c)
				continue
			}
			p.mu.Lock()
			_, open := p.conns[c]
			if open {
				p.conns[up] = struct{}{}
			}
			p.mu.Unlock()
			if !open { // cut while dialling
				_ = up.Close()
				_ = c.Close()
				continue
			}
			pipe := func(dst, src net.Conn) {
				defer p.wg.Done()
				_, _ = io.Copy(dst, src)
				p.drop(dst)
				p.drop(src)
			}
			p.wg.Add(2)
			go pipe(up, c)
			go pipe(c, &faultHangable{p: p, Conn: up})
		}
	}()
}

// faultHangable stops delivering the database's answers while the proxy hangs.
type faultHangable struct {
	p *faultProxy
	net.Conn
}

func (h *faultHangable) Read(b []byte) (int, error) {
	n, err := h.Conn.Read(b)
	for {
		h.p.mu.Lock()
		_, open := h.p.conns[h.Conn]
		hang := h.p.hang
		h.p.mu.Unlock()
		if !hang || !open {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return n, err
}

func (p *faultProxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *faultProxy) closeAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// Cut closes every connection and refuses new ones.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	p.closeAll()
}

// Hang makes the database silent: nothing it sends is passed on and new
// connections are accepted but never answered.
func (p *faultProxy) Hang() {
	p.mu.Lock()
	p.hang = true
	p.mu.Unlock()
}

// Restore forwards again, on the same address; connections held by Hang
// are closed.
func (p *faultProxy) Restore() {
	p.mu.Lock()
	wasHanging := p.hang
	p.hang = false
	listening := p.ln != nil
	p.mu.Unlock()
	if wasHanging {
		p.closeAll()
	}
	if listening {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.serve(ln)
	p.mu.Unlock()
}

// Close stops the proxy and waits for its goroutines.
func (p *faultProxy) Close() {
	p.mu.Lock()
	p.hang = false
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}

// faultPost posts a GraphQL request from any goroutine.
func faultPost(client *http.Client, base, token, query string, vars map[string]any) (int, []byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return faultRawBody(client, base, token, string(body))
}

// faultRawBody posts body as JSON to /query.
func faultRawBody(client *http.Client, base, token, body string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// faultCode returns the extensions.code of the first error of a GraphQL
// response body, or "" if it has none or is not one.
func faultCode(body []byte) string {
	var r testenv.Response
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	return r.Code()
}

func faultLeak(body []byte) string {
	for _, l := range []string{"pq:", "sqlite", "SQLITE", "ent:", "sql:", "runtime error", "goroutine", "constraint failed", "violates", "connection refused", "dial tcp"} {
		if bytes.Contains(body, []byte(l)) {
			return l
		}
	}
	return ""
}

func faultGet(t *testing.T, client *http.Client, u string) int {
	t.Helper()
	res, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

// faultSettledGoroutines returns the number of goroutines once it has stopped
// falling for a few polls (or after a second).
func faultSettledGoroutines() int {
	n, steady := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(time.Second); steady < 4 && time.Now().Before(deadline); {
		time.Sleep(25 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			steady++
		} else {
			steady = 0
		}
		n = m
	}
	return n
}

// faultGoroutinesDownTo waits up to max for the number of goroutines to fall to
// limit and returns the last count.
func faultGoroutinesDownTo(limit int, max time.Duration) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(max); n > limit && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(25 * time.Millisecond)
	}
	return n
}

// TestDatabaseDown: with the database unreachable, requests fail fast with
// INTERNAL, /readyz answers 503, a flood of requests leaves no goroutines
// behind and writes nothing; once the database is back the same app serves
// again.
func TestDatabaseDown(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		if !database.IsPostgres(db) {
			t.Skip("PostgreSQL only: the database is reached over TCP")
		}
		const timeout = 500 * time.Millisecond
		proxy, viaProxy := startFaultProxy(t, db)
		e := testenv.Start(t, viaProxy, faultTimeout(timeout),
			testenv.WithLogger(slog.New(slog.DiscardHandler)))
		t.Cleanup(proxy.Close) // before the server closes: no request may hang on it
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 3, "UTC"))
		grantIn := map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}
		const usersQuery = `{ users(first: 1) { totalCount } }`
		e.MustDo(acme.Token, usersQuery, nil, nil) // the token is now cached
		if s := faultGet(t, e.Server.Client(), e.Server.URL+"/readyz"); s != http.StatusOK {
			t.Fatalf("/readyz with the database up: %d", s)
		}
		before := e.Counts()
		transport := e.Server.Client().Transport.(*http.Transport)

		proxy.Cut()
		for _, c := range []struct {
			query string
			vars  map[string]any
		}{{usersQuery, nil}, {grant, grantIn}} {
			start := time.Now()
			r := e.Do(acme.Token, c.query, c.vars)
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("a request with the database down took %v (deadline %v)", took, timeout)
			}
			if r.Status >= 500 || r.Code() != "INTERNAL" {
				t.Errorf("with the database down: status %d, body %s", r.Status, r.Body)
			}
		}
		if s := faultGet(t, e.Server.Client(), e.Server.URL+"/readyz"); s != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database down: %d, want 503", s)
		}

		transport.CloseIdleConnections()
		baseline := faultSettledGoroutines()
		const total, workers = 1000, 16
		var next atomic.Int64
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > total {
						return
					}
					q, vars := usersQuery, map[string]any(nil)
					if i%2 == 0 {
						q, vars = grant, grantIn
					}
					status, body, err := faultPost(e.Server.Client(), e.Server.URL, acme.Token, q, vars)
					key := fmt.Sprintf("%d %s", status, faultCode(body))
					switch {
					case err != nil:
						key = "transport error: " + err.Error()
					case status >= 500 || faultCode(body) == "":
						key = fmt.Sprintf("bad answer %d %.200s", status, body)
					case faultLeak(body) != "":
						key = fmt.Sprintf("leak %q in %.200s", faultLeak(body), body)
					}
					mu.Lock()
					outcomes[key]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		t.Logf("%d requests with the database down in %v: %v", total, took, outcomes)
		if outcomes["200 INTERNAL"] != total {
			t.Errorf("outcomes of %d requests: %v, want all \"200 INTERNAL\"", total, outcomes)
		}
		transport.CloseIdleConnections()
		after := faultGoroutinesDownTo(baseline+2, 5*time.Second)
		if after > baseline+2 {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before the flood, %d after\n%s", baseline, after, buf[:runtime.Stack(buf, true)])
		}
		t.Logf("goroutines: %d before the flood, %d after", baseline, after)

		// Back up: the same app serves again, and nothing was written while down.
		proxy.Restore()
		if after := e.Counts(); after != before {
			t.Errorf("rows written while the database was down: %+v -> %+v", before, after)
		}
		var g grantResult
		e.MustDo(acme.Token, grant, grantIn, &g)
		if len(g.GrantPermission.Permissions) != len(devs) {
			t.Errorf("grant after the database came back: %+v", g)
		}
		if s := faultGet(t, e.Server.Client(), e.Server.URL+"/readyz"); s != http.StatusOK {
			t.Errorf("/readyz after the database came back: %d", s)
		}
	})
}

// TestDatabaseDownUnknownToken: a valid token that is not cached yet cannot
// be checked while the database is down; that is the server's failure, not
// the client's, and must not answer 401 (clients drop tokens on 401).
func TestDatabaseDownUnknownToken(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		if !database.IsPostgres(db) {
			t.Skip("PostgreSQL only: the database is reached over TCP")
		}
		proxy, viaProxy := startFaultProxy(t, db)
		e := testenv.Start(t, viaProxy, faultTimeout(500*time.Millisecond),
			testenv.WithLogger(slog.New(slog.DiscardHandler)))
		t.Cleanup(proxy.Close)
		acme := e.Account("Acme") // created directly: the server has not seen the token
		proxy.Cut()
		status, body, err := faultPost(e.Server.Client(), e.Server.URL, acme.Token, `{ viewer { role } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if status == http.StatusUnauthorized || faultCode(body) != "INTERNAL" {
			t.Errorf("valid token while the database is down: status %d, body %s; want INTERNAL, not 401", status, body)
		}
		proxy.Restore()
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)
	})
}

// TestDatabaseHangs: a database that accepts connections but stops
// answering must not hold a request past its deadline.
func TestDatabaseHangs(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		if !database.IsPostgres(db) {
			t.Skip("PostgreSQL only: the database is reached over TCP")
		}
		const timeout = 500 * time.Millisecond
		for _, mode := range []string{"open connections stall", "new connections hang"} {
			t.Run(mode, func(t *testing.T) {
				proxy, viaProxy := startFaultProxy(t, db)
				e := testenv.Start(t, viaProxy, faultTimeout(timeout),
					testenv.WithLogger(slog.New(slog.DiscardHandler)))
				t.Cleanup(proxy.Close)
				acme := e.Account("Acme")
				user := newUser(e, acme.Token, "Ada", "ada@example.com")
				devs := ids(e.Devices(acme, 3, "UTC"))
				grantIn := map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}
				before := e.Counts()
				proxy.Hang()
				if mode == "new connections hang" {
					proxy.closeAll() // the pool must open new connections, which hang
				}
				client := &http.Client{Timeout: timeout + 3*time.Second}
				start := time.Now()
				status, body, err := faultPost(client, e.Server.URL, acme.Token, grant, grantIn)
				took := time.Since(start)
				proxy.Restore()
				// The driver may not notice the deadline; the server then
				// answers 503 on its own, shortly after it.
				if err != nil || took > timeout+time.Second || faultCode(body) != "INTERNAL" || (status >= 500 && status != http.StatusServiceUnavailable) {
					t.Errorf("grant with a silent database: %v after %v (deadline %v), status %d, body %.300s", err, took, timeout, status, body)
				}
				if after := e.Counts(); after != before {
					t.Errorf("rows written while the database hung: %+v -> %+v", before, after)
				}
				e.MustDo(acme.Token, grant, grantIn, nil)
			})
		}
	})
}
