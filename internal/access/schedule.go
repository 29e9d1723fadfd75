package access

import (
	"strings"
	"time"
)

// dayAbbrev names the days Monday first, as Weekdays.Runs counts them.
var dayAbbrev = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// Schedule summarises when r allows opening the lock, in English, for an
// administrator, e.g.
//
//	"Mon–Fri 22:00–06:00 (Europe/Berlin), 1 Mar 2026 – 31 Dec 2026"
//
// It describes only the time-based restrictions (weekdays, daily window and
// validity), not Status, Enabled or RemoteAllowed. The parts are:
//
//   - the days: consecutive days (Monday first) compressed into ranges
//     ("Mon–Fri", "Sat–Sun", "Mon, Wed, Fri"), or "every day" when there is
//     a window but no weekday restriction;
//   - the window "HH:MM–HH:MM" (an end of 1440 is "24:00"); a window that
//     runs past midnight starts on the listed days;
//   - the zone name of loc in parentheses, after the days and window;
//   - the validity, as dates in loc: "1 Mar 2026 – 31 Dec 2026",
//     "from 1 Mar 2026" or "until 31 Dec 2026". Since ValidUntil is
//     exclusive, a ValidUntil at local midnight is shown as the day before
//     (the last day of validity). A bound that is not at local midnight is
//     shown with its time, e.g. "from 1 Mar 2026 08:30" (seconds only when
//     not zero).
//
// A rule without any restriction is "always"; one that can never allow
// access (nil, a weekday mask without any day, or ValidUntil not after
// ValidFrom) is "never". loc nil means UTC. En dashes (U+2013) separate
// ranges.
func Schedule(r *Rule, loc *time.Location) string {
	if r == nil {
		return "never"
	}
	if loc == nil {
		loc = time.UTC
	}
	days := EveryDay
	if r.Weekdays != 0 {
		days = r.Weekdays & EveryDay
	}
	hasFrom, hasUntil := r.ValidFrom != nil, r.ValidUntil != nil
	if days == 0 || (hasFrom && hasUntil && !r.ValidFrom.Before(*r.ValidUntil)) {
		return "never"
	}
	restrictDays := days != EveryDay
	from, until, window := r.Window()
	if !restrictDays && !window && !hasFrom && !hasUntil {
		return "always"
	}

	var b strings.Builder
	if restrictDays || window {
		if restrictDays {
			writeDays(&b, days)
		} else {
			b.WriteString("every day")
		}
		if window {
			b.WriteByte(' ')
			b.WriteString(FormatClock(from))
			b.WriteString("–")
			b.WriteString(FormatClock(until))
		}
		b.WriteString(" (")
		b.WriteString(loc.String())
		b.WriteByte(')')
	}
	if hasFrom || hasUntil {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		switch {
		case hasFrom && hasUntil:
			b.WriteString(formatBound(*r.ValidFrom, loc, false))
			b.WriteString(" – ")
			b.WriteString(formatBound(*r.ValidUntil, loc, true))
		case hasFrom:
			b.WriteString("from ")
			b.WriteString(formatBound(*r.ValidFrom, loc, false))
		default:
			b.WriteString("until ")
			b.WriteString(formatBound(*r.ValidUntil, loc, true))
		}
		if !restrictDays && !window {
			b.WriteString(" (")
			b.WriteString(loc.String())
			b.WriteByte(')')
		}
	}
	return b.String()
}

// writeDays writes the days of a non-empty set, Monday first, compressing
// runs of two or more consecutive days into "First–Last".
func writeDays(b *strings.Builder, days Weekdays) {
	first := true
	for i, j := range days.Runs() {
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(dayAbbrev[i])
		if j > i {
			b.WriteString("–")
			b.WriteString(dayAbbrev[j])
		}
	}
}

// formatBound formats a validity bound as a date in loc, with the time of
// day if it is not local midnight. An exclusive end at local midnight is
// shown as the preceding day.
func formatBound(t time.Time, loc *time.Location, exclusiveEnd bool) string {
	t = t.In(loc)
	h, m, s := t.Clock()
	switch {
	case h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0:
		if exclusiveEnd {
			// Step back one calendar day on a zone-free date so that a
			// daylight-saving gap at midnight cannot shift it.
			y, mo, d := t.Date()
			t = time.Date(y, mo, d-1, 12, 0, 0, 0, time.UTC)
		}
		return t.Format("2 Jan 2006")
	case s == 0 && t.Nanosecond() == 0:
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("2 Jan 2006 15:04:05")
}
