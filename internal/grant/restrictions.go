package grant

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/enum"
)

// RestrictionsInput is a set of changes to a permission's restrictions: a
// field that is not set keeps its value, a field set to null clears it.
type RestrictionsInput struct {
	ValidFrom  graphql.Omittable[*time.Time]
	ValidUntil graphql.Omittable[*time.Time]
	Weekdays   graphql.Omittable[[]enum.Weekday]
	DailyFrom  graphql.Omittable[*string]
	DailyUntil graphql.Omittable[*string]
}

// apply returns r changed by in, validated as a whole. path prefixes the
// field names in errors ("input.restrictions").
func apply(r access.Restrictions, in *RestrictionsInput, path string) (access.Restrictions, error) {
	if in == nil {
		return r, nil
	}
	if v, ok := in.ValidFrom.ValueOK(); ok {
		r.ValidFrom = truncate(v)
	}
	if v, ok := in.ValidUntil.ValueOK(); ok {
		r.ValidUntil = truncate(v)
	}
	if v, ok := in.Weekdays.ValueOK(); ok {
		if v != nil && len(v) == 0 {
			return r, apperr.Invalid(path+".weekdays", "must list at least one day, or be null for every day")
		}
		r.Weekdays = access.WeekdaysOf(v)
	}
	var err error
	if r.DailyFrom, err = clock(in.DailyFrom, r.DailyFrom, false, path+".dailyFrom"); err != nil {
		return r, err
	}
	if r.DailyUntil, err = clock(in.DailyUntil, r.DailyUntil, true, path+".dailyUntil"); err != nil {
		return r, err
	}
	switch {
	case r.ValidFrom != nil && r.ValidUntil != nil && !r.ValidUntil.After(*r.ValidFrom):
		return r, apperr.Invalid(path+".validUntil", "must be after validFrom")
	case r.DailyFrom != nil && r.DailyUntil == nil:
		return r, apperr.Invalid(path+".dailyUntil", "is required with dailyFrom")
	case r.DailyFrom == nil && r.DailyUntil != nil:
		return r, apperr.Invalid(path+".dailyFrom", "is required with dailyUntil")
	case r.DailyFrom != nil && *r.DailyFrom == *r.DailyUntil:
		return r, apperr.Invalid(path+".dailyUntil", "must differ from dailyFrom (an empty window would never open)")
	}
	return r, nil
}

// truncate drops sub-second precision so that both databases store the
// same instant and the half-open bounds are exact to the second.
func truncate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Truncate(time.Second).UTC()
	return &v
}

func clock(in graphql.Omittable[*string], old *access.Minute, allowEnd bool, field string) (*access.Minute, error) {
	v, ok := in.ValueOK()
	if !ok {
		return old, nil
	}
	if v == nil {
		return nil, nil
	}
	m, err := access.ParseClock(*v, allowEnd)
	if err != nil {
		if allowEnd {
			return nil, apperr.Invalid(field, `must be "HH:MM" between 00:00 and 24:00, got %q`, *v)
		}
		return nil, apperr.Invalid(field, `must be "HH:MM" between 00:00 and 23:59, got %q`, *v)
	}
	minute := access.Minute(m)
	return &minute, nil
}
