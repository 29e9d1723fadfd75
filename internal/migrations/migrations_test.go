package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/lib/pq"

	"github.com/latchkey/latchkey/ent"
	entmigrate "github.com/latchkey/latchkey/ent/migrate"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/privacy"
	_ "github.com/latchkey/latchkey/ent/runtime" // hooks and privacy policies
	"github.com/latchkey/latchkey/internal/migrations/internal/schemadiff"
	"github.com/latchkey/latchkey/internal/pulid"
)

// postgresEnv names the database URL that enables the PostgreSQL tests.
const postgresEnv = "LATCHKEY_TEST_POSTGRES"

// entSchemaMu serializes the calls that run Ent's migration engine: it
// writes to the shared table descriptions in ent/migrate.
var entSchemaMu sync.Mutex

// target is a fresh, empty database of one dialect.
type target struct {
	dialect string // Postgres or SQLite
	db      *sql.DB
	schema  string // PostgreSQL: the schema of the connection's search_path
}

// eachDialect runs f as parallel subtests: on SQLite always, on PostgreSQL
// when LATCHKEY_TEST_POSTGRES is set. newDB returns a fresh database each
// time it is called.
func eachDialect(t *testing.T, f func(t *testing.T, dialect string, newDB func() target)) {
	t.Helper()
	t.Run(SQLite, func(t *testing.T) {
		t.Parallel()
		f(t, SQLite, func() target { return newSQLite(t) })
	})
	t.Run(Postgres, func(t *testing.T) {
		base := os.Getenv(postgresEnv)
		if base == "" {
			t.Skip(postgresEnv + " is not set")
		}
		t.Parallel()
		f(t, Postgres, func() target { return newPostgresSchema(t, base) })
	})
}

func newSQLite(t *testing.T) target {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	path := filepath.Join(t.TempDir(), "latchkey-"+hex.EncodeToString(b)+".db")
	// The pragmas of internal/app.OpenDB.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return target{dialect: SQLite, db: db}
}

// newPostgresSchema creates a schema of its own and returns a pool whose
// connections use it through the search_path URL parameter, as the
// application's tests do. The schema is dropped when the test ends.
func newPostgresSchema(t *testing.T, base string) target {
	t.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "mig_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + pq.QuoteIdentifier(name)); err != nil {
		t.Fatalf("%s is set but PostgreSQL is unusable: %v", postgresEnv, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if admin, err := sql.Open("postgres", base); err == nil {
			_, _ = admin.Exec("DROP SCHEMA " + pq.QuoteIdentifier(name) + " CASCADE")
			_ = admin.Close()
		}
	})
	return target{dialect: Postgres, db: db, schema: name}
}

func entDialect(d string) string {
	if d == Postgres {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// entCreate runs Ent's auto-migration, as internal/database.Migrate does today.
func entCreate(ctx context.Context, t *testing.T, tg target) {
	t.Helper()
	entSchemaMu.Lock()
	defer entSchemaMu.Unlock()
	if err := entmigrate.NewSchema(entsql.OpenDB(entDialect(tg.dialect), tg.db)).Create(ctx); err != nil {
		t.Fatalf("ent auto-migration: %v", err)
	}
}

// entPendingChanges asks Ent which statements would bring the inspected
// database to the Ent schema, drops included; none means they match.
func entPendingChanges(ctx context.Context, tg target) (string, error) {
	entSchemaMu.Lock()
	defer entSchemaMu.Unlock()
	dir := &atlasmigrate.MemDir{}
	m, err := schema.NewMigrate(entsql.OpenDB(entDialect(tg.dialect), tg.db),
		schema.WithDir(dir),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithMigrationMode(schema.ModeInspect),
		schema.WithErrNoPlan(true),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return "", err
	}
	err = m.NamedDiff(ctx, "pending", entmigrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	files, err := dir.Files()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, f := range files {
		b.Write(f.Bytes())
	}
	return b.String(), nil
}

// TestUpProducesEntSchema checks that the migrations applied to an empty
// database give exactly the schema of Ent's auto-migration, that applying
// them again changes nothing, and where goose keeps its version table.
func TestUpProducesEntSchema(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		migrated, created := newDB(), newDB()

		if v, err := Version(ctx, migrated.db, d); err != nil || v != 0 {
			t.Fatalf("Version of an empty database = %d, %v; want 0, nil", v, err)
		}
		if err := Up(ctx, migrated.db, d); err != nil {
			t.Fatalf("Up: %v", err)
		}
		entCreate(ctx, t, created)

		got, want := dumpSchema(ctx, t, migrated), dumpSchema(ctx, t, created)
		if !slices.Contains(want, "table accounts") {
			t.Fatalf("schema dump of the auto-migrated database lacks the accounts table:\n%s", strings.Join(want, "\n"))
		}
		if diff := diffLines(got, want); diff != "" {
			t.Errorf("schema from Up differs from Ent's auto-migration (-Up +Create):\n%s", diff)
		}
		// Ent's own view: the changes it would still make must be the same
		// for both databases. (They are not always none: Ent compares a
		// partial index's predicate as written in the schema with the
		// form PostgreSQL stores, and so always proposes to recreate it.)
		pendingUp, err := entPendingChanges(ctx, migrated)
		if err != nil {
			t.Fatalf("Ent diff after Up: %v", err)
		}
		pendingCreate, err := entPendingChanges(ctx, created)
		if err != nil {
			t.Fatalf("Ent diff after auto-migration: %v", err)
		}
		if pendingUp != pendingCreate {
			t.Errorf("Ent wants different changes after Up than after its auto-migration.\nAfter Up:\n%s\nAfter auto-migration:\n%s", pendingUp, pendingCreate)
		}
		vs, err := versions(d)
		if err != nil {
			t.Fatal(err)
		}
		latest := vs[len(vs)-1]
		if v, err := Version(ctx, migrated.db, d); err != nil || v != latest {
			t.Fatalf("Version after Up = %d, %v; want %d", v, err, latest)
		}
		before := dumpSchema(ctx, t, migrated)
		if err := Up(ctx, migrated.db, d); err != nil {
			t.Fatalf("second Up: %v", err)
		}
		if diff := diffLines(dumpSchema(ctx, t, migrated), before); diff != "" {
			t.Errorf("second Up changed the schema:\n%s", diff)
		}
		if v, err := Version(ctx, migrated.db, d); err != nil || v != latest {
			t.Fatalf("Version after second Up = %d, %v; want %d", v, err, latest)
		}
		var applied int
		if err := migrated.db.QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != len(vs) {
			t.Errorf("goose_db_version records %d migrations, want %d", applied, len(vs))
		}

		if d == Postgres {
			// The version table must sit in the connection's schema, not in public.
			var schemas []string
			rows, err := migrated.db.QueryContext(ctx, "SELECT schemaname FROM pg_tables WHERE tablename = 'goose_db_version' AND schemaname = $1", migrated.schema)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				schemas = append(schemas, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(schemas) != 1 {
				t.Errorf("goose_db_version not found in schema %s", migrated.schema)
			}
		}
	})
}

// TestUpgradeKeepsData applies only the first migration, stores one row of
// each main entity with plain SQL written against that first schema, then
// applies every later migration and reads the rows back, with SQL and
// through Ent. With a single migration the last step applies nothing; the
// test is meant to guard every migration added later.
func TestUpgradeKeepsData(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		tg := newDB()
		vs := atFirstMigration(ctx, t, tg)

		// Rows for the schema of the FIRST migration. Do not update these
		// statements when the schema changes: they are what an old
		// database holds.
		ts := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
		expires := ts.Add(72 * time.Hour)
		acc, usr, dev := pulid.New("acc"), pulid.New("usr"), pulid.New("dev")
		inv, perm := pulid.New("inv"), pulid.New("per")
		opened, refused := pulid.New("evt"), pulid.New("evt")
		stmts := []struct {
			query string
			args  []any
		}{
			{`INSERT INTO accounts (id, created_at, updated_at, name) VALUES (?, ?, ?, ?)`,
				[]any{acc, ts, ts, "Hausverwaltung Süd"}},
			{`INSERT INTO users (id, created_at, updated_at, name, email, language, origin, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{usr, ts, ts, "Jana Novák", "jana@example.com", "CS", "APP", acc}},
			{`INSERT INTO devices (id, created_at, updated_at, name, type, time_zone, vendor_id, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{dev, ts, ts, "Haustür", "OPENER", "Europe/Vienna", "nuki-4711", acc}},
			{`INSERT INTO invitations (id, created_at, updated_at, code_hash, language, status, expires_at, delivery, redeemed_at, account_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{inv, ts, ts, "hash-of-code", "DE", "PENDING", expires, "SENT", nil, acc, usr}},
			{`INSERT INTO permissions (id, created_at, updated_at, status, enabled, remote_allowed, valid_from, valid_until, weekdays, daily_from, daily_until, device_id, invitation_id, account_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{perm, ts, ts, "PENDING", true, true, ts, expires, 31, 480, 1080, dev, inv, acc, usr}},
			{`INSERT INTO access_events (id, action, remote, allowed, reason, occurred_at, account_id, device_id, permission_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{opened, "UNLOCK", true, true, "ALLOWED", ts, acc, dev, perm, usr}},
			{`INSERT INTO access_events (id, action, remote, allowed, reason, occurred_at, account_id, device_id, permission_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{refused, "LOCK", false, false, "WRONG_WEEKDAY", ts, acc, dev, perm, usr}},
		}
		for _, s := range stmts {
			if _, err := tg.db.ExecContext(ctx, rebind(d, s.query), s.args...); err != nil {
				t.Fatalf("%s: %v", s.query, err)
			}
		}

		if err := Up(ctx, tg.db, d); err != nil {
			t.Fatalf("Up from version %d: %v", vs[0], err)
		}
		if v, err := Version(ctx, tg.db, d); err != nil || v != vs[len(vs)-1] {
			t.Fatalf("Version after Up = %d, %v; want %d", v, err, vs[len(vs)-1])
		}

		// Plain SQL: the stored values are unchanged.
		checks := []struct {
			query string
			arg   any
			want  []any
		}{
			{`SELECT name FROM accounts WHERE id = ?`, acc, []any{"Hausverwaltung Süd"}},
			{`SELECT name, email, account_id FROM users WHERE id = ?`, usr, []any{"Jana Novák", "jana@example.com", string(acc)}},
			{`SELECT name, time_zone, vendor_id FROM devices WHERE id = ?`, dev, []any{"Haustür", "Europe/Vienna", "nuki-4711"}},
			{`SELECT code_hash, user_id FROM invitations WHERE id = ?`, inv, []any{"hash-of-code", string(usr)}},
			{`SELECT device_id, invitation_id, user_id FROM permissions WHERE id = ?`, perm, []any{string(dev), string(inv), string(usr)}},
			// Events get the names as they were at the upgrade, and an
			// outcome from whether they were allowed.
			{`SELECT user_name, device_name, outcome, user_id, device_id FROM access_events WHERE id = ?`, opened, []any{"Jana Novák", "Haustür", "DONE", string(usr), string(dev)}},
			{`SELECT user_name, device_name, outcome, reason FROM access_events WHERE id = ?`, refused, []any{"Jana Novák", "Haustür", "REFUSED", "WRONG_WEEKDAY"}},
		}
		for _, c := range checks {
			got := make([]string, len(c.want))
			ptrs := make([]any, len(got))
			for i := range got {
				ptrs[i] = &got[i]
			}
			if err := tg.db.QueryRowContext(ctx, rebind(d, c.query), c.arg).Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s = %v, want %v", c.query, got, c.want)
			}
		}

		// Through Ent: the current code reads the old rows.
		client := ent.NewClient(ent.Driver(entsql.OpenDB(entDialect(d), tg.db)))
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		a, err := client.Account.Get(sys, acc)
		if err != nil {
			t.Fatalf("read account through Ent: %v", err)
		}
		if a.Name != "Hausverwaltung Süd" || !a.CreatedAt.Equal(ts) {
			t.Errorf("account = %+v", a)
		}
		u, err := client.User.Get(sys, usr)
		if err != nil {
			t.Fatalf("read user through Ent: %v", err)
		}
		if u.Email != "jana@example.com" || string(u.Language) != "CS" || string(u.Origin) != "APP" || u.AccountID != acc {
			t.Errorf("user = %+v", u)
		}
		dv, err := client.Device.Get(sys, dev)
		if err != nil {
			t.Fatalf("read device through Ent: %v", err)
		}
		if dv.Name != "Haustür" || string(dv.Type) != "OPENER" || dv.VendorID == nil || *dv.VendorID != "nuki-4711" {
			t.Errorf("device = %+v", dv)
		}
		iv, err := client.Invitation.Get(sys, inv)
		if err != nil {
			t.Fatalf("read invitation through Ent: %v", err)
		}
		if iv.CodeHash != "hash-of-code" || !iv.ExpiresAt.Equal(expires) || iv.RedeemedAt != nil || string(iv.Delivery) != "SENT" {
			t.Errorf("invitation = %+v", iv)
		}
		pm, err := client.Permission.Query().Where(permission.ID(perm)).
			WithDevice().WithUser().WithInvitation().Only(sys)
		if err != nil {
			t.Fatalf("read permission through Ent: %v", err)
		}
		if !pm.Enabled || !pm.RemoteAllowed || pm.Weekdays == nil || *pm.Weekdays != 31 ||
			pm.DailyFrom == nil || *pm.DailyFrom != 480 || pm.DailyUntil == nil || *pm.DailyUntil != 1080 ||
			pm.ValidFrom == nil || !pm.ValidFrom.Equal(ts) || pm.ValidUntil == nil || !pm.ValidUntil.Equal(expires) {
			t.Errorf("permission = %+v", pm)
		}
		if pm.Edges.Device == nil || pm.Edges.Device.ID != dev || pm.Edges.User == nil || pm.Edges.User.ID != usr ||
			pm.Edges.Invitation == nil || pm.Edges.Invitation.ID != inv {
			t.Errorf("permission edges = %+v", pm.Edges)
		}
	})
}

// atFirstMigration applies only the first migration to tg and returns the
// versions of its dialect.
func atFirstMigration(ctx context.Context, t *testing.T, tg target) []int64 {
	t.Helper()
	vs, err := versions(tg.dialect)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newProvider(ctx, tg.db, tg.dialect)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, vs[0]); err != nil {
		t.Fatalf("apply first migration %d: %v", vs[0], err)
	}
	if v, err := Version(ctx, tg.db, tg.dialect); err != nil || v != vs[0] {
		t.Fatalf("Version after the first migration = %d, %v; want %d", v, err, vs[0])
	}
	return vs
}

// TestConcurrentUp starts several migrations of one database at once, as
// several server instances starting together would.
func TestConcurrentUp(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		if d == SQLite {
			t.Skip("one SQLite file has one server")
		}
		ctx := context.Background()
		tg := newDB()
		errs := make(chan error, 3)
		for range cap(errs) {
			go func() { errs <- Up(ctx, tg.db, d) }()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Up: %v", err)
			}
		}
		vs, _ := versions(d)
		var n int
		if err := tg.db.QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(vs) {
			t.Errorf("goose_db_version records %d migrations, want %d", n, len(vs))
		}
	})
}

// TestUnversionedDatabase covers a database created by Ent's
// auto-migration before versioned migrations existed.
func TestUnversionedDatabase(t *testing.T) {
	eachDialect(t, func(t *testing.T, d string, newDB func() target) {
		ctx := context.Background()
		tg := newDB()
		entCreate(ctx, t, tg)
		if err := Up(ctx, tg.db, d); !errors.Is(err, ErrUnversioned) {
			t.Fatalf("Up on an auto-migrated database = %v, want ErrUnversioned", err)
		}
		if v, err := Version(ctx, tg.db, d); err != nil || v != 0 {
			t.Fatalf("Version = %d, %v; want 0 (Up must not have created the version table)", v, err)
		}
		if err := Baseline(ctx, tg.db, d); err != nil {
			t.Fatalf("Baseline: %v", err)
		}
		if err := Baseline(ctx, tg.db, d); err != nil {
			t.Fatalf("second Baseline: %v", err)
		}
		if err := Up(ctx, tg.db, d); err != nil {
			t.Fatalf("Up after Baseline: %v", err)
		}
		vs, _ := versions(d)
		if v, err := Version(ctx, tg.db, d); err != nil || v != vs[len(vs)-1] {
			t.Fatalf("Version after Baseline = %d, %v; want %d", v, err, vs[len(vs)-1])
		}
	})
}

// TestNoPendingSchemaChange fails when the Ent schema was changed without
// generating a migration for it. It runs the generator's diff: the
// migrations are replayed on a scratch database and compared with the Ent
// schema.
func TestNoPendingSchemaChange(t *testing.T) {
	for _, d := range schemadiff.Dialects {
		t.Run(d, func(t *testing.T) {
			opts := schemadiff.Options{}
			if d == schemadiff.Postgres {
				opts.PostgresURL = os.Getenv(postgresEnv)
				if opts.PostgresURL == "" {
					t.Skip(postgresEnv + " is not set")
				}
			}
			start := time.Now()
			entSchemaMu.Lock()
			files, err := schemadiff.Plan(context.Background(), d, d, "pending", opts)
			entSchemaMu.Unlock()
			if err != nil {
				t.Fatalf("diff: %v", err)
			}
			t.Logf("diff took %v", time.Since(start).Round(time.Millisecond))
			if len(files) > 0 {
				t.Errorf("the Ent schema differs from what internal/migrations/%s produces; "+
					"generate a migration and commit it:\n\n\tgo run ./internal/migrations/cmd/gen -name <change_name>\n\n"+
					"It would contain:\n%s", d, files[0].Data)
			}
		})
	}
}

// TestMigrationFiles checks the folders' integrity files and that every
// migration has the goose annotations.
func TestMigrationFiles(t *testing.T) {
	for _, d := range []string{Postgres, SQLite} {
		dir, err := sqltool.NewGooseDir(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := atlasmigrate.Validate(dir); err != nil {
			t.Errorf("%s/atlas.sum does not match the migrations (regenerate, never edit them by hand): %v", d, err)
		}
		vs, err := versions(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) == 0 {
			t.Fatalf("no %s migrations", d)
		}
		fsys, _ := migrationFS(d)
		names, _ := fs.Glob(fsys, "*.sql")
		for _, n := range names {
			data, err := fs.ReadFile(fsys, n)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.TrimPrefix(string(data), "-- +goose NO TRANSACTION\n")
			if !strings.HasPrefix(text, "-- +goose Up\n") || !strings.Contains(text, "\n-- +goose Down\n") {
				t.Errorf("%s/%s lacks the goose Up/Down annotations", d, n)
			}
		}
	}
}

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(d, q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dumpSchema describes the tables, columns, indexes and constraints of the
// database, without goose's version table, one sorted line each. Column
// order is left out: a column added by a later migration comes last, while
// the auto-migration of an empty database follows the Ent schema's order.
func dumpSchema(ctx context.Context, t *testing.T, tg target) []string {
	t.Helper()
	var lines []string
	collect := func(query string, args ...any) {
		t.Helper()
		rows, err := tg.db.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	switch tg.dialect {
	case Postgres:
		collect(`SELECT 'table ' || tablename FROM pg_tables
			WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`)
		collect(`SELECT concat_ws(' ', 'column', table_name || '.' || column_name, data_type,
				character_maximum_length, numeric_precision, numeric_scale, datetime_precision,
				'nullable=' || is_nullable, 'default=' || coalesce(column_default, '-'), 'identity=' || is_identity,
				'generated=' || is_generated)
			FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`)
		collect(`SELECT 'index ' || tablename || ' ' || replace(indexdef, ' ON ' || quote_ident(current_schema()) || '.', ' ON ')
			FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`)
		collect(`SELECT concat_ws(' ', 'constraint', c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid))
			FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relname <> 'goose_db_version'`)
		collect(`SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences
			WHERE sequence_schema = current_schema() AND sequence_name NOT LIKE 'goose_db_version%'`)
	default:
		var tables []string
		rows, err := tg.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'goose_db_version'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, tb := range tables {
			lines = append(lines, "table "+tb)
			collect(`SELECT concat_ws(' ', 'column', ? || '.' || name, type, 'notnull=' || "notnull",
				'default=' || coalesce(dflt_value, '-'), 'pk=' || pk) FROM pragma_table_info(?)`, tb, tb)
			collect(`SELECT concat_ws(' ', 'fk', ?, "from", "table", "to", on_update, on_delete, "match")
				FROM pragma_foreign_key_list(?)`, tb, tb)
			collect(`SELECT concat_ws(' ', 'index', ?, l.name, 'unique=' || l."unique", l.origin, 'partial=' || l.partial,
					(SELECT group_concat(coalesce(i.name, '<expr>'), ',') FROM (SELECT * FROM pragma_index_info(l.name) ORDER BY seqno) i))
				FROM pragma_index_list(?) l`, tb, tb)
			collect(`SELECT 'index-sql ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, tb)
		}
	}
	space := regexp.MustCompile(`\s+`)
	for i, l := range lines {
		lines[i] = space.ReplaceAllString(l, " ")
	}
	slices.Sort(lines)
	return lines
}

// diffLines lists the lines only in got (-) and only in want (+).
func diffLines(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
