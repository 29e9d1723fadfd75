package access

import (
	"time"

	"github.com/latchkey/latchkey/internal/enum"
)

// Minute is a wall-clock time of day in minutes after local midnight:
// 0..1439, and 1440 ("24:00") as the end of a window.
type Minute int16

// Restrictions are the time restrictions of a permission: the one form the
// evaluator, the grant's validation and update, the invitation mail and the
// API share. The zero value restricts nothing.
type Restrictions struct {
	// ValidFrom and ValidUntil bound the permission to the half-open
	// interval [ValidFrom, ValidUntil) of instants. nil leaves that side
	// unbounded.
	ValidFrom, ValidUntil *time.Time

	// Weekdays restricts the days on which the lock may be opened, in the
	// device's time zone. 0 means no restriction (every day). Bits outside
	// EveryDay are ignored, so a non-zero mask without any day bit allows no
	// day at all.
	Weekdays Weekdays

	// With both set, the lock may only be opened during the daily window
	// [DailyFrom, DailyUntil) of local time (0..1439 for DailyFrom, 1..1440
	// for DailyUntil). If DailyUntil < DailyFrom the window runs past
	// midnight into the next day. DailyFrom == DailyUntil is not a valid
	// window; Decide treats it as empty. Only one of them set is no window.
	DailyFrom, DailyUntil *Minute
}

// Window returns the daily window, if there is one.
func (r *Restrictions) Window() (from, until int, ok bool) {
	if r.DailyFrom == nil || r.DailyUntil == nil {
		return 0, 0, false
	}
	return int(*r.DailyFrom), int(*r.DailyUntil), true
}

// WeekdayList returns the allowed days in the API's form, Monday first;
// nil for every day. gqlgen calls it for the field weekdays (see
// gqlgen.yml), without a resolver and so without a goroutine per
// permission.
func (r *Restrictions) WeekdayList() []enum.Weekday {
	if r.Weekdays == 0 {
		return nil
	}
	return r.Weekdays.List()
}
