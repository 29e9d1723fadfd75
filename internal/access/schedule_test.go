package access

import (
	"strings"
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	berlin := "Europe/Berlin"
	cases := []struct {
		name string
		zone string
		rule *Rule
		want string
	}{
		{"nil rule", "UTC", nil, "never"},
		{"no restrictions", berlin, mk(), "always"},
		{"explicit every day, no window", berlin, mk(days(EveryDay)), "always"},
		{"status and remote are not part of the schedule", "UTC", mk(status(StatusPending), disabled(), noRemote()), "always"},
		{"brief example", berlin, mk(days(mon|tue|wed|thu|fri), win("22:00", "06:00"), validFrom(berlinFrom), validUntil(berlinUntil)),
			"Mon–Fri 22:00–06:00 (Europe/Berlin), 1 Mar 2026 – 31 Dec 2026"},
		{"single days", "UTC", mk(days(mon | wed | fri)), "Mon, Wed, Fri (UTC)"},
		{"weekend with 24:00", "UTC", mk(days(sat|sun), win("10:00", "24:00")), "Sat–Sun 10:00–24:00 (UTC)"},
		{"mixed runs", "UTC", mk(days(mon | tue | thu | sat | sun)), "Mon–Tue, Thu, Sat–Sun (UTC)"},
		{"six days", "UTC", mk(days(EveryDay &^ wed)), "Mon–Tue, Thu–Sun (UTC)"},
		{"Sunday only", "UTC", mk(days(sun), win("22:00", "06:00")), "Sun 22:00–06:00 (UTC)"},
		{"window without weekdays", "America/New_York", mk(win("08:00", "18:00")), "every day 08:00–18:00 (America/New_York)"},
		{"whole-day window", "UTC", mk(win("00:00", "24:00")), "every day 00:00–24:00 (UTC)"},
		{"high bit ignored", "UTC", mk(days(128 | sat)), "Sat (UTC)"},
		{"only from, shown in loc", berlin, mk(validFrom(berlinFrom)), "from 1 Mar 2026 (Europe/Berlin)"},
		{"only from, same instant in UTC", "UTC", mk(validFrom(berlinFrom)), "from 28 Feb 2026 23:00 (UTC)"},
		{"only until at local midnight shows last day", berlin, mk(validUntil(berlinUntil)), "until 31 Dec 2026 (Europe/Berlin)"},
		{"until with time of day", "UTC", mk(validUntil(utc(2026, 12, 31, 18, 0, 0))), "until 31 Dec 2026 18:00 (UTC)"},
		{"from with seconds", "UTC", mk(validFrom(utc(2026, 3, 1, 8, 30, 15))), "from 1 Mar 2026 08:30:15 (UTC)"},
		{"window and from", berlin, mk(win("07:00", "19:00"), validFrom(berlinFrom)), "every day 07:00–19:00 (Europe/Berlin), from 1 Mar 2026"},
		{"weekdays and until", berlin, mk(days(sat), validUntil(berlinUntil)), "Sat (Europe/Berlin), until 31 Dec 2026"},
		// 2026-09-07 00:00 exists in Santiago, 2026-09-06 00:00 does not.
		{"Santiago: until midnight after the missing midnight", "America/Santiago",
			mk(validUntil(utc(2026, 9, 7, 3, 0, 0))), "until 6 Sep 2026 (America/Santiago)"},
		{"Santiago: until the first instant of a day without midnight", "America/Santiago",
			mk(validUntil(utc(2026, 9, 6, 4, 0, 0))), "until 6 Sep 2026 01:00 (America/Santiago)"},
		{"Santiago: until the midnight before the missing one", "America/Santiago",
			mk(validUntil(utc(2026, 9, 5, 4, 0, 0))), "until 4 Sep 2026 (America/Santiago)"},
		{"empty weekday mask", "UTC", mk(days(128), win("09:00", "17:00")), "never"},
		{"empty validity", "UTC", mk(validFrom(berlinUntil), validUntil(berlinFrom)), "never"},
		{"validity of zero length", "UTC", mk(validFrom(berlinFrom), validUntil(berlinFrom)), "never"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			if got := Schedule(tc.rule, loc); got != tc.want {
				t.Errorf("Schedule = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestScheduleNilLocationIsUTC(t *testing.T) {
	r := mk(days(fri), win("22:00", "06:00"), validFrom(utc(2026, 1, 1, 0, 0, 0)))
	if got, want := Schedule(r, nil), "Fri 22:00–06:00 (UTC), from 1 Jan 2026"; got != want {
		t.Errorf("Schedule(nil loc) = %q, want %q", got, want)
	}
}

// TestScheduleEveryMask checks, for every weekday mask, that the
// compressed day list names exactly the days in the mask, Monday first,
// with ranges only over runs of consecutive days.
func TestScheduleEveryMask(t *testing.T) {
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	index := map[string]int{"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
	for mask := Weekdays(1); mask < EveryDay; mask++ {
		got := Schedule(mk(days(mask)), time.UTC)
		list, ok := strings.CutSuffix(got, " (UTC)")
		if !ok {
			t.Fatalf("mask %07b: %q", mask, got)
		}
		var expanded Weekdays
		prevEnd := -2
		for _, part := range strings.Split(list, ", ") {
			first, last, isRange := strings.Cut(part, "–")
			if !isRange {
				last = first
			}
			i, ok1 := index[first]
			j, ok2 := index[last]
			if !ok1 || !ok2 || (isRange && j <= i) || i <= prevEnd+1 {
				t.Fatalf("mask %07b: malformed or uncompressed list %q", mask, got)
			}
			for k := i; k <= j; k++ {
				expanded |= DayBit(week[k])
			}
			prevEnd = j
		}
		if expanded != mask {
			t.Errorf("mask %07b: %q describes %07b", mask, got, expanded)
		}
	}
}
