// Package instant is the one rule for the instants Latchkey takes from
// clients and stores: where they may lie, and the text form SQLite keeps
// them in.
//
// Both databases hold years 1 to 9999 (SQLite's date text has four digits
// for the year), and Go's zero instant, 0001-01-01T00:00:00Z, means "none"
// wherever a time is optional (access.Rule's bounds), so an input must lie
// after it and before the year 10000, both in UTC. As restrictions keep
// whole seconds, "after it" means from its next second on: an instant
// within the first second would be cut to the zero instant and read as
// "none" (a validUntil there would never end).
package instant

import (
	"errors"
	"time"
)

var (
	// Min is the zero instant; inputs must lie a whole second after it.
	Min = time.Time{}
	// Max is the last instant of the year 9999 in UTC.
	Max = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// ErrOutOfRange reports an instant outside [Min+1s, Max].
var ErrOutOfRange = errors.New("must be from 0001-01-01T00:00:01Z on and before 10000-01-01T00:00:00Z")

// Check returns t in UTC, without a monotonic clock reading, or
// ErrOutOfRange.
func Check(t time.Time) (time.Time, error) {
	t = t.UTC()
	if t.Before(Min.Add(time.Second)) || t.After(Max) {
		return time.Time{}, ErrOutOfRange
	}
	return t, nil
}

// SQLiteLayout is the one text form of an instant in SQLite: UTC, nine
// fractional digits and a fixed offset, so that every value has the same
// width and comparing the text compares the instants. The driver reads it
// back (it is its own "sqlite" layout with a fixed fraction).
const SQLiteLayout = "2006-01-02 15:04:05.000000000+00:00"

// ErrUnstorable reports an instant whose year has more or fewer than four
// digits in UTC, which SQLiteLayout cannot hold.
var ErrUnstorable = errors.New("instant: the year is outside 1 to 9999 in UTC")

// SQLiteText returns t in SQLiteLayout. The zero instant is stored as it
// is; only years outside 1 to 9999 are refused.
func SQLiteText(t time.Time) (string, error) {
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return "", ErrUnstorable
	}
	return t.Format(SQLiteLayout), nil
}
