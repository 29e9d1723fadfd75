package access

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/enum"
)

// The API's days and the vendor bits are converted in one place; every set
// survives the way to the API and back, and lists Monday first.
func TestWeekdaysList(t *testing.T) {
	if got := WeekdaysOf([]enum.Weekday{enum.Friday, enum.Monday, enum.Sunday}); got != mon|fri|sun {
		t.Errorf("WeekdaysOf(Fri, Mon, Sun) = %07b, want %07b", got, mon|fri|sun)
	}
	if got, want := (tue | sat).List(), []enum.Weekday{enum.Tuesday, enum.Saturday}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	for w := Weekdays(0); w <= EveryDay; w++ {
		list := w.List()
		if back := WeekdaysOf(list); back != w {
			t.Errorf("%07b: listed as %v, back as %07b", w, list, back)
		}
		for _, d := range []time.Weekday{time.Monday, time.Sunday} {
			if w.Has(d) != slices.Contains(list, enum.AllWeekdays[(int(d)+6)%7]) {
				t.Errorf("%07b: Has(%v) disagrees with %v", w, d, list)
			}
		}
	}
}
