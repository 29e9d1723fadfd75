package access

import "testing"

func TestParseClock(t *testing.T) {
	cases := []struct {
		in       string
		allowEnd bool
		want     int
		ok       bool
	}{
		{"00:00", false, 0, true},
		{"00:01", false, 1, true},
		{"07:00", false, 420, true},
		{"12:34", false, 754, true},
		{"23:59", false, 1439, true},
		{"23:59", true, 1439, true},
		{"00:00", true, 0, true},
		{"24:00", true, MinutesPerDay, true},
		{"24:00", false, 0, false},
		{"24:01", true, 0, false},
		{"25:00", true, 0, false},
		{"99:99", true, 0, false},
		{"7:00", false, 0, false},
		{"7:00", true, 0, false},
		{"07:60", false, 0, false},
		{"07:60", true, 0, false},
		{"ab:cd", false, 0, false},
		{"0a:00", false, 0, false},
		{"", false, 0, false},
		{"", true, 0, false},
		{"07-00", false, 0, false},
		{"0700", false, 0, false},
		{"007:00", false, 0, false},
		{"07:00 ", false, 0, false},
		{" 7:00", false, 0, false},
		{"+7:00", false, 0, false},
		{"-1:00", false, 0, false},
		{"07:0", false, 0, false},
		{"０7:00", false, 0, false}, // full-width digit
	}
	for _, tc := range cases {
		got, err := ParseClock(tc.in, tc.allowEnd)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("ParseClock(%q, %v) = %d, %v; want %d, nil", tc.in, tc.allowEnd, got, err, tc.want)
			}
		} else if err != ErrClock {
			t.Errorf("ParseClock(%q, %v) = %d, %v; want ErrClock", tc.in, tc.allowEnd, got, err)
		}
	}
}

func TestFormatClock(t *testing.T) {
	for m, want := range map[int]string{0: "00:00", 1: "00:01", 59: "00:59", 60: "01:00", 754: "12:34", 1439: "23:59", 1440: "24:00"} {
		if got := FormatClock(m); got != want {
			t.Errorf("FormatClock(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestClockRoundTrip(t *testing.T) {
	for m := 0; m <= MinutesPerDay; m++ {
		s := FormatClock(m)
		got, err := ParseClock(s, true)
		if err != nil || got != m {
			t.Errorf("ParseClock(FormatClock(%d) = %q) = %d, %v", m, s, got, err)
		}
		_, err = ParseClock(s, false)
		if (err == nil) != (m < MinutesPerDay) {
			t.Errorf("ParseClock(%q, false) error = %v", s, err)
		}
	}
}
