package access

import (
	"strconv"
	"time"
)

// Status is the lifecycle state of a permission.
type Status uint8

// Permission states. The zero value is StatusPending, so a zero Rule never
// grants access.
const (
	StatusPending Status = iota // invitation sent, not yet accepted
	StatusActive                // accepted and in force
	StatusRevoked               // withdrawn by an administrator
)

// String returns the state's name in UPPER_SNAKE case.
func (s Status) String() string {
	switch s {
	case StatusPending:
		return "PENDING"
	case StatusActive:
		return "ACTIVE"
	case StatusRevoked:
		return "REVOKED"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Reason is the outcome of Decide: ReasonAllowed, or why access is refused.
type Reason uint8

// Outcomes of Decide, in the order in which Decide checks them (after
// ReasonNoPermission, which stands for a missing rule).
const (
	ReasonAllowed Reason = iota
	ReasonNoPermission
	ReasonPendingInvitation
	ReasonRevoked
	ReasonDisabled
	ReasonNotYetValid
	ReasonExpired
	ReasonWrongWeekday
	ReasonOutsideTimeWindow
	ReasonRemoteNotAllowed
)

var reasonNames = [...]string{
	ReasonAllowed:           "ALLOWED",
	ReasonNoPermission:      "NO_PERMISSION",
	ReasonPendingInvitation: "PENDING_INVITATION",
	ReasonRevoked:           "REVOKED",
	ReasonDisabled:          "DISABLED",
	ReasonNotYetValid:       "NOT_YET_VALID",
	ReasonExpired:           "EXPIRED",
	ReasonWrongWeekday:      "WRONG_WEEKDAY",
	ReasonOutsideTimeWindow: "OUTSIDE_TIME_WINDOW",
	ReasonRemoteNotAllowed:  "REMOTE_NOT_ALLOWED",
}

// String returns the reason's name in UPPER_SNAKE case, e.g. "WRONG_WEEKDAY".
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Rule is one user's permission on one lock.
type Rule struct {
	Status        Status
	Enabled       bool
	RemoteAllowed bool // may open without being at the lock (e.g. over the internet)

	// Restrictions are the time restrictions, in the device's zone.
	Restrictions
}

// Decide reports whether rule r lets its holder open the lock at instant at,
// for a device whose wall clock is in loc (nil means UTC). remote says
// whether the request comes from away from the lock.
//
// A nil rule yields ReasonNoPermission. Otherwise the checks run in this
// order and the first one that fails gives the result:
//
//  1. ReasonRevoked: Status is StatusRevoked (or any unknown status).
//  2. ReasonPendingInvitation: Status is StatusPending.
//  3. ReasonDisabled: Enabled is false.
//  4. ReasonNotYetValid: at is before ValidFrom.
//  5. ReasonExpired: at is at or after ValidUntil.
//  6. ReasonWrongWeekday: the day that counts (see below) is not in Weekdays.
//  7. ReasonOutsideTimeWindow: the local time of day is outside the window.
//  8. ReasonRemoteNotAllowed: remote is true and RemoteAllowed is false.
//
// If none fails the result is ReasonAllowed.
//
// The local weekday and minute of day (hour*60+minute, seconds ignored) are
// always read from at.In(loc), so daylight-saving gaps and repeated hours
// need no special treatment: a window minute that does not exist on a given
// day simply never occurs, and a repeated minute is inside the window both
// times.
//
// Which day counts for the weekday check:
//   - without a window, the weekday of the instant's local date;
//   - inside a window, the day on which that window began: for a window
//     running past midnight, the after-midnight part belongs to the previous
//     day (Fri 22:00–06:00 covers Saturday 03:00 when Friday is allowed, and
//     refuses Friday 03:00 with ReasonWrongWeekday unless Thursday is
//     allowed);
//   - outside every window, the weekday of the instant's local date. So an
//     instant outside the window is ReasonWrongWeekday when its own local
//     day is not allowed (no allowed day has a window covering it, and its
//     own day has none either), and ReasonOutsideTimeWindow when its own day
//     is allowed and only the time of day is wrong.
//
// Decide does not allocate.
func Decide(r *Rule, loc *time.Location, at time.Time, remote bool) Reason {
	if r == nil {
		return ReasonNoPermission
	}
	switch r.Status {
	case StatusActive:
	case StatusPending:
		return ReasonPendingInvitation
	default:
		return ReasonRevoked
	}
	if !r.Enabled {
		return ReasonDisabled
	}
	if r.ValidFrom != nil && at.Before(*r.ValidFrom) {
		return ReasonNotYetValid
	}
	if r.ValidUntil != nil && !at.Before(*r.ValidUntil) {
		return ReasonExpired
	}
	if _, _, window := r.Window(); r.Weekdays != 0 || window {
		if loc == nil {
			loc = time.UTC
		}
		if reason := checkCalendar(r, at.In(loc)); reason != ReasonAllowed {
			return reason
		}
	}
	if remote && !r.RemoteAllowed {
		return ReasonRemoteNotAllowed
	}
	return ReasonAllowed
}

// checkCalendar applies the weekday and daily-window checks to the local
// time t.
func checkCalendar(r *Rule, t time.Time) Reason {
	days := EveryDay
	if r.Weekdays != 0 {
		days = r.Weekdays & EveryDay
	}
	today := t.Weekday()
	from, until, window := r.Window()
	if !window {
		if !days.Has(today) {
			return ReasonWrongWeekday
		}
		return ReasonAllowed
	}
	hour, minute, _ := t.Clock()
	m := hour*60 + minute
	start := today // the day on which the covering window began
	inside := false
	switch {
	case from < until: // same-day window
		inside = from <= m && m < until
	case until < from: // runs past midnight
		if m >= from {
			inside = true
		} else if m < until {
			inside = true
			start = (today + 6) % 7 // yesterday
		}
	}
	if !days.Has(start) {
		return ReasonWrongWeekday
	}
	if !inside {
		return ReasonOutsideTimeWindow
	}
	return ReasonAllowed
}
