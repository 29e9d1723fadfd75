package model

import (
	"time"

	"github.com/latchkey/latchkey/internal/enum"
)

// Restrictions is a permission's restrictions as the API shows them. It is
// filled in one step so that its fields need no resolvers of their own.
type Restrictions struct {
	ValidFrom, ValidUntil *time.Time
	Weekdays              []enum.Weekday
	DailyFrom, DailyUntil *string
}
