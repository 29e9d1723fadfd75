// Package feed is the change feed: the audit trail read in the order its
// transactions committed, fanned out to the subscribers on this instance
// and woken on every instance when any of them writes. Every write appends
// its one audit record in its own transaction (internal/audit), so the
// feed needs no table or statement of its own.
package feed

import (
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Cursor is a position in the feed: on PostgreSQL the writing
// transaction's id and the record's id, on SQLite the record's rowid and
// its id. The zero Cursor is the start of the feed.
type Cursor struct {
	N  int64
	ID pulid.ID
}

// String is the cursor as clients see it, an opaque event id.
func (c Cursor) String() string { return strconv.FormatInt(c.N, 10) + "." + string(c.ID) }

// Less reports whether c comes before d in the feed.
func (c Cursor) Less(d Cursor) bool {
	if c.N != d.N {
		return c.N < d.N
	}
	return c.ID < d.ID
}

// Time is when the record at c was written (its ID says, to the
// millisecond).
func (c Cursor) Time() time.Time {
	_, rest, _ := strings.Cut(string(c.ID), "_")
	u, err := ulid.ParseStrict(rest)
	if err != nil {
		return time.Time{}
	}
	return ulid.Time(u.Time())
}

// ParseCursor reads an event id that Cursor.String wrote; false for
// anything else, which is a client's mistake.
func ParseCursor(s string) (Cursor, bool) {
	n, id, ok := strings.Cut(s, ".")
	v, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || v < 0 || pulid.ID(id).Prefix() != "aud" {
		return Cursor{}, false
	}
	return Cursor{N: v, ID: pulid.ID(id)}, true
}

// Record is one audit record as the feed carries it.
type Record struct {
	Cursor    Cursor
	ID        pulid.ID
	AccountID pulid.ID
	Action    enum.AuditAction
	// Targets are the IDs the write touched, the main one first, as
	// internal/audit recorded them.
	Targets   []pulid.ID
	ActorKind enum.ActorKind
	// ActorID is the admin or token that wrote; nil for the server.
	ActorID *pulid.ID
	At      time.Time
}

// Item is what a subscription delivers: a record, or the news that the
// records asked for are no longer kept.
type Item struct {
	Record *Record
	// Refetch says that the resume point is older than the retention
	// window: what the subscriber holds must be fetched again; records
	// written from now on follow.
	Refetch bool
}
