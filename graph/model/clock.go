package model

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/internal/access"
)

// MarshalClock writes a time of day as the API shows it, "HH:MM". With it
// bound to String (gqlgen.yml), Restrictions' daily window is read straight
// from access.Restrictions, a leaf field like any other.
func MarshalClock(m access.Minute) graphql.Marshaler {
	if m < 0 || int(m) >= len(clocks) {
		return graphql.MarshalString(access.FormatClock(int(m)))
	}
	return clocks[m]
}

// clocks holds the marshalled form of every time of day, so that a
// permission's window costs no allocation each time it is shown.
var clocks = func() (c [access.MinutesPerDay + 1]graphql.Marshaler) {
	for m := range c {
		c[m] = graphql.MarshalString(access.FormatClock(m))
	}
	return c
}()

// UnmarshalClock reads "HH:MM" ("24:00" included). gqlgen wants it for
// every type bound to String; inputs take times of day as strings and
// check them in internal/grant, whose errors name the field.
func UnmarshalClock(v any) (access.Minute, error) {
	s, ok := v.(string)
	if !ok {
		return 0, access.ErrClock
	}
	m, err := access.ParseClock(s, true)
	return access.Minute(m), err
}
