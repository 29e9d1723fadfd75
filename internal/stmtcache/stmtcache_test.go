package stmtcache_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/latchkey/latchkey/internal/stmtcache"
)

// open returns a database of one connection whose statements are cached,
// or skips without PostgreSQL.
func open(t *testing.T, size int) *sql.DB {
	t.Helper()
	url := os.Getenv("LATCHKEY_TEST_POSTGRES")
	if url == "" {
		t.Skip("LATCHKEY_TEST_POSTGRES is not set")
	}
	pc, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(stmtcache.Connector{Connector: pc, Size: size})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// prepared lists the statements the session holds prepared.
func prepared(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT statement FROM pg_prepared_statements ORDER BY statement`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestStatementsArePreparedOnce(t *testing.T) {
	db := open(t, 0)
	const q = `SELECT $1::int + 1`
	for i := range 3 {
		var got int
		if err := db.QueryRow(q, i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("%s with %d: %d, %v", q, i, got, err)
		}
		if _, err := db.Exec(`SELECT pg_sleep($1)`, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := prepared(t, db); len(got) != 2 || got[0] != `SELECT $1::int + 1` || got[1] != `SELECT pg_sleep($1)` {
		t.Errorf("prepared statements after 3 runs of 2: %q", got)
	}
}

func TestLeastRecentlyUsedAreClosed(t *testing.T) {
	db := open(t, 2)
	for i := range 5 {
		if _, err := db.Exec(fmt.Sprintf(`SELECT $1::int + %d`, i), i); err != nil {
			t.Fatal(err)
		}
	}
	if got := prepared(t, db); len(got) != 2 || got[0] != `SELECT $1::int + 3` || got[1] != `SELECT $1::int + 4` {
		t.Errorf("prepared statements with room for 2, after 5: %q", got)
	}
}

func TestStatementsOutliveTransactions(t *testing.T) {
	db := open(t, 0)
	ctx := context.Background()
	const q = `SELECT 10 / $1::int`
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := tx.QueryRow(q, 5).Scan(&got); err != nil || got != 2 {
		t.Fatalf("in a transaction: %d, %v", got, err)
	}
	if err := tx.QueryRow(q, 0).Scan(&got); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(q, 2).Scan(&got); err != nil || got != 5 {
		t.Fatalf("after the rolled back transaction: %d, %v", got, err)
	}
	if got := prepared(t, db); len(got) != 1 {
		t.Errorf("prepared statements: %q", got)
	}
}

func TestChangedTableIsPreparedAgain(t *testing.T) {
	db := open(t, 0)
	for _, s := range []string{`CREATE TEMP TABLE doors (id int)`, `INSERT INTO doors VALUES (1)`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT * FROM doors WHERE id = $1`
	columns := func() ([]string, error) {
		rows, err := db.Query(q, 1)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return rows.Columns()
	}
	if cols, err := columns(); err != nil || strings.Join(cols, ",") != "id" {
		t.Fatalf("before: %v, %v", cols, err)
	}
	if _, err := db.Exec(`ALTER TABLE doors ADD COLUMN name text`); err != nil {
		t.Fatal(err)
	}
	// The first run may fail ("cached plan must not change result type");
	// the statement is then prepared again.
	if _, err := columns(); err != nil {
		t.Logf("first run after the change: %v", err)
	}
	if cols, err := columns(); err != nil || strings.Join(cols, ",") != "id,name" {
		t.Fatalf("after the change: %v, %v", cols, err)
	}
}
