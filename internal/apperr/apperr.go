// Package apperr defines the errors Latchkey shows to API clients. Each
// carries one of the codes of the API contract; the GraphQL error presenter
// turns it into extensions.code, and masks every error that is not one of these.
package apperr

import "fmt"

// Code is the machine-readable class of an error (extensions.code).
type Code string

// The error codes of the API contract.
const (
	Unauthenticated   Code = "UNAUTHENTICATED"
	Forbidden         Code = "FORBIDDEN"
	NotFound          Code = "NOT_FOUND"
	BadUserInput      Code = "BAD_USER_INPUT"
	Conflict          Code = "CONFLICT"
	RateLimited       Code = "RATE_LIMITED"
	Throttled         Code = "THROTTLED" // the token's cost budget is spent for now
	InvitationInvalid Code = "INVITATION_INVALID"
	Internal          Code = "INTERNAL"
)

// The codes of the operation limits, which refuse a document before any
// resolver runs.
const (
	TokenLimitExceeded      Code = "TOKEN_LIMIT_EXCEEDED"
	InputLimitExceeded      Code = "INPUT_LIMIT_EXCEEDED"
	DepthLimitExceeded      Code = "DEPTH_LIMIT_EXCEEDED"
	AliasLimitExceeded      Code = "ALIAS_LIMIT_EXCEEDED"
	ComplexityLimitExceeded Code = "COMPLEXITY_LIMIT_EXCEEDED"
	// SubscriptionLimitExceeded refuses a subscription beyond a live
	// connection's share (LIVE_SUBSCRIPTIONS_PER_CONNECTION).
	SubscriptionLimitExceeded Code = "SUBSCRIPTION_LIMIT_EXCEEDED"
)

// Error is an error meant for the API client. Field names the input field
// at fault (a path such as "input.deviceIDs[3]") when there is one.
type Error struct {
	Code    Code
	Message string
	Field   string
	// RetryAfter is, for RATE_LIMITED and THROTTLED, the seconds to wait
	// before trying again.
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// New returns an error of the given code.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrUnauthenticated is returned when a call needs credentials it lacks.
var ErrUnauthenticated = New(Unauthenticated, "a valid API token is required")

// ErrForbidden is returned when the credentials do not allow the operation.
var ErrForbidden = New(Forbidden, "this token may not do that")

// ErrStaleVersion is returned when an update names a version the record
// has moved on from.
var ErrStaleVersion = &Error{Code: Conflict, Field: "version", Message: "the record has changed since this version was read; read it again and retry"}
