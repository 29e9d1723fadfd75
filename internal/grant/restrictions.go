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

// apply returns r changed by in, validated as a whole, and an error for
// every invalid field. path prefixes the field names in errors
// ("input.restrictions").
func apply(r access.Restrictions, in *RestrictionsInput, path string) (access.Restrictions, []error) {
	if in == nil {
		return r, nil
	}
	var errs []error
	if v, ok := in.ValidFrom.ValueOK(); ok {
		r.ValidFrom = truncate(v)
	}
	if v, ok := in.ValidUntil.ValueOK(); ok {
		r.ValidUntil = truncate(v)
	}
	if v, ok := in.Weekdays.ValueOK(); ok {
		if v != nil && len(v) == 0 {
			errs = append(errs, apperr.Invalid(path+".weekdays", "must list at least one day, or be null for every day"))
		}
		r.Weekdays = access.WeekdaysOf(v)
	}
	if r.ValidFrom != nil && r.ValidUntil != nil && !r.ValidUntil.After(*r.ValidFrom) {
		errs = append(errs, apperr.Invalid(path+".validUntil", "must be after validFrom"))
	}
	from, fromErr := clock(in.DailyFrom, r.DailyFrom, false, path+".dailyFrom")
	until, untilErr := clock(in.DailyUntil, r.DailyUntil, true, path+".dailyUntil")
	r.DailyFrom, r.DailyUntil = from, until
	switch {
	case fromErr != nil || untilErr != nil:
		// A window with an unreadable end has no shape to judge.
		for _, err := range []*apperr.Error{fromErr, untilErr} {
			if err != nil {
				errs = append(errs, err)
			}
		}
	case from != nil && until == nil:
		errs = append(errs, apperr.Invalid(path+".dailyUntil", "is required with dailyFrom"))
	case from == nil && until != nil:
		errs = append(errs, apperr.Invalid(path+".dailyFrom", "is required with dailyUntil"))
	case from != nil && *from == *until:
		errs = append(errs, apperr.Invalid(path+".dailyUntil", "must differ from dailyFrom (an empty window would never open)"))
	}
	return r, errs
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

func clock(in graphql.Omittable[*string], old *access.Minute, allowEnd bool, field string) (*access.Minute, *apperr.Error) {
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
