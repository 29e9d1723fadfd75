package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/instant"
)

// goMigrations are the migrations written in Go, by dialect: rewrites of
// stored values that SQL cannot express. Each has a version of its own
// among the SQL files'; Baseline runs them too, as a database it adopts
// holds rows written before them.
func goMigrations(dialect string) []*goose.Migration {
	// lookup knows the names of a dialect.
	switch d, _ := lookup(dialect); d.goose {
	case goose.DialectSQLite3:
		return []*goose.Migration{goMigration(timesVersion, sqliteTimes)}
	case goose.DialectPostgres:
		return []*goose.Migration{goMigration(timesVersion, endedAtZero)}
	}
	return nil
}

func goMigration(version int64, up func(context.Context, *sql.Tx) error) *goose.Migration {
	return goose.NewGoMigration(version, &goose.GoFunc{RunTx: up}, nil)
}

// timesVersion puts every SQLite time into instant.SQLiteLayout, and on
// both databases makes a stored validUntil of the zero instant mean what
// the client asked for: ended.
const timesVersion = 20261201233000

// sqliteTimes rewrites every datetime column of every table into
// instant.SQLiteLayout. The driver wrote time.Time.String() before, in the
// value's own zone and with a monotonic reading for time.Now
// ("2026-03-01 09:00:00.5 +0100 CET m=+0.01"), which SQLite compares as
// text. A year the layout cannot hold (10000 after converting to UTC, or
// 0) becomes the nearest instant it can.
func sqliteTimes(ctx context.Context, tx *sql.Tx) error {
	cols, err := sqliteTimeColumns(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if err := rewriteColumn(ctx, tx, c[0], c[1]); err != nil {
			return err
		}
	}
	return sqliteEndedAtZero(ctx, tx)
}

// sqliteTimeColumns lists the (table, column) pairs declared datetime, the
// type Ent gives a time field on SQLite.
func sqliteTimeColumns(ctx context.Context, tx *sql.Tx) ([][2]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND lower(c.type) = 'datetime' ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("list time columns: %w", err)
	}
	defer rows.Close()
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func rewriteColumn(ctx context.Context, tx *sql.Tx, table, col string) error {
	// CAST keeps the driver from parsing the text: the old text is wanted.
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT rowid, CAST("%s" AS TEXT) FROM "%s" WHERE "%s" IS NOT NULL`, col, table, col))
	if err != nil {
		return fmt.Errorf("read %s.%s: %w", table, col, err)
	}
	type change struct {
		rowid int64
		text  string
	}
	var changes []change
	for rows.Next() {
		var id int64
		var old string
		if err := rows.Scan(&id, &old); err != nil {
			rows.Close()
			return err
		}
		t, err := parseStoredTime(old)
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s.%s of row %d: %w", table, col, id, err)
		}
		if s := storedText(t); s != old {
			changes = append(changes, change{id, s})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	update := fmt.Sprintf(`UPDATE "%s" SET "%s" = ? WHERE rowid = ?`, table, col)
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, update, c.text, c.rowid); err != nil {
			return fmt.Errorf("rewrite %s.%s: %w", table, col, err)
		}
	}
	return nil
}

// storedLayouts are the forms SQLite rows may hold: Go's String form
// (the driver's default), then the driver's own layouts.
var storedLayouts = []string{
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// parseStoredTime reads a stored time. A year of five digits or more,
// which no layout reads, is after instant.Max.
func parseStoredTime(s string) (time.Time, error) {
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i > 4 && !strings.HasPrefix(s, "-") {
		return instant.Max, nil
	}
	for _, layout := range storedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// storedText is t in instant.SQLiteLayout, within the years it holds.
func storedText(t time.Time) string {
	switch t = t.UTC(); {
	case t.Before(instant.Min):
		t = instant.Min
	case t.After(instant.Max):
		t = instant.Max
	}
	return t.Format(instant.SQLiteLayout)
}

// endedAtZero moves a validUntil at or before the zero instant, which Go
// reads as "no end", to the first second after it, so that the permission
// has ended as the client asked (fail closed). Such values are refused now
// (instant.Check).
func endedAtZero(ctx context.Context, tx *sql.Tx) error {
	return endAt(ctx, tx, `UPDATE permissions SET valid_until = $1 WHERE valid_until <= $2`, instant.Min.Add(time.Second), instant.Min)
}

// sqliteEndedAtZero is endedAtZero with SQLite's text for the instants,
// as the connection may not be the server's (internal/app converts
// time.Time arguments; a plain driver would write String()).
func sqliteEndedAtZero(ctx context.Context, tx *sql.Tx) error {
	return endAt(ctx, tx, `UPDATE permissions SET valid_until = ? WHERE valid_until <= ?`, storedText(instant.Min.Add(time.Second)), storedText(instant.Min))
}

func endAt(ctx context.Context, tx *sql.Tx, q string, ended, zero any) error {
	if _, err := tx.ExecContext(ctx, q, ended, zero); err != nil {
		return fmt.Errorf("end permissions that ended at the zero instant: %w", err)
	}
	return nil
}
