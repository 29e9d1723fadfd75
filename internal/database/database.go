// Package database opens the database a server runs on (PostgreSQL, or the
// embedded SQLite file by default), sized and configured for a server, and
// brings it to the current schema.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"github.com/latchkey/latchkey/ent"
	_ "github.com/latchkey/latchkey/ent/runtime" // registers schema hooks and privacy policies
	"github.com/latchkey/latchkey/internal/migrations"
	"github.com/latchkey/latchkey/internal/stmtcache"
)

// DefaultDatabase is the embedded SQLite file used when DATABASE_URL is empty.
const DefaultDatabase = "latchkey.db"

// sqlitePragmas make SQLite fit for a server: foreign keys enforced, WAL so
// that readers do not block the writer, writers that wait instead of
// failing, transactions that take the write lock up front, and deleted or
// overwritten content zeroed rather than left in free space. synchronous
// is FULL: with WAL's NORMAL a commit is not on disk yet, and a power loss
// could take back a door event after the door acted on it.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate"

// DefaultMaxConns is how many PostgreSQL connections a server opens at
// most: about twice the cores of a small PostgreSQL server, the usual
// guidance, since more busy backends than cores contend rather than help.
// On a shared 2-core machine, 10 against 20 was within the noise for the
// grant throughput, with PostgreSQL's CPU per grant lower in most runs
// with 10 (BENCHMARKS.md).
const DefaultMaxConns = 10

// Open opens the database named by url: a postgres:// URL, or a SQLite
// file path (optionally prefixed with sqlite: or file:), by default
// DefaultDatabase. PostgreSQL connections keep their statements prepared
// (internal/stmtcache); maxConns of them at most, or DefaultMaxConns if 0.
// wrap, if not nil, wraps the driver (tests count and break statements
// with it); opts configure the client.
func Open(url string, maxConns int, wrap func(dialect.Driver) dialect.Driver, opts ...ent.Option) (*ent.Client, *sql.DB, error) {
	name, dsn := "sqlite", ""
	switch {
	case IsPostgres(url):
		name, dsn = "postgres", withConnectTimeout(url)
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		if path == "" {
			path = DefaultDatabase
		}
		// SQLite reads the DSN as a URI: a '#' or '%' in the file's path
		// would cut it short or be decoded, and open another file.
		file, query, hasQuery := strings.Cut(path, "?")
		file = strings.NewReplacer("%", "%25", "#", "%23").Replace(file)
		if hasQuery {
			query += "&"
		}
		dsn = "file:" + file + "?" + query + sqlitePragmas
	}
	var db *sql.DB
	if name == "postgres" {
		connector, err := pq.NewConnector(dsn)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s database: %w", name, err)
		}
		db = sql.OpenDB(stmtcache.Connector{Connector: connector})
	} else {
		connector, err := openSQLiteConnector(dsn)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s database: %w", name, err)
		}
		db = sql.OpenDB(connector)
	}
	dia := dialect.SQLite
	if name == "postgres" {
		dia = dialect.Postgres
		if maxConns == 0 {
			maxConns = DefaultMaxConns
		}
		db.SetMaxOpenConns(maxConns)
		db.SetMaxIdleConns(maxConns)
	}
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	if wrap != nil {
		drv = wrap(drv)
	}
	return ent.NewClient(append([]ent.Option{ent.Driver(drv)}, opts...)...), db, nil
}

// Migrate applies the versioned migrations embedded in the binary (see
// internal/migrations) that the database lacks. A database made before
// migrations were versioned is brought to the schema once and recorded as
// migrated.
func Migrate(ctx context.Context, client *ent.Client, db *sql.DB, url string) error {
	dia := migrations.SQLite
	if IsPostgres(url) {
		dia = migrations.Postgres
	}
	err := migrations.Up(ctx, db, dia)
	if errors.Is(err, migrations.ErrUnversioned) {
		if err = client.Schema.Create(ctx); err == nil {
			if err = migrations.Baseline(ctx, db, dia); err == nil {
				err = migrations.Up(ctx, db, dia)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("migrate database schema: %w", err)
	}
	return nil
}

// IsPostgres reports whether url names a PostgreSQL database; anything
// else is a SQLite file.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// withConnectTimeout bounds how long lib/pq waits for a new connection,
// which it does without regard to the request's deadline: a database that
// accepts but never answers would otherwise hold requests forever.
func withConnectTimeout(url string) string {
	if strings.Contains(url, "connect_timeout=") {
		return url
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "connect_timeout=5"
}

// Analyze refreshes the query planner's statistics, as is due after a bulk
// load such as demo.Seed: until the database's own background analysis runs,
// PostgreSQL would plan the overview's statements for nearly empty tables.
func Analyze(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
