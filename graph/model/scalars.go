package model

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/instant"
	"github.com/latchkey/latchkey/internal/text"
)

// The scalars below are bound in gqlgen.yml so that every input of their
// type passes one check. Their errors are BAD_USER_INPUT without a field:
// the error presenter names the field from where gqlgen met the value
// (graph/errors.go).

// MarshalTime writes an instant in RFC 3339 in UTC, so that both databases
// answer alike. The zero instant is null, as in gqlgen's own Time.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t.UTC()) }

// UnmarshalTime reads an RFC 3339 instant within instant.Check's range and
// returns it in UTC.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errBadTime
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errBadTime
	}
	if t, err = instant.Check(t); err != nil {
		return time.Time{}, apperr.New(apperr.BadUserInput, "%s", err)
	}
	return t, nil
}

var errBadTime = apperr.New(apperr.BadUserInput, "must be an RFC 3339 time such as 2026-03-01T08:00:00Z")

// MarshalString is gqlgen's; String is bound here for its input side.
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString refuses text with NUL characters, which PostgreSQL cannot
// store or compare, on both databases alike.
func UnmarshalString(v any) (string, error) {
	s, err := graphql.UnmarshalString(v)
	if err != nil {
		return "", apperr.New(apperr.BadUserInput, "must be a string")
	}
	if err := text.CheckNUL(s); err != nil {
		return "", apperr.New(apperr.BadUserInput, "%s", err)
	}
	return s, nil
}
