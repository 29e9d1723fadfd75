package access

import (
	"strings"
	"testing"
	"time"
)

// fuzzZones are the zones FuzzDecide draws from: UTC, half-hour offsets,
// a 30-minute DST shift, DST at local midnight, and both hemispheres.
var fuzzZones = []string{
	"UTC",
	"Europe/Berlin",
	"America/New_York",
	"America/Santiago",
	"Australia/Lord_Howe",
	"Asia/Kolkata",
	"Asia/Kathmandu",
	"Pacific/Chatham",
	"America/St_Johns",
	"Africa/Casablanca",
	"Antarctica/Troll",
}

// Instants are drawn from [fuzzStart, fuzzEnd).
var (
	fuzzStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	fuzzEnd   = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// refDayNames maps the names printed by Format("Mon") to weekdays.
var refDayNames = map[string]time.Weekday{
	"Sun": time.Sunday, "Mon": time.Monday, "Tue": time.Tuesday,
	"Wed": time.Wednesday, "Thu": time.Thursday, "Fri": time.Friday,
	"Sat": time.Saturday,
}

// refLocal returns the local weekday and minute of day of at in loc by
// printing the wall clock and reading it back.
func refLocal(t *testing.T, at time.Time, loc *time.Location) (time.Weekday, int) {
	s := at.In(loc).Format("Mon 15:04")
	name, hhmm, ok := strings.Cut(s, " ")
	if !ok || len(hhmm) != 5 {
		t.Fatalf("unexpected local time %q", s)
	}
	day, ok := refDayNames[name]
	if !ok {
		t.Fatalf("unexpected weekday %q", name)
	}
	h := int(hhmm[0]-'0')*10 + int(hhmm[1]-'0')
	m := int(hhmm[3]-'0')*10 + int(hhmm[4]-'0')
	return day, h*60 + m
}

// refDecide is a slow reference for Decide. Instead of classifying the
// minute against the window bounds, it lays out every window of the week
// minute by minute and looks the instant's local (weekday, minute) slot up.
func refDecide(t *testing.T, r *Rule, loc *time.Location, at time.Time, remote bool) Reason {
	if r == nil {
		return ReasonNoPermission
	}
	if r.Status == StatusPending {
		return ReasonPendingInvitation
	}
	if r.Status != StatusActive {
		return ReasonRevoked
	}
	if !r.Enabled {
		return ReasonDisabled
	}
	if r.ValidFrom != nil && at.Compare(*r.ValidFrom) < 0 {
		return ReasonNotYetValid
	}
	if r.ValidUntil != nil && at.Compare(*r.ValidUntil) >= 0 {
		return ReasonExpired
	}

	allowed := func(d time.Weekday) bool {
		if r.Weekdays == 0 {
			return true
		}
		var bit uint8
		switch d {
		case time.Monday:
			bit = 64
		case time.Tuesday:
			bit = 32
		case time.Wednesday:
			bit = 16
		case time.Thursday:
			bit = 8
		case time.Friday:
			bit = 4
		case time.Saturday:
			bit = 2
		case time.Sunday:
			bit = 1
		}
		return uint8(r.Weekdays)&bit != 0
	}
	day, minute := refLocal(t, at, loc)

	if dailyFrom, dailyUntil, window := r.Window(); window {
		// owner[d][m] is the day whose window covers minute m of weekday
		// d, or -1 if no window does.
		var owner [7][MinutesPerDay]int
		for d := range owner {
			for m := range owner[d] {
				owner[d][m] = -1
			}
		}
		length := dailyUntil - dailyFrom
		if length < 0 {
			length += MinutesPerDay
		}
		for start := 0; start < 7; start++ {
			for k := 0; k < length; k++ {
				abs := dailyFrom + k
				d, m := (start+abs/MinutesPerDay)%7, abs%MinutesPerDay
				if owner[d][m] != -1 {
					t.Fatalf("windows overlap at day %d minute %d", d, m)
				}
				owner[d][m] = start
			}
		}
		switch o := owner[day][minute]; {
		case o >= 0 && !allowed(time.Weekday(o)):
			return ReasonWrongWeekday
		case o < 0 && !allowed(day):
			return ReasonWrongWeekday
		case o < 0:
			return ReasonOutsideTimeWindow
		}
	} else if !allowed(day) {
		return ReasonWrongWeekday
	}
	if remote && !r.RemoteAllowed {
		return ReasonRemoteNotAllowed
	}
	return ReasonAllowed
}

// fuzzCase turns raw fuzz inputs into a zone, rule, instant and remote flag.
func fuzzCase(t *testing.T, zone, status, flags, weekdays uint8, from, until uint16,
	atSec int64, atNsec uint32, fromOff, untilOff int32) (*time.Location, *Rule, time.Time, bool) {
	loc := mustLoc(t, fuzzZones[int(zone)%len(fuzzZones)])
	span := fuzzEnd - fuzzStart
	sec := atSec % span
	if sec < 0 {
		sec += span
	}
	at := time.Unix(fuzzStart+sec, int64(atNsec%1e9)).UTC()

	r := &Rule{
		Status:        Status(status % 4), // 3 is an unknown status
		Enabled:       flags&1 == 0,
		RemoteAllowed: flags&2 != 0,
	}
	r.Weekdays = Weekdays(weekdays)
	if flags&8 != 0 {
		dailyFrom, dailyUntil := Minute(from%MinutesPerDay), 1+Minute(until%MinutesPerDay)
		if dailyUntil == dailyFrom { // invalid; callers reject it
			dailyUntil++
		}
		r.DailyFrom, r.DailyUntil = &dailyFrom, &dailyUntil
	}
	// Validity bounds lie within ±4 days of the instant (offset 0 is
	// exactly at), so both sides of each bound get exercised.
	const bound = 4 * 24 * 3600
	if flags&16 != 0 {
		t := at.Add(time.Duration(fromOff%bound) * time.Second)
		r.ValidFrom = &t
	}
	if flags&32 != 0 {
		t := at.Add(time.Duration(untilOff%bound) * time.Second)
		r.ValidUntil = &t
	}
	return loc, r, at, flags&4 != 0
}

func FuzzDecide(f *testing.F) {
	// flags: 1 disabled, 2 remote allowed, 4 remote request, 8 window,
	// 16 ValidFrom, 32 ValidUntil.
	const win, act = 8, 2 // act: enabled, remote allowed
	seed := func(zone string, status uint8, flags uint8, weekdays Weekdays, from, until string, at time.Time, fromOff, untilOff int32) {
		z := -1
		for i, name := range fuzzZones {
			if name == zone {
				z = i
			}
		}
		if z < 0 {
			panic(zone)
		}
		f.Add(uint8(z), status, flags, uint8(weekdays), uint16(clock(from)), uint16(clock(until)-1),
			at.Unix()-fuzzStart, uint32(at.Nanosecond()), fromOff, untilOff)
	}
	active := uint8(StatusActive)
	// Overnight windows with weekdays around the DST transitions.
	seed("Europe/Berlin", active, act|win, fri, "22:00", "06:00", utc(2026, 3, 28, 2, 0, 0), 0, 0)
	seed("Europe/Berlin", active, act|win, sat, "22:00", "03:00", utc(2026, 3, 29, 0, 59, 0), 0, 0)
	seed("Europe/Berlin", active, act|win, sat, "22:00", "03:00", utc(2026, 3, 29, 1, 0, 0), 0, 0)
	seed("Europe/Berlin", active, act|win, sat, "23:00", "03:00", utc(2026, 10, 25, 0, 30, 0), 0, 0)
	seed("Europe/Berlin", active, act|win, sat, "23:00", "03:00", utc(2026, 10, 25, 1, 30, 0), 0, 0)
	seed("Europe/Berlin", active, act|win, 0, "02:00", "03:00", utc(2026, 10, 25, 2, 0, 0), 0, 0)
	seed("America/New_York", active, act|win, sat, "22:00", "02:30", utc(2026, 3, 8, 7, 10, 0), 0, 0)
	seed("America/New_York", active, act|win, sat, "20:00", "01:30", utc(2026, 11, 1, 6, 29, 0), 0, 0)
	seed("America/Santiago", active, act|win, 0, "00:00", "01:00", utc(2026, 9, 6, 4, 0, 0), 0, 0)
	seed("America/Santiago", active, act|win, sat, "22:00", "01:30", utc(2026, 9, 6, 4, 0, 0), 0, 0)
	seed("America/Santiago", active, act, sun, "00:00", "24:00", utc(2026, 9, 6, 3, 59, 59), 0, 0)
	seed("Australia/Lord_Howe", active, act|win, 0, "01:30", "02:00", utc(2026, 4, 4, 15, 15, 0), 0, 0)
	seed("Australia/Lord_Howe", active, act|win, sat, "23:00", "02:15", utc(2026, 10, 3, 15, 30, 0), 0, 0)
	seed("Asia/Kolkata", active, act, mon, "00:00", "24:00", utc(2026, 5, 31, 18, 30, 0), 0, 0)
	// Sunday → Monday wrap, 24:00 ends, whole day.
	seed("UTC", active, act|win, sun, "22:00", "06:00", utc(2026, 6, 8, 2, 0, 0), 0, 0)
	seed("UTC", active, act|win, mon, "22:00", "06:00", utc(2026, 6, 1, 2, 0, 0), 0, 0)
	seed("UTC", active, act|win, fri, "20:00", "24:00", utc(2026, 6, 5, 23, 59, 59), 0, 0)
	seed("UTC", active, act|win, sat, "00:00", "24:00", utc(2026, 6, 7, 0, 0, 0), 0, 0)
	seed("UTC", active, act|win, 128, "09:00", "17:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	// Validity bounds exactly at, just before and just after the instant.
	seed("Europe/Berlin", active, act|16|32, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 1)
	seed("Europe/Berlin", active, act|16|32, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 1, 2)
	seed("Europe/Berlin", active, act|16|32, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), -5, 0)
	seed("Europe/Berlin", active, act|32, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, -1)
	// Status, disabled, remote.
	seed("UTC", uint8(StatusPending), act, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	seed("UTC", uint8(StatusRevoked), act, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	seed("UTC", 3, act, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	seed("UTC", active, act|1, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	seed("UTC", active, 4, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	seed("UTC", active, 2|4, 0, "00:00", "24:00", utc(2026, 6, 3, 12, 0, 0), 0, 0)
	// Odd offsets.
	seed("Pacific/Chatham", active, act|win, wed, "23:45", "00:15", utc(2026, 4, 5, 2, 0, 0), 0, 0)
	seed("Asia/Kathmandu", active, act|win, thu, "05:45", "06:00", utc(2026, 6, 4, 0, 0, 0), 0, 0)
	seed("Antarctica/Troll", active, act|win, sun, "01:00", "03:00", utc(2026, 3, 29, 1, 0, 0), 0, 0)

	f.Fuzz(func(t *testing.T, zone, status, flags, weekdays uint8, from, until uint16,
		atSec int64, atNsec uint32, fromOff, untilOff int32) {
		loc, r, at, remote := fuzzCase(t, zone, status, flags, weekdays, from, until, atSec, atNsec, fromOff, untilOff)
		got := Decide(r, loc, at, remote)
		want := refDecide(t, r, loc, at, remote)
		if got != want {
			t.Fatalf("zone %s, rule %+v, at %s (local %s), remote %v: Decide = %v, reference = %v",
				loc, *r, at.Format(time.RFC3339Nano), at.In(loc).Format(localLayout), remote, got, want)
		}
		if s := Schedule(r, loc); s == "" {
			t.Fatalf("Schedule(%+v) is empty", *r)
		}
	})
}

// TestReferenceMatchesTable checks the fuzz reference against the
// hand-written expectations, so a mistake shared by Decide and the reference
// would still need to slip past the table.
func TestReferenceMatchesTable(t *testing.T) {
	for _, tc := range decideCases {
		loc := mustLoc(t, tc.zone)
		if got := refDecide(t, tc.rule, loc, tc.at, tc.remote); got != tc.want {
			t.Errorf("%s: reference = %v, want %v", tc.name, got, tc.want)
		}
	}
}
