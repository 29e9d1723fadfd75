package feed

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/latchkey/latchkey/internal/pulid"
)

// store reads the feed from audit_events.
//
// On PostgreSQL a record's position is its transaction's id (feed_tx).
// Transactions commit in any order, so a reader only trusts the rows of
// transactions older than the oldest one still running: no row can
// commit behind a position it has passed. A visible row of a younger
// transaction is "unsettled": the reader stops before it and looks again
// shortly. SQLite has one writer at a time, so the rowid is the commit
// order and every visible row is settled.
type store struct {
	db       *sql.DB
	postgres bool
}

const columns = `id, account_id, action, targets, actor_kind, actor_id, occurred_at`

// horizon is the oldest transaction id still running in this database
// (of the statement's snapshot): every transaction before it here has
// ended. Only this database's transactions write its audit_events, so a
// transaction known to run in another database of the server (by its lock
// on its own id) does not hold the feed back; one that ended meanwhile,
// whose database is no longer known, still counts. pg_locks names 32-bit
// ids, the snapshot 64-bit ones: they are compared by their low 32 bits.
const horizon = `(WITH elsewhere AS MATERIALIZED (
		SELECT l.transactionid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'transactionid' AND l.transactionid IS NOT NULL AND a.datname <> current_database())
	SELECT COALESCE(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
	FROM pg_snapshot_xip(pg_current_snapshot()) AS x
	WHERE ((x::text::bigint) % 4294967296)::text::xid NOT IN (SELECT transactionid FROM elsewhere))`

// read returns up to limit settled records after c, of one account or
// (account "") of all, and whether an unsettled record stopped it.
func (s store) read(ctx context.Context, c Cursor, account pulid.ID, limit int) ([]Record, bool, error) {
	q := `SELECT rowid, ` + columns + `, 1 FROM audit_events
		WHERE rowid > ? AND (? = '' OR account_id = ?)
		ORDER BY rowid LIMIT ?`
	args := []any{c.N, string(account), string(account), limit}
	if s.postgres {
		q = `SELECT feed_tx, ` + columns + `, feed_tx < ` + horizon + ` FROM audit_events
			WHERE feed_tx >= $1 AND (feed_tx, id) > ($1, $2) AND ($3 = '' OR account_id = $3)
			ORDER BY feed_tx, id LIMIT $4`
		args = []any{c.N, string(c.ID), string(account), limit}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("feed: read: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var (
			r       Record
			targets []byte
			actor   sql.NullString
			settled bool
		)
		if err := rows.Scan(&r.Cursor.N, &r.ID, &r.AccountID, &r.Action, &targets, &r.ActorKind, &actor, &r.At, &settled); err != nil {
			return nil, false, fmt.Errorf("feed: read: %w", err)
		}
		if !settled {
			return out, true, rows.Close()
		}
		r.Cursor.ID = r.ID
		if actor.Valid {
			id := pulid.ID(actor.String)
			r.ActorID = &id
		}
		if err := json.Unmarshal(targets, &r.Targets); err != nil {
			return nil, false, fmt.Errorf("feed: the targets of %s: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, false, rows.Err()
}

// tail returns the position of the newest settled record (the zero
// Cursor for an empty feed). Every settled row comes before every
// unsettled one.
func (s store) tail(ctx context.Context) (Cursor, error) {
	q := `SELECT rowid, id FROM audit_events ORDER BY rowid DESC LIMIT 1`
	if s.postgres {
		q = `SELECT feed_tx, id FROM audit_events WHERE feed_tx < ` + horizon + ` ORDER BY feed_tx DESC, id DESC LIMIT 1`
	}
	var c Cursor
	err := s.db.QueryRowContext(ctx, q).Scan(&c.N, &c.ID)
	if err == sql.ErrNoRows {
		return Cursor{}, nil
	}
	if err != nil {
		return Cursor{}, fmt.Errorf("feed: tail: %w", err)
	}
	return c, nil
}
