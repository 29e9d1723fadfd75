package graph_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestDoorEventsReachTheDisk: a door event is saved before the door acts,
// which only holds if a commit is on disk when it returns: SQLite in WAL
// mode with synchronous NORMAL may lose the last commits to a power loss,
// so the server asks for FULL; PostgreSQL must not run with
// synchronous_commit off.
func TestDoorEventsReachTheDisk(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		// Every connection of the pool must say so, not just the first.
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			c, err := e.App.DB.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var got string
			if strings.HasPrefix(db, "postgres") {
				err = c.QueryRowContext(t.Context(), "SHOW synchronous_commit").Scan(&got)
				if err == nil && got == "off" {
					t.Errorf("synchronous_commit = %s", got)
				}
			} else {
				err = c.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got)
				if err == nil && got != "2" {
					t.Errorf("PRAGMA synchronous = %s, want 2 (FULL)", got)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range conns {
			_ = c.Close()
		}
	})
}
