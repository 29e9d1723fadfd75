package access

import (
	"testing"
	"time"
)

// localLayout is how the table shows the local time of each instant.
const localLayout = "Mon 2006-01-02 15:04:05 -07:00"

// decideCase is one row of TestDecide. Instants are written in UTC; local
// is the comment giving the wall-clock time they correspond to in zone,
// and the test checks that comment, so it cannot drift from the truth.
type decideCase struct {
	name   string
	zone   string
	rule   *Rule
	at     time.Time
	local  string
	remote bool
	want   Reason
}

// Berlin validity bounds: 1 Mar 2026 00:00 CET to 1 Jan 2027 00:00 CET.
var (
	berlinFrom  = utc(2026, 2, 28, 23, 0, 0)
	berlinUntil = utc(2026, 12, 31, 23, 0, 0)
)

var decideCases = []decideCase{
	// Missing rule, status, enabled, remote (UTC, Wednesday noon).
	{"nil rule", "UTC", nil, utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonNoPermission},
	{"revoked", "UTC", mk(status(StatusRevoked)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonRevoked},
	{"pending", "UTC", mk(status(StatusPending)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonPendingInvitation},
	{"unknown status fails closed as revoked", "UTC", mk(status(9)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonRevoked},
	{"revoked beats disabled and expired", "UTC", mk(status(StatusRevoked), disabled(), validUntil(utc(2020, 1, 1, 0, 0, 0))), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonRevoked},
	{"pending beats disabled", "UTC", mk(status(StatusPending), disabled()), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonPendingInvitation},
	{"zero rule is pending", "UTC", &Rule{}, utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonPendingInvitation},
	{"disabled", "UTC", mk(disabled()), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonDisabled},
	{"disabled beats expired", "UTC", mk(disabled(), validUntil(utc(2020, 1, 1, 0, 0, 0))), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonDisabled},
	{"no restrictions", "UTC", mk(), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonAllowed},
	{"remote allowed, remote request", "UTC", mk(), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", true, ReasonAllowed},
	{"remote not allowed, remote request", "UTC", mk(noRemote()), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", true, ReasonRemoteNotAllowed},
	{"remote not allowed, at the lock", "UTC", mk(noRemote()), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonAllowed},
	{"outside window beats remote", "UTC", mk(noRemote(), win("08:00", "10:00")), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", true, ReasonOutsideTimeWindow},
	{"wrong weekday beats remote", "UTC", mk(noRemote(), days(mon)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", true, ReasonWrongWeekday},
	{"remote not allowed inside window", "UTC", mk(noRemote(), days(wed), win("08:00", "18:00")), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", true, ReasonRemoteNotAllowed},

	// Validity bounds to the second (Berlin, [1 Mar 2026, 1 Jan 2027) local).
	{"one second before ValidFrom", "Europe/Berlin", mk(validFrom(berlinFrom), validUntil(berlinUntil)), utc(2026, 2, 28, 22, 59, 59), "Sat 2026-02-28 23:59:59 +01:00", false, ReasonNotYetValid},
	{"exactly ValidFrom", "Europe/Berlin", mk(validFrom(berlinFrom), validUntil(berlinUntil)), utc(2026, 2, 28, 23, 0, 0), "Sun 2026-03-01 00:00:00 +01:00", false, ReasonAllowed},
	{"one second before ValidUntil", "Europe/Berlin", mk(validFrom(berlinFrom), validUntil(berlinUntil)), utc(2026, 12, 31, 22, 59, 59), "Thu 2026-12-31 23:59:59 +01:00", false, ReasonAllowed},
	{"exactly ValidUntil", "Europe/Berlin", mk(validFrom(berlinFrom), validUntil(berlinUntil)), utc(2026, 12, 31, 23, 0, 0), "Fri 2027-01-01 00:00:00 +01:00", false, ReasonExpired},
	{"only ValidFrom, long after", "Europe/Berlin", mk(validFrom(berlinFrom)), utc(2030, 6, 1, 10, 0, 0), "Sat 2030-06-01 12:00:00 +02:00", false, ReasonAllowed},
	{"only ValidUntil, long before", "Europe/Berlin", mk(validUntil(berlinUntil)), utc(2024, 6, 1, 10, 0, 0), "Sat 2024-06-01 12:00:00 +02:00", false, ReasonAllowed},
	{"only ValidUntil, exactly", "Europe/Berlin", mk(validUntil(berlinUntil)), utc(2026, 12, 31, 23, 0, 0), "Fri 2027-01-01 00:00:00 +01:00", false, ReasonExpired},
	{"not yet valid beats wrong weekday", "Europe/Berlin", mk(days(mon), validFrom(berlinFrom)), utc(2026, 2, 28, 22, 59, 59), "Sat 2026-02-28 23:59:59 +01:00", false, ReasonNotYetValid},
	{"expired beats outside window", "Europe/Berlin", mk(win("08:00", "09:00"), validUntil(berlinUntil)), utc(2027, 1, 1, 0, 0, 0), "Fri 2027-01-01 01:00:00 +01:00", false, ReasonExpired},

	// Weekdays without a window: the local date decides.
	{"weekdays: Saturday refused", "UTC", mk(days(mon | tue | wed | thu | fri)), utc(2026, 6, 6, 12, 0, 0), "Sat 2026-06-06 12:00:00 +00:00", false, ReasonWrongWeekday},
	{"weekdays: last second of Friday", "UTC", mk(days(mon | tue | wed | thu | fri)), utc(2026, 6, 5, 23, 59, 59), "Fri 2026-06-05 23:59:59 +00:00", false, ReasonAllowed},
	{"weekdays: Berlin Friday evening", "Europe/Berlin", mk(days(mon | tue | wed | thu | fri)), utc(2026, 3, 27, 22, 30, 0), "Fri 2026-03-27 23:30:00 +01:00", false, ReasonAllowed},
	{"weekdays: Berlin already Saturday while UTC is Friday", "Europe/Berlin", mk(days(mon | tue | wed | thu | fri)), utc(2026, 3, 27, 23, 30, 0), "Sat 2026-03-28 00:30:00 +01:00", false, ReasonWrongWeekday},
	{"weekdays: Kolkata Monday while UTC is Sunday", "Asia/Kolkata", mk(days(mon)), utc(2026, 5, 31, 18, 30, 0), "Mon 2026-06-01 00:00:00 +05:30", false, ReasonAllowed},
	{"weekdays: mask without day bits allows no day", "UTC", mk(days(128)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonWrongWeekday},
	{"weekdays: high bit ignored", "UTC", mk(days(128 | wed)), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonAllowed},

	// Same-day window 09:00–17:00.
	{"window: a second before start", "UTC", mk(win("09:00", "17:00")), utc(2026, 6, 3, 8, 59, 59), "Wed 2026-06-03 08:59:59 +00:00", false, ReasonOutsideTimeWindow},
	{"window: start", "UTC", mk(win("09:00", "17:00")), utc(2026, 6, 3, 9, 0, 0), "Wed 2026-06-03 09:00:00 +00:00", false, ReasonAllowed},
	{"window: last second", "UTC", mk(win("09:00", "17:00")), utc(2026, 6, 3, 16, 59, 59), "Wed 2026-06-03 16:59:59 +00:00", false, ReasonAllowed},
	{"window: end is exclusive", "UTC", mk(win("09:00", "17:00")), utc(2026, 6, 3, 17, 0, 0), "Wed 2026-06-03 17:00:00 +00:00", false, ReasonOutsideTimeWindow},
	{"window: inside but wrong weekday", "UTC", mk(days(mon), win("09:00", "17:00")), utc(2026, 6, 3, 12, 0, 0), "Wed 2026-06-03 12:00:00 +00:00", false, ReasonWrongWeekday},
	{"window: allowed day, outside window", "UTC", mk(days(mon|tue|wed|thu|fri), win("09:00", "17:00")), utc(2026, 6, 3, 20, 0, 0), "Wed 2026-06-03 20:00:00 +00:00", false, ReasonOutsideTimeWindow},
	{"window: wrong weekday and outside window", "UTC", mk(days(mon), win("09:00", "17:00")), utc(2026, 6, 3, 20, 0, 0), "Wed 2026-06-03 20:00:00 +00:00", false, ReasonWrongWeekday},

	// Window ending at 24:00.
	{"24:00: last second of the day", "UTC", mk(days(fri), win("20:00", "24:00")), utc(2026, 6, 5, 23, 59, 59), "Fri 2026-06-05 23:59:59 +00:00", false, ReasonAllowed},
	{"24:00: next midnight, day not allowed", "UTC", mk(days(fri), win("20:00", "24:00")), utc(2026, 6, 6, 0, 0, 0), "Sat 2026-06-06 00:00:00 +00:00", false, ReasonWrongWeekday},
	{"24:00: next midnight, day allowed", "UTC", mk(days(fri|sat), win("20:00", "24:00")), utc(2026, 6, 6, 0, 0, 0), "Sat 2026-06-06 00:00:00 +00:00", false, ReasonOutsideTimeWindow},
	{"24:00: before start", "UTC", mk(days(fri), win("20:00", "24:00")), utc(2026, 6, 5, 19, 59, 59), "Fri 2026-06-05 19:59:59 +00:00", false, ReasonOutsideTimeWindow},
	{"00:00–24:00: allowed day at midnight", "UTC", mk(days(sat), win("00:00", "24:00")), utc(2026, 6, 6, 0, 0, 0), "Sat 2026-06-06 00:00:00 +00:00", false, ReasonAllowed},
	{"00:00–24:00: next midnight", "UTC", mk(days(sat), win("00:00", "24:00")), utc(2026, 6, 7, 0, 0, 0), "Sun 2026-06-07 00:00:00 +00:00", false, ReasonWrongWeekday},

	// Overnight window Fri 22:00–06:00.
	{"overnight: Friday before start", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 5, 21, 59, 59), "Fri 2026-06-05 21:59:59 +00:00", false, ReasonOutsideTimeWindow},
	{"overnight: Friday start", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 5, 22, 0, 0), "Fri 2026-06-05 22:00:00 +00:00", false, ReasonAllowed},
	{"overnight: Saturday 03:00 belongs to Friday", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 6, 3, 0, 0), "Sat 2026-06-06 03:00:00 +00:00", false, ReasonAllowed},
	{"overnight: Saturday last second", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 6, 5, 59, 59), "Sat 2026-06-06 05:59:59 +00:00", false, ReasonAllowed},
	{"overnight: Saturday end, Saturday not allowed", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 6, 6, 0, 0), "Sat 2026-06-06 06:00:00 +00:00", false, ReasonWrongWeekday},
	{"overnight: Friday 03:00 belongs to Thursday", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 5, 3, 0, 0), "Fri 2026-06-05 03:00:00 +00:00", false, ReasonWrongWeekday},
	{"overnight: Friday noon", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 5, 12, 0, 0), "Fri 2026-06-05 12:00:00 +00:00", false, ReasonOutsideTimeWindow},
	{"overnight: Thursday night", "UTC", mk(days(fri), win("22:00", "06:00")), utc(2026, 6, 4, 23, 0, 0), "Thu 2026-06-04 23:00:00 +00:00", false, ReasonWrongWeekday},
	{"overnight: Thursday allowed covers Friday 03:00", "UTC", mk(days(thu|fri), win("22:00", "06:00")), utc(2026, 6, 5, 3, 0, 0), "Fri 2026-06-05 03:00:00 +00:00", false, ReasonAllowed},
	{"overnight: Saturday only, Saturday 03:00", "UTC", mk(days(sat), win("22:00", "06:00")), utc(2026, 6, 6, 3, 0, 0), "Sat 2026-06-06 03:00:00 +00:00", false, ReasonWrongWeekday},
	{"overnight: Saturday only, Saturday noon", "UTC", mk(days(sat), win("22:00", "06:00")), utc(2026, 6, 6, 12, 0, 0), "Sat 2026-06-06 12:00:00 +00:00", false, ReasonOutsideTimeWindow},
	{"overnight: Saturday only, Saturday night", "UTC", mk(days(sat), win("22:00", "06:00")), utc(2026, 6, 6, 22, 30, 0), "Sat 2026-06-06 22:30:00 +00:00", false, ReasonAllowed},
	{"overnight: every day, morning", "UTC", mk(win("22:00", "06:00")), utc(2026, 6, 3, 5, 0, 0), "Wed 2026-06-03 05:00:00 +00:00", false, ReasonAllowed},
	{"overnight: every day, afternoon", "UTC", mk(win("22:00", "06:00")), utc(2026, 6, 3, 15, 0, 0), "Wed 2026-06-03 15:00:00 +00:00", false, ReasonOutsideTimeWindow},

	// Sunday → Monday wrap.
	{"wrap: Sunday window allows Monday 02:00", "UTC", mk(days(sun), win("22:00", "06:00")), utc(2026, 6, 8, 2, 0, 0), "Mon 2026-06-08 02:00:00 +00:00", false, ReasonAllowed},
	{"wrap: Sunday 02:00 belongs to Saturday", "UTC", mk(days(sun), win("22:00", "06:00")), utc(2026, 6, 7, 2, 0, 0), "Sun 2026-06-07 02:00:00 +00:00", false, ReasonWrongWeekday},
	{"wrap: Monday night not allowed", "UTC", mk(days(sun), win("22:00", "06:00")), utc(2026, 6, 8, 22, 30, 0), "Mon 2026-06-08 22:30:00 +00:00", false, ReasonWrongWeekday},
	{"wrap: Monday 02:00 belongs to Sunday", "UTC", mk(days(mon), win("22:00", "06:00")), utc(2026, 6, 1, 2, 0, 0), "Mon 2026-06-01 02:00:00 +00:00", false, ReasonWrongWeekday},
	{"wrap: Berlin Monday 01:00 while UTC is Sunday", "Europe/Berlin", mk(days(sun), win("22:00", "06:00")), utc(2026, 6, 7, 23, 0, 0), "Mon 2026-06-08 01:00:00 +02:00", false, ReasonAllowed},

	// Europe/Berlin spring forward, 2026-03-29 02:00 CET → 03:00 CEST.
	{"Berlin spring: last second before the gap", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 3, 29, 0, 59, 59), "Sun 2026-03-29 01:59:59 +01:00", false, ReasonOutsideTimeWindow},
	{"Berlin spring: 02:00–03:00 never happens", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 3, 29, 1, 0, 0), "Sun 2026-03-29 03:00:00 +02:00", false, ReasonOutsideTimeWindow},
	{"Berlin spring: 03:00 window opens at the jump", "Europe/Berlin", mk(win("03:00", "04:00")), utc(2026, 3, 29, 1, 0, 0), "Sun 2026-03-29 03:00:00 +02:00", false, ReasonAllowed},
	{"Berlin spring: window spanning the gap", "Europe/Berlin", mk(win("01:00", "03:30")), utc(2026, 3, 29, 1, 15, 0), "Sun 2026-03-29 03:15:00 +02:00", false, ReasonAllowed},
	{"Berlin spring: Saturday overnight starts", "Europe/Berlin", mk(days(sat), win("22:00", "03:00")), utc(2026, 3, 28, 21, 0, 0), "Sat 2026-03-28 22:00:00 +01:00", false, ReasonAllowed},
	{"Berlin spring: Saturday overnight before gap", "Europe/Berlin", mk(days(sat), win("22:00", "03:00")), utc(2026, 3, 29, 0, 59, 0), "Sun 2026-03-29 01:59:00 +01:00", false, ReasonAllowed},
	{"Berlin spring: Saturday overnight ends at the jump", "Europe/Berlin", mk(days(sat), win("22:00", "03:00")), utc(2026, 3, 29, 1, 0, 0), "Sun 2026-03-29 03:00:00 +02:00", false, ReasonWrongWeekday},
	{"Berlin spring: Sat+Sun overnight ends at the jump", "Europe/Berlin", mk(days(sat|sun), win("22:00", "03:00")), utc(2026, 3, 29, 1, 0, 0), "Sun 2026-03-29 03:00:00 +02:00", false, ReasonOutsideTimeWindow},

	// Europe/Berlin fall back, 2026-10-25 03:00 CEST → 02:00 CET.
	{"Berlin fall: before the repeated hour", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 10, 24, 23, 59, 59), "Sun 2026-10-25 01:59:59 +02:00", false, ReasonOutsideTimeWindow},
	{"Berlin fall: first 02:30", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 10, 25, 0, 30, 0), "Sun 2026-10-25 02:30:00 +02:00", false, ReasonAllowed},
	{"Berlin fall: second 02:30", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 10, 25, 1, 30, 0), "Sun 2026-10-25 02:30:00 +01:00", false, ReasonAllowed},
	{"Berlin fall: 03:00 after the repeat", "Europe/Berlin", mk(win("02:00", "03:00")), utc(2026, 10, 25, 2, 0, 0), "Sun 2026-10-25 03:00:00 +01:00", false, ReasonOutsideTimeWindow},
	{"Berlin fall: Saturday overnight, second 02:30", "Europe/Berlin", mk(days(sat), win("23:00", "03:00")), utc(2026, 10, 25, 1, 30, 0), "Sun 2026-10-25 02:30:00 +01:00", false, ReasonAllowed},
	{"Berlin fall: Saturday overnight ends", "Europe/Berlin", mk(days(sat), win("23:00", "03:00")), utc(2026, 10, 25, 2, 0, 0), "Sun 2026-10-25 03:00:00 +01:00", false, ReasonWrongWeekday},

	// America/New_York spring forward, 2026-03-08 02:00 EST → 03:00 EDT.
	{"New York spring: before the gap", "America/New_York", mk(win("02:00", "03:00")), utc(2026, 3, 8, 6, 59, 59), "Sun 2026-03-08 01:59:59 -05:00", false, ReasonOutsideTimeWindow},
	{"New York spring: after the gap", "America/New_York", mk(win("02:00", "03:00")), utc(2026, 3, 8, 7, 0, 0), "Sun 2026-03-08 03:00:00 -04:00", false, ReasonOutsideTimeWindow},
	{"New York spring: Saturday overnight before gap", "America/New_York", mk(days(sat), win("22:00", "02:30")), utc(2026, 3, 8, 6, 45, 0), "Sun 2026-03-08 01:45:00 -05:00", false, ReasonAllowed},
	{"New York spring: Saturday overnight after gap", "America/New_York", mk(days(sat), win("22:00", "02:30")), utc(2026, 3, 8, 7, 10, 0), "Sun 2026-03-08 03:10:00 -04:00", false, ReasonWrongWeekday},

	// America/New_York fall back, 2026-11-01 02:00 EDT → 01:00 EST.
	{"New York fall: first 01:30", "America/New_York", mk(win("01:00", "02:00")), utc(2026, 11, 1, 5, 30, 0), "Sun 2026-11-01 01:30:00 -04:00", false, ReasonAllowed},
	{"New York fall: second 01:30", "America/New_York", mk(win("01:00", "02:00")), utc(2026, 11, 1, 6, 30, 0), "Sun 2026-11-01 01:30:00 -05:00", false, ReasonAllowed},
	{"New York fall: 02:00 EST", "America/New_York", mk(win("01:00", "02:00")), utc(2026, 11, 1, 7, 0, 0), "Sun 2026-11-01 02:00:00 -05:00", false, ReasonOutsideTimeWindow},
	{"New York fall: Saturday overnight, second 01:29", "America/New_York", mk(days(sat), win("20:00", "01:30")), utc(2026, 11, 1, 6, 29, 0), "Sun 2026-11-01 01:29:00 -05:00", false, ReasonAllowed},
	{"New York fall: Saturday overnight, second 01:30", "America/New_York", mk(days(sat), win("20:00", "01:30")), utc(2026, 11, 1, 6, 30, 0), "Sun 2026-11-01 01:30:00 -05:00", false, ReasonWrongWeekday},

	// America/Santiago, 2026-09-06: midnight does not exist, Sunday starts at 01:00.
	{"Santiago: last second of Saturday", "America/Santiago", mk(win("00:00", "01:00")), utc(2026, 9, 6, 3, 59, 59), "Sat 2026-09-05 23:59:59 -04:00", false, ReasonOutsideTimeWindow},
	{"Santiago: Sunday starts at 01:00, 00:00–01:00 never happens", "America/Santiago", mk(win("00:00", "01:00")), utc(2026, 9, 6, 4, 0, 0), "Sun 2026-09-06 01:00:00 -03:00", false, ReasonOutsideTimeWindow},
	{"Santiago: 00:00–01:00 on the next day", "America/Santiago", mk(win("00:00", "01:00")), utc(2026, 9, 7, 3, 30, 0), "Mon 2026-09-07 00:30:00 -03:00", false, ReasonAllowed},
	{"Santiago: Sunday only, last second of Saturday", "America/Santiago", mk(days(sun)), utc(2026, 9, 6, 3, 59, 59), "Sat 2026-09-05 23:59:59 -04:00", false, ReasonWrongWeekday},
	{"Santiago: Sunday only, first instant of Sunday", "America/Santiago", mk(days(sun)), utc(2026, 9, 6, 4, 0, 0), "Sun 2026-09-06 01:00:00 -03:00", false, ReasonAllowed},
	{"Santiago: whole-day window on Sunday", "America/Santiago", mk(days(sun), win("00:00", "24:00")), utc(2026, 9, 6, 4, 0, 0), "Sun 2026-09-06 01:00:00 -03:00", false, ReasonAllowed},
	{"Santiago: Saturday overnight starts", "America/Santiago", mk(days(sat), win("22:00", "01:30")), utc(2026, 9, 6, 2, 0, 0), "Sat 2026-09-05 22:00:00 -04:00", false, ReasonAllowed},
	{"Santiago: Saturday overnight across missing midnight", "America/Santiago", mk(days(sat), win("22:00", "01:30")), utc(2026, 9, 6, 4, 0, 0), "Sun 2026-09-06 01:00:00 -03:00", false, ReasonAllowed},
	{"Santiago: Saturday overnight ends", "America/Santiago", mk(days(sat), win("22:00", "01:30")), utc(2026, 9, 6, 4, 30, 0), "Sun 2026-09-06 01:30:00 -03:00", false, ReasonWrongWeekday},

	// Australia/Lord_Howe, 2026-04-05: 02:00 +11 → 01:30 +10:30 (01:30–02:00 repeats).
	{"Lord Howe April: first 01:45", "Australia/Lord_Howe", mk(win("01:30", "02:00")), utc(2026, 4, 4, 14, 45, 0), "Sun 2026-04-05 01:45:00 +11:00", false, ReasonAllowed},
	{"Lord Howe April: second 01:45", "Australia/Lord_Howe", mk(win("01:30", "02:00")), utc(2026, 4, 4, 15, 15, 0), "Sun 2026-04-05 01:45:00 +10:30", false, ReasonAllowed},
	{"Lord Howe April: 01:29 before the repeat", "Australia/Lord_Howe", mk(win("01:30", "02:00")), utc(2026, 4, 4, 14, 29, 0), "Sun 2026-04-05 01:29:00 +11:00", false, ReasonOutsideTimeWindow},
	{"Lord Howe April: 02:00 after the repeat", "Australia/Lord_Howe", mk(win("01:30", "02:00")), utc(2026, 4, 4, 15, 30, 0), "Sun 2026-04-05 02:00:00 +10:30", false, ReasonOutsideTimeWindow},

	// Australia/Lord_Howe, 2026-10-04: 02:00 +10:30 → 02:30 +11 (02:00–02:30 missing).
	{"Lord Howe October: before the gap", "Australia/Lord_Howe", mk(win("02:00", "02:30")), utc(2026, 10, 3, 15, 29, 59), "Sun 2026-10-04 01:59:59 +10:30", false, ReasonOutsideTimeWindow},
	{"Lord Howe October: 02:00–02:30 never happens", "Australia/Lord_Howe", mk(win("02:00", "02:30")), utc(2026, 10, 3, 15, 30, 0), "Sun 2026-10-04 02:30:00 +11:00", false, ReasonOutsideTimeWindow},
	{"Lord Howe October: window spanning the gap", "Australia/Lord_Howe", mk(win("02:15", "03:00")), utc(2026, 10, 3, 15, 30, 0), "Sun 2026-10-04 02:30:00 +11:00", false, ReasonAllowed},
	{"Lord Howe October: Saturday overnight before gap", "Australia/Lord_Howe", mk(days(sat), win("23:00", "02:15")), utc(2026, 10, 3, 15, 29, 0), "Sun 2026-10-04 01:59:00 +10:30", false, ReasonAllowed},
	{"Lord Howe October: Saturday overnight skipped its end", "Australia/Lord_Howe", mk(days(sat), win("23:00", "02:15")), utc(2026, 10, 3, 15, 30, 0), "Sun 2026-10-04 02:30:00 +11:00", false, ReasonWrongWeekday},
}

func TestDecide(t *testing.T) {
	if len(decideCases) < 40 {
		t.Fatalf("only %d cases", len(decideCases))
	}
	seen := map[string]bool{}
	for _, tc := range decideCases {
		if seen[tc.name] {
			t.Errorf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			if got := tc.at.In(loc).Format(localLayout); got != tc.local {
				t.Fatalf("instant %s is %s in %s, table says %s", tc.at.Format(time.RFC3339), got, tc.zone, tc.local)
			}
			if got := Decide(tc.rule, loc, tc.at, tc.remote); got != tc.want {
				t.Errorf("Decide = %v, want %v", got, tc.want)
			}
			// The time zone of at itself must not matter.
			if got := Decide(tc.rule, loc, tc.at.In(loc), tc.remote); got != tc.want {
				t.Errorf("Decide(at in %s) = %v, want %v", tc.zone, got, tc.want)
			}
		})
	}
}

func TestDecideNilLocationIsUTC(t *testing.T) {
	r := mk(days(fri), win("22:00", "06:00"))
	for _, at := range []time.Time{
		utc(2026, 6, 5, 21, 0, 0), utc(2026, 6, 5, 23, 0, 0),
		utc(2026, 6, 6, 3, 0, 0), utc(2026, 6, 6, 12, 0, 0),
	} {
		if got, want := Decide(r, nil, at, false), Decide(r, time.UTC, at, false); got != want {
			t.Errorf("%v: Decide(nil loc) = %v, Decide(UTC) = %v", at, got, want)
		}
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	loc := mustLoc(t, "Europe/Berlin")
	r := benchRule()
	at := utc(2026, 10, 25, 1, 30, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		_ = Decide(r, loc, at, true)
	})
	if allocs != 0 {
		t.Errorf("Decide allocates %v times per call", allocs)
	}
}

func TestReasonString(t *testing.T) {
	want := map[Reason]string{
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
		Reason(200):             "Reason(200)",
	}
	for r, s := range want {
		if got := r.String(); got != s {
			t.Errorf("Reason(%d).String() = %q, want %q", uint8(r), got, s)
		}
	}
	for s, name := range map[Status]string{StatusPending: "PENDING", StatusActive: "ACTIVE", StatusRevoked: "REVOKED", 9: "Status(9)"} {
		if got := s.String(); got != name {
			t.Errorf("Status(%d).String() = %q, want %q", uint8(s), got, name)
		}
	}
}

// benchRule is a realistic rule: weekdays, overnight window and validity.
func benchRule() *Rule {
	return mk(
		days(mon|tue|wed|thu|fri),
		win("22:00", "06:00"),
		validFrom(berlinFrom),
		validUntil(berlinUntil),
		noRemote(),
	)
}

func BenchmarkDecide(b *testing.B) {
	loc := mustLoc(b, "Europe/Berlin")
	r := benchRule()
	// Instants spread over the validity period, some inside and some
	// outside the window, including both DST transitions.
	ats := make([]time.Time, 64)
	start := utc(2026, 3, 1, 0, 0, 0)
	for i := range ats {
		ats[i] = start.Add(time.Duration(i) * 107 * time.Hour)
	}
	ats[0] = utc(2026, 3, 29, 1, 0, 0)
	ats[1] = utc(2026, 10, 25, 1, 30, 0)
	b.ReportAllocs()
	var sink Reason
	for i := 0; b.Loop(); i++ {
		sink += Decide(r, loc, ats[i&63], i&1 == 0)
	}
	_ = sink
}
