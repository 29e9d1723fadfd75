package access

import "time"

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
