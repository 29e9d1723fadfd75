// Package schemadiff computes the goose migration that brings Latchkey's
// versioned migrations up to the Ent schema. It is shared by the generator
// (internal/migrations/cmd/gen) and the drift test of package migrations.
//
// The diff never inspects a live database: it replays the existing
// migration files on an empty scratch database (Ent's schema.ModeReplay),
// then compares the result with the tables that the Ent schema describes.
package schemadiff

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/lib/pq"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"github.com/latchkey/latchkey/ent/migrate"
)

// The dialects that have a migration folder, named like the folder.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Dialects lists every dialect with a migration folder.
var Dialects = []string{Postgres, SQLite}

// DefaultPostgresURL is the server used for the scratch database when
// nothing else is configured.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURLEnv overrides DefaultPostgresURL for the generator.
const PostgresURLEnv = "LATCHKEY_MIGRATE_POSTGRES"

// SumFile is the name of Atlas' integrity file in each migration folder.
const SumFile = atlasmigrate.HashFileName

// File is a file that the diff adds to a migration folder or changes in it.
type File struct {
	Name string
	Data []byte
}

// Options configure a diff.
type Options struct {
	// PostgresURL connects to a PostgreSQL server as a user that may create
	// and drop databases. The diff runs in a temporary database created
	// there; the database named in the URL itself is not touched.
	PostgresURL string
	// Version, when set, is the version of the new migration (the number
	// that starts its file name) instead of the current time, so that one
	// change gets the same version in every dialect.
	Version int64
}

var (
	nameRE      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	migrationRE = regexp.MustCompile(`^([0-9]+)_.*\.sql$`)
)

// ValidName reports whether name can be used in a migration file name.
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("migration name %q: use lower-case letters, digits and underscores, starting with a letter", name)
	}
	return nil
}

// Plan computes the migration named name that brings the goose migrations in
// dir (a dialect's folder, e.g. internal/migrations/postgres) to the Ent
// schema. It returns nil when the migrations already produce the Ent
// schema; otherwise the new migration file followed by the updated
// atlas.sum. dir itself is never written: the diff runs on a copy.
func Plan(ctx context.Context, dialectName, dir, name string, opts Options) ([]File, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "latchkey-migrations-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	before, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	for n, data := range before {
		if err := os.WriteFile(filepath.Join(tmp, n), data, 0o644); err != nil {
			return nil, err
		}
	}
	gooseDir, err := sqltool.NewGooseDir(tmp)
	if err != nil {
		return nil, err
	}
	migrateOpts := []schema.MigrateOption{
		schema.WithDir(gooseDir),
		schema.WithFormatter(formatter{version: opts.Version}),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithErrNoPlan(true),
		schema.WithIndent("  "),
		// A versioned migration must describe the Ent schema exactly, so
		// removed fields and indexes become DROP statements for review.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	}
	switch dialectName {
	case Postgres:
		err = withScratchPostgres(ctx, opts.PostgresURL, func(u string) error {
			return migrate.NamedDiff(ctx, u, name, append(migrateOpts, schema.WithDialect(dialect.Postgres))...)
		})
	case SQLite:
		err = withScratchSQLite(ctx, func(drv dialect.Driver) error {
			return migrate.NewSchema(drv).NamedDiff(ctx, name, migrateOpts...)
		})
	default:
		return nil, fmt.Errorf("unknown dialect %q", dialectName)
	}
	switch {
	case errors.Is(err, atlasmigrate.ErrNoPlan):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s: diff Ent schema against %s: %w", dialectName, dir, err)
	}
	after, err := readDir(tmp)
	if err != nil {
		return nil, err
	}
	return changed(before, after)
}

// changed returns the new migration file and the new sum file, checking
// that the new migration sorts after every existing one.
func changed(before, after map[string][]byte) ([]File, error) {
	var latest int64
	for n := range before {
		if v, ok := version(n); ok && v > latest {
			latest = v
		}
	}
	var files []File
	var sum *File
	for _, n := range sortedKeys(after) {
		data := after[n]
		if old, ok := before[n]; ok && bytes.Equal(old, data) {
			continue
		}
		if n == SumFile {
			sum = &File{Name: n, Data: data}
			continue
		}
		v, ok := version(n)
		if !ok {
			return nil, fmt.Errorf("diff wrote unexpected file %q", n)
		}
		if _, existed := before[n]; existed {
			return nil, fmt.Errorf("diff rewrote existing migration %q", n)
		}
		if v <= latest {
			return nil, fmt.Errorf("new migration %q does not sort after the latest existing version %d (check the clock)", n, latest)
		}
		files = append(files, File{Name: n, Data: data})
	}
	if len(files) != 1 || sum == nil {
		return nil, fmt.Errorf("diff wrote %d migration files and %v sum files, want one of each", len(files), sum != nil)
	}
	return append(files, *sum), nil
}

// noTransaction is goose's annotation for a migration that must run
// outside a transaction.
const noTransaction = "-- +goose NO TRANSACTION"

// formatter is Atlas' goose formatter, with the version given in Options
// if any, and except that a migration which turns
// SQLite's foreign key enforcement off is marked to run outside a
// transaction. Atlas rebuilds a SQLite table to change it (create a copy,
// copy the rows, drop the original, rename the copy) with
// "PRAGMA foreign_keys = off" around it; inside a transaction that pragma
// does nothing, and dropping the original table would then run its
// ON DELETE CASCADE actions and delete the rows that refer to it.
type formatter struct{ version int64 }

func (f formatter) Format(plan *atlasmigrate.Plan) ([]atlasmigrate.File, error) {
	files, err := sqltool.GooseFormatter.Format(plan)
	if err != nil {
		return nil, err
	}
	noTx := slices.ContainsFunc(plan.Changes, func(c *atlasmigrate.Change) bool {
		return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(c.Cmd)), "PRAGMA FOREIGN_KEYS")
	})
	for i, file := range files {
		name, data := file.Name(), file.Bytes()
		if _, rest, ok := strings.Cut(name, "_"); ok && f.version > 0 {
			name = strconv.FormatInt(f.version, 10) + "_" + rest
		}
		if noTx {
			data = append([]byte(noTransaction+"\n"), data...)
		}
		files[i] = atlasmigrate.NewLocalFile(name, data)
	}
	return files, nil
}

// Write stores files in dir.
func Write(dir string, files []File) error {
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func version(name string) (int64, bool) {
	m := migrationRE.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	return v, err == nil
}

// readDir returns the migration files and the sum file of dir.
func readDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte)
	for _, e := range entries {
		if !e.Type().IsRegular() || (e.Name() != SumFile && !strings.HasSuffix(e.Name(), ".sql")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = data
	}
	return files, nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// withScratchPostgres creates an empty database on the server at adminURL,
// calls f with a URL for it, and drops the database afterwards.
func withScratchPostgres(ctx context.Context, adminURL string, f func(url string) error) (err error) {
	if adminURL == "" {
		adminURL = DefaultPostgresURL
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "latchkey_migrate_" + hex.EncodeToString(b)
	// template0 is never connected to, so CREATE DATABASE cannot be blocked
	// by other sessions, and it holds no local additions.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create scratch database: %w", err)
	}
	defer func() {
		_, derr := admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)")
		if derr != nil {
			err = errors.Join(err, fmt.Errorf("drop scratch database %s: %w", name, derr))
		}
	}()
	u.Path = "/" + name
	q := u.Query()
	// Binding the connection to one schema keeps Atlas from treating the
	// whole database as its scope.
	q.Set("search_path", "public")
	u.RawQuery = q.Encode()
	return f(u.String())
}

// withScratchSQLite calls f with a driver for an empty SQLite file.
func withScratchSQLite(ctx context.Context, f func(dialect.Driver) error) error {
	dir, err := os.MkdirTemp("", "latchkey-migrate-sqlite-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scratch.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	return f(entsql.OpenDB(dialect.SQLite, db))
}
