// Command latchkey is the Latchkey GraphQL server for smart-lock access
// permissions; `latchkey --help` lists its commands (usage below).
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // device time zones must resolve on hosts without a zone database

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/account"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/demo"
	"github.com/latchkey/latchkey/internal/invite"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/outbox"
	"github.com/latchkey/latchkey/schema"
)

func main() {
	log := observe.NewLogger(os.Stderr, os.Getenv("PRODUCTION") == "true", slog.LevelInfo)
	if err := run(os.Args[1:], os.Stdout, os.Stderr, log); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "latchkey:", err)
		os.Exit(1)
	}
}

// config reads the environment; see the README for each variable.
func config(log *slog.Logger) (app.Config, error) {
	cfg := app.Config{
		DatabaseURL:          os.Getenv("DATABASE_URL"),
		AllowedOrigins:       splitList(envOr("ALLOWED_ORIGINS", "*")),
		AllowedHeaders:       splitList(os.Getenv("CORS_ALLOWED_HEADERS")),
		PublicURL:            envOr("PUBLIC_URL", "http://localhost:"+listenPort()),
		InviteLinkTemplate:   os.Getenv("INVITE_LINK_TEMPLATE"),
		SMTPURL:              os.Getenv("SMTP_URL"),
		MailFrom:             envOr("MAIL_FROM", "Latchkey <no-reply@localhost>"),
		SeparateMetrics:      os.Getenv("METRICS_ADDR") != "",
		MailLog:              os.Getenv("MAIL_LOG") == "true",
		Production:           os.Getenv("PRODUCTION") == "true",
		TrustedDocuments:     os.Getenv("TRUSTED_DOCUMENTS"),
		TrustedDocumentsOnly: os.Getenv("TRUSTED_DOCUMENTS_ONLY") == "true",
		SkipMigrations:       os.Getenv("MIGRATE_AT_START") == "false",
		WebhookAllowPrivate:  os.Getenv("WEBHOOK_ALLOW_PRIVATE") == "true",
		Logger:               log,
	}
	if s := os.Getenv("SESSION_TTL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("SESSION_TTL=%q: want a positive duration such as 168h", s)
		}
		cfg.SessionTTL = d
	}
	if s := os.Getenv("TRUSTED_PROXIES"); s != "" {
		p, err := clientaddr.ParsePrefixes(s)
		if err != nil {
			return cfg, fmt.Errorf("TRUSTED_PROXIES=%q: %w", s, err)
		}
		cfg.TrustedProxies = p
	}
	cfg.ForwardedHeader = os.Getenv("FORWARDED_HEADER")
	for _, r := range []struct {
		name string
		d    *time.Duration
	}{
		{"AUDIT_RETENTION", &cfg.AuditRetention},
		{"EVENT_RETENTION", &cfg.EventRetention},
	} {
		if s := os.Getenv(r.name); s != "" {
			d, err := parseRetention(s)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: %w", r.name, s, err)
			}
			*r.d = d
		}
	}
	cfg.Budget = app.DefaultBudget
	for _, c := range []struct {
		name, unit string
		n          *int
	}{
		{"DATABASE_MAX_CONNS", "connections", &cfg.MaxConns},
		{"COST_BUDGET", "points", &cfg.Budget.Max},
		{"COST_RESTORE_RATE", "points a second", &cfg.Budget.Rate},
		{"LIVE_SUBSCRIPTIONS_PER_CONNECTION", "subscriptions", &cfg.Live.PerConnection},
		{"LIVE_CONNECTIONS_PER_TOKEN", "connections", &cfg.Live.PerToken},
	} {
		if s := os.Getenv(c.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("%s=%q: want a whole number of %s, at least 1", c.name, s, c.unit)
			}
			*c.n = n
		}
	}
	for name, d := range map[string]*time.Duration{"SESSION_IDLE": &cfg.SessionIdle, "APP_TOKEN_TTL": &cfg.AppTokenTTL} {
		if s := os.Getenv(name); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v <= 0 {
				return cfg, fmt.Errorf("%s=%q: want a positive duration such as 12h", name, s)
			}
			*d = v
		}
	}
	for i, s := range splitList(os.Getenv("INVITE_SECRET_PREVIOUS")) {
		b, err := invite.ParseSecret(s)
		if err != nil {
			return cfg, fmt.Errorf("INVITE_SECRET_PREVIOUS, secret %d: %w", i+1, err)
		}
		cfg.PreviousInviteSecrets = append(cfg.PreviousInviteSecrets, b)
	}
	var err error
	if s := os.Getenv("INVITE_SECRET"); s != "" {
		cfg.InviteSecret, err = invite.ParseSecret(s)
	} else {
		cfg.InviteSecret, err = invite.LoadOrCreateSecret(envOr("INVITE_SECRET_FILE", "latchkey.secret"))
	}
	return cfg, err
}

// parseRetention reads a retention period: whole days ("365d") or a Go
// duration ("8760h"), at least a day.
func parseRetention(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100*365 {
			return 0, errors.New("want whole days such as 365d, or a duration such as 8760h")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if parsed, err := time.ParseDuration(s); err != nil {
		return 0, errors.New("want whole days such as 365d, or a duration such as 8760h")
	} else {
		d = parsed
	}
	if d < 24*time.Hour {
		return 0, errors.New("must be at least a day (24h)")
	}
	return d, nil
}

// listenAddr is where the API is served: LISTEN_ADDR (host:port), else
// every interface on PORT.
func listenAddr() string {
	return envOr("LISTEN_ADDR", ":"+envOr("PORT", "8080"))
}

func listenPort() string {
	if _, port, err := net.SplitHostPort(listenAddr()); err == nil && port != "" && port != "0" {
		return port
	}
	return "8080"
}

// usage is what `latchkey --help` prints.
const usage = `latchkey serves the Latchkey GraphQL API and manages its database.

Usage:
  latchkey [serve]                        serve the API (LISTEN_ADDR or PORT, default :8080)
  latchkey account create --name NAME [--owner-email EMAIL [--owner-name NAME]]
                                          create an account, print its first API token
                                          (an owner's set-password link goes to stderr)
  latchkey admin reset-password --account ID|NAME --email EMAIL
                                          print a one-time set-password link
  latchkey seed [--name NAME] [--users N] [--devices N] [--permissions N]
                                          add a demo account filled with demo data (1,000
                                          users by default) next to the accounts already in
                                          the database, print its admin token
  latchkey migrate                        apply pending database migrations
  latchkey schema                         print the GraphQL schema (SDL)
  latchkey help | --help | -h             print this

Configuration is read from the environment (DATABASE_URL, default latchkey.db;
the README lists every variable).
`

func run(args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	// These two read no configuration, so they create no files.
	if len(args) == 1 {
		switch args[0] {
		case "help", "-h", "--help":
			_, err := io.WriteString(stdout, usage)
			return err
		case "schema":
			_, err := io.WriteString(stdout, schema.Print(graph.Published()))
			return err
		}
	}
	// The command is judged before the configuration is read (which creates
	// the secret file): serve and migrate take no words after them.
	var cmd func(app.Config) error
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "serve":
		cmd = func(cfg app.Config) error { return serve(cfg, log) }
	case len(args) >= 2 && args[0] == "account" && args[1] == "create":
		cmd = func(cfg app.Config) error { return createAccount(cfg, args[2:], stdout, stderr) }
	case len(args) >= 2 && args[0] == "admin" && args[1] == "reset-password":
		cmd = func(cfg app.Config) error { return resetPassword(cfg, args[2:], stdout) }
	case args[0] == "seed":
		cmd = func(cfg app.Config) error { return seed(cfg, args[1:], stdout) }
	case len(args) == 1 && args[0] == "migrate":
		cmd = func(cfg app.Config) error {
			return withDB(cfg, stdout, func(context.Context, *ent.Client, *sql.DB) (string, error) { return "migrated", nil })
		}
	default:
		return unknownCommand(args)
	}
	cfg, err := config(log)
	if err != nil {
		return err
	}
	return cmd(cfg)
}

func unknownCommand(args []string) error {
	return fmt.Errorf("unknown command %q (latchkey --help lists the commands)", strings.Join(args, " "))
}

// createAccount prints the account's first API token alone on stdout, as
// scripts expect; the owner's set-password link, if any, goes to stderr.
func createAccount(cfg app.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	name := fs.String("name", "", "the account's name")
	ownerEmail := fs.String("owner-email", "", "the email of the account's first OWNER admin, who gets a set-password link")
	ownerName := fs.String("owner-name", "", "the owner's name (default: the email)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return errors.New("account create: --name is required")
	}
	var owner *account.Owner
	if *ownerEmail != "" {
		owner = &account.Owner{Name: strings.TrimSpace(*ownerName), Email: *ownerEmail}
		if owner.Name == "" {
			owner.Name = strings.TrimSpace(*ownerEmail)
		}
	}
	return withDB(cfg, stdout, func(ctx context.Context, client *ent.Client, _ *sql.DB) (string, error) {
		_, token, code, err := account.CreateWithOwner(ctx, client, strings.TrimSpace(*name), owner, time.Now())
		if err == nil && owner != nil {
			_, err = fmt.Fprintf(stderr, "The owner %s sets a password, within %s, at:\n%s\n", owner.Email, admins.CodeTTL, outbox.Invitations{PublicURL: cfg.PublicURL}.AdminLink(code))
		}
		return token, err
	})
}

// resetPassword prints a one-time link that sets an admin's password, for
// an admin who lost it (or never got the invitation).
func resetPassword(cfg app.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin reset-password", flag.ContinueOnError)
	acc := fs.String("account", "", "the account's ID or name")
	email := fs.String("email", "", "the admin's email")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *acc == "" || *email == "" {
		return errors.New("admin reset-password: --account and --email are required")
	}
	return withDB(cfg, stdout, func(ctx context.Context, client *ent.Client, _ *sql.DB) (string, error) {
		code, err := admins.Recover(ctx, client, *acc, *email, time.Now())
		return outbox.Invitations{PublicURL: cfg.PublicURL}.AdminLink(code), err
	})
}

// seed adds a demo account with demo data and prints its admin token; the
// accounts already in the database stay as they are, which it says.
func seed(cfg app.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "latchkey seed adds a demo account next to the accounts already in the database and prints its admin token.")
		fs.PrintDefaults()
	}
	name := fs.String("name", "Demo Housing", "the account's name")
	shape := demo.DefaultShape
	fs.IntVar(&shape.Users, "users", shape.Users, "number of users")
	fs.IntVar(&shape.Devices, "devices", shape.Devices, "number of devices")
	fs.IntVar(&shape.PermissionsPerUser, "permissions", shape.PermissionsPerUser, "permissions per user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withDB(cfg, stdout, func(ctx context.Context, client *ent.Client, db *sql.DB) (string, error) {
		before, err := client.Account.Query().Count(auth.SystemContext(ctx))
		if err != nil {
			return "", err
		}
		token, err := demo.Seed(ctx, client, *name, shape, time.Now())
		if err == nil {
			err = database.Analyze(ctx, db)
		}
		if err == nil {
			cfg.Logger.Info("seed added a demo account next to the accounts already in the database (it changed none of them)",
				"account", *name, "users", shape.Users, "accounts_before", before)
		}
		return token, err
	})
}

// withDB opens and migrates the database, runs f and prints what it returns.
func withDB(cfg app.Config, stdout io.Writer, f func(context.Context, *ent.Client, *sql.DB) (string, error)) error {
	ctx := context.Background()
	client, db, err := database.Open(cfg.DatabaseURL, cfg.MaxConns, nil)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := database.Migrate(ctx, client, db, cfg.DatabaseURL); err != nil {
		return err
	}
	out, err := f(ctx, client, db)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, out)
	return err
}

// tuneGC trades memory for CPU: a GraphQL response allocates many small
// objects, and at the default GOGC=100 the collector took a third of the
// CPU in the overview benchmark. GOGC=400 with a soft limit of 120 MiB
// keeps the heap small in absolute terms. GOGC and GOMEMLIMIT in the
// environment take precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(120 << 20)
	}
}

func serve(cfg app.Config, log *slog.Logger) error {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", listenAddr())
	if err != nil {
		return err
	}
	servers := []*http.Server{newServer(ctx, a.Handler())}
	listeners := []net.Listener{ln}
	if addr := os.Getenv("METRICS_ADDR"); addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.Metrics.Handler())
		servers = append(servers, newServer(ctx, mux))
		listeners = append(listeners, mln)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	mailDone := make(chan struct{})
	go func() { a.Run(ctx); close(mailDone) }()
	defer func() { <-mailDone }()
	log.Info("latchkey listening", "addr", ln.Addr().String(), "database", describeDB(cfg.DatabaseURL))
	if len(listeners) > 1 {
		log.Info("metrics listening", "addr", listeners[1].Addr().String())
	}
	select {
	case err := <-errc:
		stop() // ends the mail sender, which the deferred wait needs
		for _, srv := range servers {
			_ = srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	// Let load balancers see /readyz fail and stop sending requests, then
	// stop accepting and finish what is in flight.
	a.Drain()
	if d, err := time.ParseDuration(envOr("SHUTDOWN_DRAIN", "0s")); err == nil && d > 0 {
		log.Info("shutting down: draining", "for", d)
		time.Sleep(d)
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make([]error, len(servers))
	for i, srv := range servers {
		errs[i] = srv.Shutdown(shutdownCtx)
	}
	return errors.Join(errs...)
}

// newServer returns an HTTP server for h whose requests' contexts outlive
// ctx (shutdown lets them finish).
func newServer(ctx context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

func describeDB(url string) string {
	if database.IsPostgres(url) {
		return "postgres"
	}
	if url == "" {
		return "sqlite " + database.DefaultDatabase
	}
	return "sqlite " + url
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
