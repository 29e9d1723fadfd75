// Package testenv runs Latchkey end to end for tests: a real HTTP server
// over a fresh database, on SQLite always and on PostgreSQL when
// LATCHKEY_TEST_POSTGRES names a database URL.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/lib/pq"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/account"
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/budget"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/pulid"
)

// PostgresEnv names the variable that enables the PostgreSQL runs.
const PostgresEnv = "LATCHKEY_TEST_POSTGRES"

// Each runs f once per configured database, as parallel subtests named
// "sqlite" and "postgres". Each call of f gets a database of its own.
func Each(t *testing.T, f func(t *testing.T, databaseURL string)) {
	t.Helper()
	each(t, f, postgresSchema)
}

// EachWithFeed is Each for tests that follow the change feed: on
// PostgreSQL each call of f gets a database of its own, not a schema. The
// feed waits for every transaction still running in its database, and
// another test's long one (a request held past its deadline, say) must not
// hold it back.
func EachWithFeed(t *testing.T, f func(t *testing.T, databaseURL string)) {
	t.Helper()
	each(t, f, postgresDatabase)
}

// each runs f on a new SQLite file and, if configured, on what postgres
// makes of the PostgreSQL server's URL.
func each(t *testing.T, f func(t *testing.T, databaseURL string), postgres func(testing.TB, string) string) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, filepath.Join(t.TempDir(), "latchkey.db"))
	})
	if base := os.Getenv(PostgresEnv); base != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			f(t, postgres(t, base))
		})
	}
}

// EachB is Each for benchmarks: sub-benchmarks "sqlite" and "postgres".
func EachB(b *testing.B, f func(b *testing.B, databaseURL string)) {
	b.Helper()
	b.Run("sqlite", func(b *testing.B) { f(b, filepath.Join(b.TempDir(), "latchkey.db")) })
	if base := os.Getenv(PostgresEnv); base != "" {
		b.Run("postgres", func(b *testing.B) { f(b, postgresSchema(b, base)) })
	}
}

// postgresSchema creates a schema of its own for one test and returns a URL
// whose connections use it; the schema is dropped when the test ends.
func postgresSchema(t testing.TB, base string) string {
	return postgresOwn(t, base, "CREATE SCHEMA %s", "DROP SCHEMA %s CASCADE", func(u *url.URL, name string) {
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
	})
}

// postgresDatabase creates a database of its own for one test and returns
// its URL; the database is dropped when the test ends.
func postgresDatabase(t testing.TB, base string) string {
	return postgresOwn(t, base, "CREATE DATABASE %s", "DROP DATABASE IF EXISTS %s WITH (FORCE)", func(u *url.URL, name string) {
		u.Path = "/" + name
	})
}

// postgresOwn makes a new name, runs create with it on base, drops it when
// the test ends, and returns base's URL changed by use for the name.
func postgresOwn(t testing.TB, base, create, drop string, use func(u *url.URL, name string)) string {
	t.Helper()
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer db.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := db.Exec(fmt.Sprintf(create, name)); err != nil {
		t.Fatalf("%s is set but PostgreSQL is unusable: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("postgres", base)
		if err == nil {
			_, _ = db.Exec(fmt.Sprintf(drop, name))
			_ = db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	use(u, name)
	return u.String()
}

// Env is one running server with its database.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	clock  *atomic.Int64
}

// For returns the same environment reporting to t, for use in subtests.
func (e *Env) For(t testing.TB) *Env {
	c := *e
	c.T = t
	return &c
}

// Option changes the server's configuration.
type Option func(*app.Config)

// WithSMTP sends mail through the SMTP server at url.
func WithSMTP(url string) Option {
	return func(c *app.Config) { c.SMTPURL, c.MailFrom = url, "Latchkey <no-reply@latchkey.test>" }
}

// Statements counts the SQL statements the server runs.
type Statements struct {
	n   atomic.Int64
	mu  sync.Mutex
	log []string
}

// Count returns the number of statements so far.
func (s *Statements) Count() int { return int(s.n.Load()) }

// Reset forgets the statements so far.
func (s *Statements) Reset() {
	s.n.Store(0)
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// Log returns the statements so far (their whole text, without arguments).
func (s *Statements) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// WithStatements counts every statement the server sends to the database.
func WithStatements(s *Statements) Option {
	return func(c *app.Config) {
		c.WrapDriver = func(d dialect.Driver) dialect.Driver {
			return dialect.DebugWithContext(d, func(_ context.Context, v ...any) {
				msg := fmt.Sprint(v...)
				if i := strings.Index(msg, ": query="); i >= 0 && (strings.Contains(msg[:i], ".Query") || strings.Contains(msg[:i], ".Exec")) {
					s.n.Add(1)
					q := msg[i+len(": query="):]
					if j := strings.Index(q, " args="); j >= 0 {
						q = q[:j]
					}
					s.mu.Lock()
					s.log = append(s.log, q)
					s.mu.Unlock()
				}
			})
		}
	}
}

// WithLive bounds the live connections (zero fields: live.DefaultLimits).
func WithLive(l live.Limits) Option { return func(c *app.Config) { c.Live = l } }

// WithEventRetention sets how far back a subscriber may resume.
func WithEventRetention(d time.Duration) Option { return func(c *app.Config) { c.EventRetention = d } }

// WithDriver wraps the server's database driver, for fault injection.
func WithDriver(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(c *app.Config) { c.WrapDriver = wrap }
}

// WithTrustedProxies believes the X-Forwarded-For header of peers in these
// CIDRs ("127.0.0.0/8" for the test's own client).
func WithTrustedProxies(cidrs string) Option {
	return func(c *app.Config) {
		p, err := clientaddr.ParsePrefixes(cidrs)
		if err != nil {
			panic(err)
		}
		c.TrustedProxies = p
	}
}

// WithProduction runs the server in production mode, its mails written
// to the log (MAIL_LOG=true) unless WithSMTP is given too.
func WithProduction() Option {
	return func(c *app.Config) { c.Production, c.MailLog = true, true }
}

// WithSecrets replaces the invitation secret, and gives the secrets used
// before it.
func WithSecrets(secret []byte, previous ...[]byte) Option {
	return func(c *app.Config) { c.InviteSecret, c.PreviousInviteSecrets = secret, previous }
}

// WithBudget gives every caller the cost budget l (app.DefaultBudget for
// the production one) instead of the test default, which no test spends:
// the test clock stands still unless advanced, so no budget refills.
func WithBudget(l budget.Limits) Option { return func(c *app.Config) { c.Budget = l } }

// WithWebhookAllowPrivate lets webhook endpoints point at loopback
// receivers (WEBHOOK_ALLOW_PRIVATE=true), as webhook tests need.
func WithWebhookAllowPrivate() Option { return func(c *app.Config) { c.WebhookAllowPrivate = true } }

// WithLogger sends the server's log to l.
func WithLogger(l *slog.Logger) Option { return func(c *app.Config) { c.Logger = l } }

// Start runs a server over the database at databaseURL.
func Start(t testing.TB, databaseURL string, opts ...Option) *Env {
	t.Helper()
	e := &Env{T: t, clock: new(atomic.Int64)}
	e.clock.Store(time.Now().UnixNano())
	// Instances on one database share their invitation secret, as
	// deployments must.
	sum := sha256.Sum256([]byte("latchkey test secret\x00" + databaseURL))
	secret := sum[:]
	cfg := app.Config{
		DatabaseURL:    databaseURL,
		AllowedOrigins: []string{"https://admin.example.com"},
		InviteSecret:   secret,
		PublicURL:      "https://locks.example.com",
		Logger:         slog.New(slog.NewTextHandler(t.Output(), nil)),
		Now:            e.Now,
		Budget:         budget.Limits{Max: 1 << 50, Rate: 1 << 40},
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	e.App = a
	e.Server = httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		e.Server.Close()
		_ = a.Close()
	})
	return e
}

// Now is the server's clock.
func (e *Env) Now() time.Time { return time.Unix(0, e.clock.Load()) }

// Advance moves the server's clock.
func (e *Env) Advance(d time.Duration) { e.clock.Add(int64(d)) }

// Account is a test account with its admin token.
type Account struct {
	ID    pulid.ID
	Token string
}

// Account creates an account with an admin token.
func (e *Env) Account(name string) Account {
	e.T.Helper()
	acc, token, err := account.Create(context.Background(), e.App.Client, name)
	if err != nil {
		e.T.Fatalf("create account: %v", err)
	}
	return Account{ID: acc.ID, Token: token}
}

// Admin returns a context acting as the account's admin, for seeding data
// directly through Ent (under the same privacy rules as the API).
func (a Account) Admin() context.Context {
	return auth.NewContext(context.Background(), &auth.Viewer{AccountID: a.ID, Role: auth.RoleOwner, Name: "owner"})
}

// Devices creates n devices in the account in one statement and returns their IDs.
func (e *Env) Devices(a Account, n int, zone string) []pulid.ID {
	e.T.Helper()
	b := make([]*ent.DeviceCreate, n)
	for i := range b {
		b[i] = e.App.Client.Device.Create().SetName(fmt.Sprintf("Door %03d", i)).SetTimeZone(zone)
	}
	ds, err := e.App.Client.Device.CreateBulk(b...).Save(a.Admin())
	if err != nil {
		e.T.Fatalf("create devices: %v", err)
	}
	ids := make([]pulid.ID, n)
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// Response is a GraphQL response.
type Response struct {
	Status int             `json:"-"`
	Header http.Header     `json:"-"`
	Body   []byte          `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the extensions.code of the first error, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Field returns the extensions.field of the first error, or "".
func (r *Response) Field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

// leaks are fragments of driver, ORM and runtime messages that must never
// reach a client.
var leaks = []string{"pq:", "sqlite", "SQLITE", "ent:", "sql:", "runtime error", "goroutine", "constraint failed", "violates"}

// Do posts a GraphQL request with the token (none if empty).
func (e *Env) Do(token, query string, vars map[string]any) *Response {
	e.T.Helper()
	return e.DoWith(nil, token, query, vars)
}

// DoWith is Do with more request headers.
func (e *Env) DoWith(header http.Header, token, query string, vars map[string]any) *Response {
	e.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/query", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.Server.Client().Do(req)
	if err != nil {
		e.T.Fatalf("post: %v", err)
	}
	defer res.Body.Close()
	r := &Response{Status: res.StatusCode, Header: res.Header}
	r.Body, _ = io.ReadAll(res.Body)
	if err := json.Unmarshal(r.Body, r); err != nil {
		e.T.Fatalf("decode %q: %v", r.Body, err)
	}
	for _, leak := range leaks {
		if strings.Contains(string(r.Body), leak) {
			e.T.Errorf("response leaks internal text %q: %s", leak, r.Body)
		}
	}
	return r
}

// MustDo is Do that fails the test on any GraphQL error and decodes data into out.
func (e *Env) MustDo(token, query string, vars map[string]any, out any) {
	e.T.Helper()
	r := e.Do(token, query, vars)
	if len(r.Errors) > 0 {
		e.T.Fatalf("unexpected errors: %s", r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.T.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// RunFeed starts the app's change feed (internal/feed) until the test
// ends: subscriptions and webhooks need it; other tests leave it off.
func (e *Env) RunFeed() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.App.Feed.Run(ctx); close(done) }()
	e.T.Cleanup(func() { cancel(); <-done })
}
