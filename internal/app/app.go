// Package app assembles Latchkey: the database, the GraphQL handler with its
// limits and error handling, authentication, CORS and the health checks.
package app

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/budget"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/door"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/grant"
	"github.com/latchkey/latchkey/internal/housekeeping"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/ide"
	"github.com/latchkey/latchkey/internal/invite"
	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/outbox"
	"github.com/latchkey/latchkey/internal/ratelimit"
	"github.com/latchkey/latchkey/internal/tokens"
	"github.com/latchkey/latchkey/internal/webhook"
)

// Page sizes of every connection.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Limits bound every operation before any resolver runs. The README's
// overview (50 users with 20 permissions each) costs 19,301; asked for
// MaxPageSize users, 89,401 (TestOverviewFitsLimits).
// An argument may nest 10 levels (a where with two edge predicates inside
// an or takes 7) and hold lists of 1,000 items (twice grant.MaxDevices, so
// that a grant's own check names its limit); 2,000 values keep a where
// well inside the SQL parameter limits of both databases. The longest
// cursor the server issues, for a 254-character email, is about 1,400
// characters. An expression 500 levels high leaves SQLite's bound of 1,000
// room for what privacy and paging add.
var Limits = graph.Limits{MaxTokens: 5000, MaxDepth: 12, MaxAliases: 30, MaxComplexity: 100_000, MaxRepeats: 20,
	ListItems: grant.MaxDevices,
	Inputs:    graph.InputLimits{MaxDepth: 10, MaxList: 1000, MaxValues: 2000, MaxCursor: 2048, MaxHeight: 500, MaxEdgeChain: 2}}

// DefaultBudget is every token's cost budget (and every address's, for
// calls without a token): two operations of the largest complexity back
// to back, refilled in 10 seconds.
var DefaultBudget = budget.Limits{Max: 200_000, Rate: 20_000}

// Introspection (development only) has bounds of its own: the standard
// introspection query is 15 levels deep and costs about 2,600,000 with
// every list counted as its longest in the schema (graph.IntrospectionLimits);
// its answer holds about 9,300 fields.
const (
	IntrospectionDepth = 20
	IntrospectionCost  = 10_000_000
)

// DefaultSessionIdle is how long an unused session lasts (SESSION_IDLE).
const DefaultSessionIdle = 12 * time.Hour

// Config is everything the server is configured with.
type Config struct {
	// DatabaseURL is a postgres:// URL or a SQLite file; empty for database.DefaultDatabase.
	DatabaseURL string
	// AllowedOrigins lists the browser origins allowed by CORS ("*" for any).
	AllowedOrigins []string
	// AllowedHeaders are request headers CORS allows besides
	// httpapi.DefaultAllowedHeaders ("*" for any).
	AllowedHeaders []string
	// InviteSecret keys the hashes of invitation codes, and seals the
	// bodies of queued mails.
	InviteSecret []byte
	// PreviousInviteSecrets still redeem the codes issued, and open the
	// mails sealed, under earlier secrets.
	PreviousInviteSecrets [][]byte
	// PublicURL is where clients reach the server; activation links point here.
	PublicURL string
	// InviteLinkTemplate overrides the activation link ({base}, {code}).
	InviteLinkTemplate string
	// SMTPURL configures mail delivery (smtp://user:pass@host:587); empty
	// writes every mail to the log instead, which Production refuses
	// unless MailLog is set.
	SMTPURL  string
	MailFrom string
	// TrustedProxies are the peers whose ForwardedHeader names the client
	// (none by default: the client is the connection's peer).
	TrustedProxies []netip.Prefix
	// ForwardedHeader is X-Forwarded-For (when empty) or Forwarded.
	ForwardedHeader string
	// MailLog lets a Production server without SMTP write its mails, codes
	// included, to the log.
	MailLog bool
	// MaxConns bounds the PostgreSQL connections; 0 means database.DefaultMaxConns.
	// (SQLite has one writer whatever the number.)
	MaxConns int
	// MaxBodyBytes bounds request bodies (HTTP 413 beyond); 0 means 1 MiB.
	MaxBodyBytes int64
	// RequestTimeout bounds the work of one request; 0 means 10 s.
	RequestTimeout time.Duration
	// SkipMigrations leaves the schema alone at start (run `latchkey
	// migrate` instead).
	SkipMigrations bool
	// SeparateMetrics leaves GET /metrics off Handler, for a server that
	// serves Metrics.Handler on an address of its own.
	SeparateMetrics bool
	// TrustedDocuments is a manifest of persisted documents (a JSON object
	// of id → document, as Relay and graphql-codegen write it) that clients
	// may name instead of sending; TrustedDocumentsOnly refuses every other
	// document (and automatic persisted queries).
	TrustedDocuments     string
	TrustedDocumentsOnly bool
	// Production turns off introspection, the IDE and "Did you mean"
	// suggestions in errors.
	Production bool
	// AuditRetention is how long audit records are kept; 0 means
	// housekeeping.DefaultAuditRetention.
	AuditRetention time.Duration
	// WrapDriver wraps the database driver (tests count statements with it).
	WrapDriver func(dialect.Driver) dialect.Driver
	Logger     *slog.Logger
	// SessionIdle ends a session not used for this long; 0 means
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// AppTokenTTL ends an app token this long after it was issued; 0 for
	// no limit.
	AppTokenTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Budget is each caller's cost budget; the zero value means DefaultBudget.
	Budget budget.Limits
	// SessionTTL is how long an admin's session lasts after sign-in at
	// most (SESSION_TTL); 0 means admins.DefaultSessionTTL.
	SessionTTL time.Duration
	// EventRetention is how far back a subscriber may resume
	// (EVENT_RETENTION); 0 means feed.DefaultRetention. It cannot exceed
	// AuditRetention: the feed is the audit trail.
	EventRetention time.Duration
	// WebhookAllowPrivate lets webhook endpoints point at loopback,
	// private and other internal addresses (WEBHOOK_ALLOW_PRIVATE), for
	// tests and development.
	WebhookAllowPrivate bool
	// Live bounds the live connections (LIVE_SUBSCRIPTIONS_PER_CONNECTION,
	// LIVE_CONNECTIONS_PER_TOKEN); zero fields mean live.DefaultLimits.
	Live live.Limits
}

// Failed sign-ins allowed per window, per client address (an office
// behind one address has several admins) and per email; the sweep keeps
// failures for an hour, longer than the window.
const (
	signInWindow     = 15 * time.Minute
	signInsByAddress = 30
	signInsByEmail   = 10
)

// App is a running Latchkey instance.
type App struct {
	Client *ent.Client
	DB     *sql.DB
	// Mailer sends queued mail; Run starts it, tests call RunOnce.
	Mailer *outbox.Worker
	// Driver moves the devices (simulated: there is no lock hardware here).
	Driver *door.Simulated
	// Feed hands every write's audit record to this instance's
	// subscribers; Run starts it.
	Feed *feed.Hub
	// Webhooks manages the accounts' webhook endpoints; Dispatcher turns
	// the feed into their deliveries and WebhookSender posts them (Run
	// starts both, tests call RunOnce).
	Webhooks      *webhook.Endpoints
	Dispatcher    *webhook.Dispatcher
	WebhookSender *webhook.Sender
	// Live serves the subscriptions of this instance from Feed.
	Live *live.Broker
	// Metrics is what GET /metrics shows.
	Metrics  *observe.Metrics
	draining atomic.Bool
	tokens   *httpapi.TokenCache
	now      func() time.Time
	// auditRetention is how long the sweep keeps audit records.
	auditRetention time.Duration
	log            *slog.Logger
	handler        http.Handler
	// appended learns of every committed audit record (ent.Appended).
	appended *listeners
}

// OnAppended calls f once each transaction that appended to the audit
// trail commits (the change feed and the webhook dispatcher wake with it;
// tests add their own hubs). f must not block.
func (a *App) OnAppended(f func()) { a.appended.add(f) }

// listeners are the functions a committed audit record calls.
type listeners struct {
	mu sync.Mutex
	fs []func()
}

func (l *listeners) add(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fs = append(l.fs, f)
}

func (l *listeners) call() {
	l.mu.Lock()
	fs := l.fs
	l.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// New opens and migrates the database and builds the HTTP handler.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Production && cfg.SMTPURL == "" && !cfg.MailLog {
		return nil, errors.New("PRODUCTION=true without SMTP_URL would write invitation codes to the log instead of mailing them: set SMTP_URL, or MAIL_LOG=true to accept the log")
	}
	if cfg.Budget = cmp.Or(cfg.Budget, DefaultBudget); cfg.Budget.Max < 1 || cfg.Budget.Rate < 1 {
		return nil, errors.New("a cost budget needs a positive size and restore rate")
	}
	var codes codeIssuer
	for _, secret := range append([][]byte{cfg.InviteSecret}, cfg.PreviousInviteSecrets...) {
		h, err := invite.NewHasher(secret)
		if err != nil {
			return nil, err
		}
		codes.hashers = append(codes.hashers, h)
	}
	keys, err := outbox.NewKeys(cfg.InviteSecret, cfg.PreviousInviteSecrets...)
	if err != nil {
		return nil, err
	}
	clients, err := clientaddr.New(cfg.TrustedProxies, cfg.ForwardedHeader)
	if err != nil {
		return nil, err
	}
	docs, err := httpapi.NewDocuments(cfg.TrustedDocuments, cfg.TrustedDocumentsOnly)
	if err != nil {
		return nil, err
	}
	appended := &listeners{}
	client, db, err := database.Open(cfg.DatabaseURL, cfg.MaxConns, cfg.WrapDriver, ent.Appended(appended.call))
	if err != nil {
		return nil, err
	}
	if !cfg.SkipMigrations {
		if err := database.Migrate(ctx, client, db, cfg.DatabaseURL); err != nil {
			_ = client.Close()
			return nil, err
		}
	}
	var sender mail.Sender = mail.LogSender{Logger: cfg.Logger}
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom); err != nil {
			_ = client.Close()
			return nil, err
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.AuditRetention == 0 {
		cfg.AuditRetention = housekeeping.DefaultAuditRetention
	}
	a := &App{Client: client, DB: db, Driver: &door.Simulated{}, now: cfg.Now, log: cfg.Logger, auditRetention: cfg.AuditRetention,
		tokens: httpapi.NewTokenCache(cfg.Now, tokens.Lifetimes{SessionIdle: cfg.SessionIdle, AppTTL: cfg.AppTokenTTL})}
	a.tokens.Watch(client)
	if cfg.EventRetention > cfg.AuditRetention {
		_ = client.Close()
		return nil, fmt.Errorf("EVENT_RETENTION (%s) cannot exceed AUDIT_RETENTION (%s): the events are the audit records", cfg.EventRetention, cfg.AuditRetention)
	}
	fc := feed.Config{DB: db, Log: cfg.Logger, Now: cfg.Now, Retention: cfg.EventRetention}
	if database.IsPostgres(cfg.DatabaseURL) {
		fc.PostgresURL = cfg.DatabaseURL
	}
	a.Feed = feed.New(fc)
	a.Dispatcher = webhook.NewDispatcher(client, a.Feed, cfg.Logger)
	// A committed audit record wakes this instance's hub and webhook
	// dispatcher; the grant path pays no statement for either.
	a.appended = appended
	a.OnAppended(a.Feed.Wake)
	a.OnAppended(a.Dispatcher.Wake)
	a.Live = live.New(client, a.Feed, cfg.Live, cfg.Now, cfg.Logger)
	a.Mailer = &outbox.Worker{
		Client:      client,
		Sender:      sender,
		Keys:        keys,
		Log:         cfg.Logger,
		Now:         cfg.Now,
		Batch:       20,
		MaxAttempts: 12,
		Backoff:     outbox.ExponentialBackoff,
		Lease:       2 * time.Minute,
		Parallel:    4,
	}
	a.Metrics = observe.NewMetrics(db, a.Mailer.Depth)
	a.Metrics.AccountOf = func(ctx context.Context) string {
		if v := auth.FromContext(ctx); v != nil {
			return string(v.AccountID)
		}
		return ""
	}
	a.Mailer.OnAttempt = func(sent bool) {
		if sent {
			a.Metrics.MailSent()
		} else {
			a.Metrics.MailFailed()
		}
	}
	mails := outbox.Invitations{PublicURL: cfg.PublicURL, LinkTemplate: cfg.InviteLinkTemplate, Keys: keys}
	grants := &grant.Service{
		Codes:    codes,
		Mailer:   mails,
		Failures: &ratelimit.Failures{Client: client, Max: 10, Window: time.Minute, Now: cfg.Now, Log: cfg.Logger},
		Now:      cfg.Now,
		OnRedeem: a.Metrics.Redemption,
	}
	admins := &admins.Service{
		Mailer:     mails,
		ByAddress:  &ratelimit.Failures{Client: client, Max: signInsByAddress, Window: signInWindow, Now: cfg.Now, Log: cfg.Logger, Prefix: "signin-addr:"},
		ByEmail:    &ratelimit.Failures{Client: client, Max: signInsByEmail, Window: signInWindow, Now: cfg.Now, Log: cfg.Logger, Prefix: "signin-email:"},
		SessionTTL: cfg.SessionTTL,
		Now:        cfg.Now,
	}
	a.WebhookSender = webhook.NewSender(client, keys, mails,
		webhook.NewHTTPClient(&webhook.Dialer{AllowPrivate: cfg.WebhookAllowPrivate}, webhook.DefaultTimeout), cfg.Now, cfg.Logger)
	a.Dispatcher.Queued = a.WebhookSender.Wake
	a.Webhooks = &webhook.Endpoints{Keys: keys, Now: cfg.Now, AllowPrivate: cfg.WebhookAllowPrivate, Wake: a.WebhookSender.Wake}
	a.handler = clients.Handler(a.routes(cfg, grants, docs, admins))
	return a, nil
}

// Run reads the change feed, turns it into webhook deliveries and posts
// them, sends queued mail and sweeps old records until ctx ends.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { a.sweepEvery(ctx, time.Hour) })
	wg.Go(func() { a.Feed.Run(ctx) })
	wg.Go(func() { a.Dispatcher.Run(ctx, time.Second, 50*time.Millisecond) })
	wg.Go(func() { a.WebhookSender.Run(ctx, time.Second) })
	a.Mailer.Run(ctx, time.Second)
	wg.Wait()
}

// Drain makes /readyz answer 503, so that load balancers stop sending
// requests before the server stops accepting them, and ends the live
// connections (WebSocket close 1012, SSE streams end without complete).
func (a *App) Drain() {
	a.draining.Store(true)
	// Live connections would hold the shutdown up: their clients resume
	// on another instance.
	a.Live.CloseAll()
}

// Handler serves the API, the IDE and the health checks.
func (a *App) Handler() http.Handler { return a.handler }

// Close closes the database.
func (a *App) Close() error { return a.Client.Close() }

func (a *App) routes(cfg Config, grants *grant.Service, docs *httpapi.Documents, admins *admins.Service) http.Handler {
	schema := graph.NewSchema(a.Client, grants, &door.Service{Client: a.Client, Driver: a.Driver, Now: cfg.Now, OnDecision: a.Metrics.AccessDecision}, admins, a.Webhooks, a.Live)
	gql := handler.New(schema)
	subscriptions := &httpapi.Live{Client: a.Client, Tokens: a.tokens, Broker: a.Live, Origins: cfg.AllowedOrigins, MaxBodyBytes: cfg.MaxBodyBytes}
	for _, t := range subscriptions.Transports() {
		gql.AddTransport(t)
	}
	gql.AddTransport(transport.Options{})
	gql.AddTransport(httpapi.GET{Documents: docs})
	gql.AddTransport(httpapi.POST{Documents: docs, NewBatch: graph.NewBatch})
	cache := shortQueries{lru.New[*ast.QueryDocument](1000)}
	gql.SetQueryCache(cache)
	limits := Limits
	limits.Introspection = graph.NewIntrospectionLimits(schema.Schema(), IntrospectionDepth, IntrospectionCost)
	limits.Validated = func(ctx context.Context, query string) bool {
		_, ok := cache.Get(ctx, query)
		return ok
	}
	var exts []graphql.HandlerExtension
	if cfg.Production {
		gql.SetDisableSuggestion(true)
		gql.SetValidationRulesFn(graph.ProductionRules)
	} else {
		exts = append(exts, extension.Introspection{})
	}
	exts = append(exts,
		graph.PageLimit{Default: DefaultPageSize, Max: MaxPageSize, Order: map[string]graph.Order{
			"AccessEventConnection": {Field: "OCCURRED_AT", Direction: "DESC"},
			"AuditEventConnection":  {Field: "OCCURRED_AT", Direction: "DESC"},
			// A delivery log reads newest first.
			"WebhookDeliveryConnection": {Field: "CREATED_AT", Direction: "DESC"},
		}},
		limits,
		graph.MutationGuard{},
		graph.Authorize{},
		a.Metrics.Extension(),
		graph.Cost{Budget: budget.New(cfg.Budget, cfg.Now)},
		&graph.Transactioner{Client: a.Client, Log: cfg.Logger},
	)
	for _, ext := range exts {
		if _, ok := ext.(graphql.FieldInterceptor); ok {
			// Leaf fields skip field middleware (internal/tools/gqlpatch).
			panic(fmt.Sprintf("app: %T intercepts fields, which the generated executor does not support", ext))
		}
		gql.Use(ext)
	}
	present := graph.ErrorPresenter(cfg.Logger)
	gql.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return observe.WithRequestID(ctx, present(ctx, err))
	})
	gql.SetRecoverFunc(graph.RecoverFunc(cfg.Logger))

	mux := http.NewServeMux()
	timeout := cfg.RequestTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	// The deadline's late answer goes out while the handler still runs, so
	// it is the outermost writer.
	// Subscriptions last as long as their connection: they pass the
	// deadline by (their transports judge their own requests).
	mux.Handle("/query", httpapi.SplitLive(gql,
		httpapi.Deadline(timeout, httpapi.Guard(httpapi.Authenticate(a.Client, a.tokens, gql), httpapi.Options{MaxBodyBytes: cfg.MaxBodyBytes}))))
	if !cfg.Production {
		ide.Mount(mux, "/query")
	}
	mux.HandleFunc("GET /invite/{code}", httpapi.InvitePage)
	mux.HandleFunc("GET /admin/set-password/{code}", httpapi.SetPasswordPage)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	if !cfg.SeparateMetrics {
		mux.Handle("GET /metrics", a.Metrics.Handler())
	}

	return observe.RequestLog(cfg.Logger, httpapi.CORS(cfg.AllowedOrigins, cfg.AllowedHeaders, mux))
}

// ready reports whether the database answers within a second.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	if a.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := a.DB.PingContext(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// codeIssuer makes invitation codes and their keyed hashes: under the
// current secret, and for typed codes also under each previous one, so
// that codes issued before a rotation still redeem.
type codeIssuer struct{ hashers []*invite.Hasher }

func (c codeIssuer) Issue() (string, string, error) {
	code, err := invite.NewCode()
	if err != nil {
		return "", "", err
	}
	canonical, ok := invite.Normalize(code)
	if !ok {
		return "", "", errors.New("invite: generated code does not normalize")
	}
	return code, c.hashers[0].Hash(canonical), nil
}

func (c codeIssuer) Hashes(typed string) ([]string, bool) {
	canonical, ok := invite.Normalize(typed)
	if !ok {
		return nil, false
	}
	hashes := make([]string, len(c.hashers))
	for i, h := range c.hashers {
		hashes[i] = h.Hash(canonical)
	}
	return hashes, true
}

// Sweep runs housekeeping.Sweep on the app's database and clock.
func (a *App) Sweep(ctx context.Context) error {
	return housekeeping.Sweep(ctx, a.Client, a.now(), a.auditRetention)
}

// sweepEvery runs Sweep every interval until ctx ends.
func (a *App) sweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("sweep failed", "err", err)
			}
		}
	}
}
