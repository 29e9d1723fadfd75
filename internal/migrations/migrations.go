// Package migrations holds Latchkey's versioned database migrations and
// applies them with goose.
//
// The SQL files are generated from the Ent schema, never written by hand:
//
//	go run ./internal/migrations/cmd/gen -name <change_name>
//
// writes postgres/<version>_<change_name>.sql and sqlite/<version>_<change_name>.sql
// (and updates each folder's atlas.sum) when the Ent schema differs from
// what the existing migrations produce. The diff reads the generated
// ent/migrate tables, so run go generate ./ent/... first. Review the new
// files and commit them; never edit a migration that has been released.
// TestNoPendingSchemaChange fails when someone changes the Ent schema and
// forgets to generate a migration.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"slices"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

//go:embed postgres/*.sql sqlite/*.sql
var embedded embed.FS

// Dialect names accepted by Up, Version and Baseline. Ent's dialect names
// ("postgres", "sqlite3") are accepted too.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// ErrUnversioned is returned by Up for a database that already holds
// tables but has never been migrated by goose, such as one created by
// Ent's auto-migration (client.Schema.Create). Bring it to the current
// schema and record it with Baseline, then call Up again.
var ErrUnversioned = errors.New("migrations: database has tables but no goose version table")

type dialectInfo struct {
	dir   string
	goose goose.Dialect
}

func lookup(dialect string) (dialectInfo, error) {
	switch dialect {
	case Postgres, "postgresql":
		return dialectInfo{dir: "postgres", goose: goose.DialectPostgres}, nil
	case SQLite, "sqlite3":
		return dialectInfo{dir: "sqlite", goose: goose.DialectSQLite3}, nil
	}
	return dialectInfo{}, fmt.Errorf("migrations: unsupported dialect %q", dialect)
}

// migrationFS returns the migration files of dialect, in goose format.
func migrationFS(dialect string) (fs.FS, error) {
	d, err := lookup(dialect)
	if err != nil {
		return nil, err
	}
	return fs.Sub(embedded, d.dir)
}

// newProvider returns a goose provider for db that uses no global state:
// its own file system, no globally registered Go migrations, and for
// PostgreSQL an advisory lock of its own per database and schema, so that
// several processes starting at once migrate one after the other while
// tests in different schemas do not wait for each other.
func newProvider(ctx context.Context, db *sql.DB, dialect string) (*goose.Provider, error) {
	d, err := lookup(dialect)
	if err != nil {
		return nil, err
	}
	fsys, err := migrationFS(dialect)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations(dialect)...)}
	if d.goose == goose.DialectPostgres {
		id, err := postgresLockID(ctx, db)
		if err != nil {
			return nil, err
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(d.goose, db, fsys, opts...)
}

// postgresLockID derives the advisory lock key from the database and the
// schema that unqualified names resolve to.
func postgresLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var database, schema string
	err := db.QueryRowContext(ctx, `SELECT current_database(), COALESCE(current_schema(), '')`).Scan(&database, &schema)
	if err != nil {
		return 0, fmt.Errorf("migrations: read current schema: %w", err)
	}
	if schema == "" {
		return 0, errors.New("migrations: no schema of the search_path exists")
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "latchkey-migrations\x00%s\x00%s", database, schema)
	return int64(h.Sum64()), nil
}

// Up applies every pending migration. Goose keeps its version table
// (goose_db_version) next to the application's tables: in the schema that
// unqualified names resolve to on PostgreSQL (the first existing schema of
// the connection's search_path). Calling Up on an up-to-date database
// changes nothing. On a database that has tables but no version table it
// returns an error wrapping ErrUnversioned and changes nothing.
func Up(ctx context.Context, db *sql.DB, dialect string) error {
	d, err := lookup(dialect)
	if err != nil {
		return err
	}
	// Tables first, the version table second: goose creates its version
	// table before any migration runs, so an instance migrating at the same
	// time can never make this database look unversioned.
	table, err := anyTable(ctx, db, d)
	if err != nil {
		return err
	}
	if table != "" {
		versioned, err := versionTableExists(ctx, db, d)
		if err != nil {
			return err
		}
		if !versioned {
			return fmt.Errorf("%w (found table %q)", ErrUnversioned, table)
		}
	}
	p, err := newProvider(ctx, db, dialect)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// Version returns the latest migration version applied to db, or 0 when
// none is (it does not create goose's version table).
func Version(ctx context.Context, db *sql.DB, dialect string) (int64, error) {
	d, err := lookup(dialect)
	if err != nil {
		return 0, err
	}
	exists, err := versionTableExists(ctx, db, d)
	if err != nil || !exists {
		return 0, err
	}
	store, err := database.NewStore(d.goose, goose.DefaultTablename)
	if err != nil {
		return 0, err
	}
	v, err := store.GetLatestVersion(ctx, db)
	if errors.Is(err, database.ErrVersionNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("migrations: read version: %w", err)
	}
	return v, nil
}

// versions returns the versions of the embedded migrations of dialect and
// of its Go migrations, in ascending order.
func versions(dialect string) ([]int64, error) {
	fsys, err := migrationFS(dialect)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	vs := make([]int64, 0, len(names))
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return nil, fmt.Errorf("migrations: %s: %w", n, err)
		}
		vs = append(vs, v)
	}
	for _, m := range goMigrations(dialect) {
		vs = append(vs, m.Version)
	}
	slices.Sort(vs)
	return vs, nil
}

// Baseline records every embedded migration as applied without running
// it, except that it runs the Go migrations, which rewrite the rows such a
// database holds. It is for a database whose schema was created by Ent's
// auto-migration with the current Ent schema, which is exactly what the
// SQL migrations produce: call client.Schema.Create first, then Baseline,
// then Up. It does nothing on a database that goose already manages.
func Baseline(ctx context.Context, db *sql.DB, dialect string) error {
	d, err := lookup(dialect)
	if err != nil {
		return err
	}
	exists, err := versionTableExists(ctx, db, d)
	if err != nil || exists {
		return err
	}
	vs, err := versions(dialect)
	if err != nil {
		return err
	}
	store, err := database.NewStore(d.goose, goose.DefaultTablename)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return fmt.Errorf("migrations: create version table: %w", err)
	}
	if err := store.Insert(ctx, tx, database.InsertRequest{Version: 0}); err != nil {
		return err
	}
	for _, v := range vs {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	for _, m := range goMigrations(dialect) {
		if err := m.UpFnContext(ctx, tx); err != nil {
			return fmt.Errorf("migrations: %d: %w", m.Version, err)
		}
	}
	return tx.Commit()
}

// versionTableExists reports whether goose's version table exists where
// goose would look for it: in the connection's current schema on
// PostgreSQL, in the main database on SQLite.
func versionTableExists(ctx context.Context, db *sql.DB, d dialectInfo) (bool, error) {
	var q string
	switch d.goose {
	case goose.DialectPostgres:
		q = `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)`
	default:
		q = `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)`
	}
	var exists bool
	if err := db.QueryRowContext(ctx, q, goose.DefaultTablename).Scan(&exists); err != nil {
		return false, fmt.Errorf("migrations: check version table: %w", err)
	}
	return exists, nil
}

// anyTable returns the name of some table in the schema that the
// migrations would write to, or "" when there is none.
func anyTable(ctx context.Context, db *sql.DB, d dialectInfo) (string, error) {
	var q string
	switch d.goose {
	case goose.DialectPostgres:
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '` + goose.DefaultTablename + `' ORDER BY tablename LIMIT 1`
	default:
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> '` + goose.DefaultTablename + `' ORDER BY name LIMIT 1`
	}
	var name string
	err := db.QueryRowContext(ctx, q).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("migrations: list tables: %w", err)
	}
	return name, nil
}
