package instant

import (
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	east := time.FixedZone("", 14*3600)
	for _, c := range []struct {
		in time.Time
		ok bool
	}{
		{time.Time{}, false},
		{time.Time{}.Add(time.Second - time.Nanosecond), false}, // cut to the zero instant
		{time.Time{}.Add(time.Second), true},
		{time.Date(1, 1, 1, 0, 30, 0, 0, east), false}, // year 0 in UTC
		{time.Date(2026, 3, 1, 8, 0, 0, 0, east), true},
		{Max, true},
		{Max.Add(time.Nanosecond), false},
		{time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("", -3600)), false},
	} {
		got, err := Check(c.in)
		if (err == nil) != c.ok {
			t.Errorf("Check(%v) = %v, %v; want ok %v", c.in, got, err, c.ok)
		}
		if err == nil && (got.Location() != time.UTC || !got.Equal(c.in)) {
			t.Errorf("Check(%v) = %v, want the same instant in UTC", c.in, got)
		}
	}
}

func TestSQLiteText(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[time.Time]string{
		time.Date(2026, 3, 1, 9, 0, 0, 500000000, berlin): "2026-03-01 08:00:00.500000000+00:00",
		time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC):       "2026-03-01 08:00:00.000000000+00:00",
		{}:  "0001-01-01 00:00:00.000000000+00:00",
		Max: "9999-12-31 23:59:59.999999999+00:00",
	} {
		if got, err := SQLiteText(in); err != nil || got != want {
			t.Errorf("SQLiteText(%v) = %q, %v; want %q", in, got, err, want)
		}
	}
	now := time.Now() // with a monotonic reading
	if got, _ := SQLiteText(now); len(got) != len(SQLiteLayout) {
		t.Errorf("SQLiteText(now) = %q", got)
	}
	for _, in := range []time.Time{Max.Add(time.Nanosecond), time.Time{}.Add(-time.Nanosecond)} {
		if got, err := SQLiteText(in); err == nil {
			t.Errorf("SQLiteText(%v) = %q, want an error", in, got)
		}
	}
}
