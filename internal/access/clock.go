package access

import (
	"errors"
	"fmt"
)

// MinutesPerDay is the length of a local day in wall-clock minutes; it is
// also the only valid value of a window end written as "24:00".
const MinutesPerDay = 24 * 60

// ErrClock reports a time of day that is not "HH:MM".
var ErrClock = errors.New(`must be a time of day "HH:MM" between 00:00 and 23:59`)

// ParseClock parses a wall-clock time "HH:MM" into minutes after midnight.
// With allowEnd, "24:00" is accepted as the end of the day (1440).
func ParseClock(s string, allowEnd bool) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, ErrClock
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, ErrClock
	}
	h, m := h1*10+h2, m1*10+m2
	switch {
	case allowEnd && h == 24 && m == 0:
		return MinutesPerDay, nil
	case h > 23 || m > 59:
		return 0, ErrClock
	}
	return h*60 + m, nil
}

// FormatClock formats minutes after midnight as "HH:MM" (1440 as "24:00").
func FormatClock(minutes int) string {
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}
