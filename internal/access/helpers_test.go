package access

import (
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zone database must not depend on the host
)

// Single days in the vendor layout.
var (
	mon = DayBit(time.Monday)
	tue = DayBit(time.Tuesday)
	wed = DayBit(time.Wednesday)
	thu = DayBit(time.Thursday)
	fri = DayBit(time.Friday)
	sat = DayBit(time.Saturday)
	sun = DayBit(time.Sunday)
)

var (
	locMu    sync.Mutex
	locCache = map[string]*time.Location{}
)

// mustLoc loads a zone from the embedded database, once.
func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	locMu.Lock()
	defer locMu.Unlock()
	if loc, ok := locCache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("LoadLocation(%q): %v", name, err)
	}
	locCache[name] = loc
	return loc
}

// utc builds an instant in UTC.
func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// clock parses "HH:MM" (or "24:00") for test rules.
func clock(s string) int {
	m, err := ParseClock(s, true)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return m
}

// opt modifies a test rule.
type opt func(*Rule)

// mk returns an active, enabled rule without restrictions that allows
// remote opening, modified by opts.
func mk(opts ...opt) *Rule {
	r := &Rule{Status: StatusActive, Enabled: true, RemoteAllowed: true}
	for _, o := range opts {
		o(r)
	}
	return r
}

func days(d Weekdays) opt        { return func(r *Rule) { r.Weekdays = d } }
func status(s Status) opt        { return func(r *Rule) { r.Status = s } }
func disabled() opt              { return func(r *Rule) { r.Enabled = false } }
func noRemote() opt              { return func(r *Rule) { r.RemoteAllowed = false } }
func validFrom(t time.Time) opt  { return func(r *Rule) { r.ValidFrom = &t } }
func validUntil(t time.Time) opt { return func(r *Rule) { r.ValidUntil = &t } }

func win(from, until string) opt {
	return func(r *Rule) {
		f, u := Minute(clock(from)), Minute(clock(until))
		r.DailyFrom, r.DailyUntil = &f, &u
	}
}
