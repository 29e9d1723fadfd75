package database_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestMaxConns: PostgreSQL connections are bounded by DefaultMaxConns, or
// by Config.MaxConns when set; SQLite is left as it is.
func TestMaxConns(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		pg := database.IsPostgres(db)
		for _, c := range []struct{ set, want int }{{0, database.DefaultMaxConns}, {3, 3}} {
			e := testenv.Start(t, db, func(cfg *app.Config) { cfg.MaxConns = c.set })
			got := e.App.DB.Stats().MaxOpenConnections
			if !pg {
				c.want = 0 // unbounded, as database/sql leaves it
			}
			if got != c.want {
				t.Errorf("MaxConns %d: at most %d open connections, want %d", c.set, got, c.want)
			}
		}
	})
}

// TestOpenDBPathWithURIMarks: a SQLite path with '#' or '%' in it opens
// that very file (a URI would end the path at '#' and decode '%23').
func TestOpenDBPathWithURIMarks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run#01 100%23")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "latchkey.db")
	client, db, err := database.Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := db.Exec("CREATE TABLE probe (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database was not created at %s: %v", path, err)
	}
}
