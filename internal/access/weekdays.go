package access

import (
	"iter"
	"time"

	"github.com/latchkey/latchkey/internal/enum"
)

// Weekdays is a set of days in the vendor bitmask layout:
// Mon=64, Tue=32, Wed=16, Thu=8, Fri=4, Sat=2, Sun=1 (127 = every day).
type Weekdays uint8

// EveryDay is the set of all seven days.
const EveryDay Weekdays = 127

// DayBit returns the bit of one Go weekday in the vendor layout.
func DayBit(d time.Weekday) Weekdays {
	if d == time.Sunday {
		return 1
	}
	return 1 << (7 - uint(d))
}

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&DayBit(d) != 0 }

// WeekdaysOf returns the set of the API's days. enum.AllWeekdays is in
// the order of the bits, Monday (64) first.
func WeekdaysOf(days []enum.Weekday) Weekdays {
	var w Weekdays
	for _, d := range days {
		for i, e := range enum.AllWeekdays {
			if e == d {
				w |= 64 >> i
			}
		}
	}
	return w
}

// List returns the days of the set in the API's form, Monday first. The
// slice is shared: callers must not change it.
func (w Weekdays) List() []enum.Weekday { return weekdayLists[w&EveryDay] }

// weekdayLists holds the list of every set, so that listing the days of a
// permission, once per permission shown, allocates nothing.
var weekdayLists = func() (lists [EveryDay + 1][]enum.Weekday) {
	for w := range lists {
		for i, e := range enum.AllWeekdays {
			if w&(64>>i) != 0 {
				lists[w] = append(lists[w], e)
			}
		}
	}
	return lists
}()

// mondayFirst lists the weekdays in the order of the bits, Monday first.
var mondayFirst = [7]time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday,
	time.Friday, time.Saturday, time.Sunday,
}

// Runs yields the runs of consecutive days in the set as the first and
// last day of each, counted from Monday (0) to Sunday (6).
func (w Weekdays) Runs() iter.Seq2[int, int] {
	return func(yield func(first, last int) bool) {
		for i := 0; i < len(mondayFirst); {
			if !w.Has(mondayFirst[i]) {
				i++
				continue
			}
			j := i
			for j+1 < len(mondayFirst) && w.Has(mondayFirst[j+1]) {
				j++
			}
			if !yield(i, j) {
				return
			}
			i = j + 1
		}
	}
}
