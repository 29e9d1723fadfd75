package app_test

import (
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
