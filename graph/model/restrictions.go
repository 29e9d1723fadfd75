package model

import (
	"time"

	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/enum"
)

// Restrictions is a permission's restrictions as the API shows them. It is
// filled in one step (ent.Permission's Restrictions method, generated from
// ent/template) so that neither it nor its fields need resolvers, which
// gqlgen would run on goroutines of their own.
type Restrictions struct {
	ValidFrom, ValidUntil *time.Time
	Weekdays              []enum.Weekday
	DailyFrom, DailyUntil *string
}

// RestrictionsOf presents stored restriction columns.
func RestrictionsOf(validFrom, validUntil *time.Time, weekdays *uint8, dailyFrom, dailyUntil *int16) *Restrictions {
	r := &Restrictions{
		ValidFrom:  validFrom,
		ValidUntil: validUntil,
		DailyFrom:  clock(dailyFrom),
		DailyUntil: clock(dailyUntil),
	}
	if weekdays != nil {
		r.Weekdays = enum.WeekdayList(*weekdays)
	}
	return r
}

func clock(m *int16) *string {
	if m == nil {
		return nil
	}
	s := access.FormatClock(int(*m))
	return &s
}
