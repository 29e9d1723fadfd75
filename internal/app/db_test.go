package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestMaxConns: PostgreSQL connections are bounded by DefaultMaxConns, or
// by Config.MaxConns when set; SQLite is left as it is.
func TestMaxConns(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		pg := strings.HasPrefix(db, "postgres")
		for _, c := range []struct{ set, want int }{{0, app.DefaultMaxConns}, {3, 3}} {
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

// TestSQLitePathWithHash: a '#' in a SQLite path is part of the file name,
// not the end of the path (which made two tests share a file).
func TestSQLitePathWithHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a#b.db")
	client, db, err := app.OpenDB(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no database at %s: %v", path, err)
	}
}
