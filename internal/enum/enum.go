// Package enum holds the enumerations shared by the Ent schema and the
// GraphQL contract. Each type stores its GraphQL name in the database, so the
// two never need a mapping table.
package enum

import (
	"fmt"
	"io"
	"slices"

	"github.com/latchkey/latchkey/internal/quote"
)

// Language is the language of a user's mails and of an invitation.
type Language string

// Languages a mail can be written in.
const (
	LanguageEN Language = "EN"
	LanguageDE Language = "DE"
	LanguageES Language = "ES"
	LanguageFR Language = "FR"
	LanguageIT Language = "IT"
	LanguageNL Language = "NL"
	LanguageCS Language = "CS"
	LanguageSK Language = "SK"
)

// DeviceType is the kind of hardware a device is.
type DeviceType string

// Device types.
const (
	DeviceTypeSmartLock DeviceType = "SMART_LOCK"
	DeviceTypeOpener    DeviceType = "OPENER"
	DeviceTypeSmartDoor DeviceType = "SMART_DOOR"
	DeviceTypeBox       DeviceType = "BOX"
)

// Origin tells where a user record came from.
type Origin string

// Origins.
const (
	OriginWeb Origin = "WEB"
	OriginApp Origin = "APP"
)

// PermissionStatus is the life-cycle state of a permission.
type PermissionStatus string

// Permission states.
const (
	PermissionPending PermissionStatus = "PENDING"
	PermissionActive  PermissionStatus = "ACTIVE"
	PermissionRevoked PermissionStatus = "REVOKED"
)

// InvitationStatus is the life-cycle state of an invitation. EXPIRED is
// never stored: it is derived from expiresAt by the server's clock.
type InvitationStatus string

// Invitation states.
const (
	InvitationPending  InvitationStatus = "PENDING"
	InvitationRedeemed InvitationStatus = "REDEEMED"
	InvitationExpired  InvitationStatus = "EXPIRED"
	InvitationRevoked  InvitationStatus = "REVOKED"
)

// DeliveryStatus tells how far an invitation mail has got.
type DeliveryStatus string

// Delivery states.
const (
	// DeliveryNone: no mail is sent; the caller delivers the code itself.
	DeliveryNone   DeliveryStatus = "NONE"
	DeliveryQueued DeliveryStatus = "QUEUED"
	DeliverySent   DeliveryStatus = "SENT"
	DeliveryFailed DeliveryStatus = "FAILED"
	// DeliveryLogged: the log mailer wrote the mail to the server's log;
	// no one received it.
	DeliveryLogged DeliveryStatus = "LOGGED"
)

// DeliveryMethod is how an invitation code reaches the invited person.
type DeliveryMethod string

// Delivery methods.
const (
	DeliveryEmail DeliveryMethod = "EMAIL"
	// DeliveryByCaller returns the code once to the caller, who delivers it.
	DeliveryByCaller DeliveryMethod = "NONE"
)

// LockAction is what a user asks a device to do.
type LockAction string

// Lock actions.
const (
	ActionUnlock  LockAction = "UNLOCK"
	ActionLock    LockAction = "LOCK"
	ActionUnlatch LockAction = "UNLATCH"
)

// LockState is a device's lock state, as the device reports it.
type LockState string

// Lock states.
const (
	LockLocked    LockState = "LOCKED"
	LockUnlocked  LockState = "UNLOCKED"
	LockUnlatched LockState = "UNLATCHED"
)

// AccessReason explains an access decision; the names match access.Reason.
type AccessReason string

// DeviceOutcome is what became of a request to operate a device.
type DeviceOutcome string

// Device outcomes. An allowed request is recorded as sent before the
// device is asked, and its answer is recorded after.
const (
	OutcomeRefused DeviceOutcome = "REFUSED"
	OutcomeSent    DeviceOutcome = "SENT"
	OutcomeDone    DeviceOutcome = "DONE"
	OutcomeFailed  DeviceOutcome = "FAILED"
)

// Weekday is a day of the week in GraphQL form.
type Weekday string

// Weekdays, Monday first.
const (
	Monday    Weekday = "MONDAY"
	Tuesday   Weekday = "TUESDAY"
	Wednesday Weekday = "WEDNESDAY"
	Thursday  Weekday = "THURSDAY"
	Friday    Weekday = "FRIDAY"
	Saturday  Weekday = "SATURDAY"
	Sunday    Weekday = "SUNDAY"
)

var (
	languages          = []Language{LanguageEN, LanguageDE, LanguageES, LanguageFR, LanguageIT, LanguageNL, LanguageCS, LanguageSK}
	deviceTypes        = []DeviceType{DeviceTypeSmartLock, DeviceTypeOpener, DeviceTypeSmartDoor, DeviceTypeBox}
	origins            = []Origin{OriginWeb, OriginApp}
	permissionStatuses = []PermissionStatus{PermissionPending, PermissionActive, PermissionRevoked}
	invitationStatuses = []InvitationStatus{InvitationPending, InvitationRedeemed, InvitationExpired, InvitationRevoked}
	deliveryStatuses   = []DeliveryStatus{DeliveryNone, DeliveryQueued, DeliverySent, DeliveryFailed, DeliveryLogged}
	deliveryMethods    = []DeliveryMethod{DeliveryEmail, DeliveryByCaller}
	lockActions        = []LockAction{ActionUnlock, ActionLock, ActionUnlatch}
	lockStates         = []LockState{LockLocked, LockUnlocked, LockUnlatched}
	deviceOutcomes     = []DeviceOutcome{OutcomeRefused, OutcomeSent, OutcomeDone, OutcomeFailed}
	accessReasons      = []AccessReason{"ALLOWED", "NO_PERMISSION", "PENDING_INVITATION", "REVOKED", "DISABLED", "NOT_YET_VALID", "EXPIRED", "WRONG_WEEKDAY", "OUTSIDE_TIME_WINDOW", "REMOTE_NOT_ALLOWED"}
	// AllWeekdays lists the days Monday first, the order of the vendor bitmask.
	AllWeekdays = []Weekday{Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday}
)

func names[T ~string](all []T) []string {
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = string(v)
	}
	return out
}

func unmarshal[T ~string](dst *T, v any, all []T) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum must be a string, got %T", v)
	}
	if !slices.Contains(all, T(s)) {
		return fmt.Errorf("%q is not a valid value", s)
	}
	*dst = T(s)
	return nil
}

func marshal[T ~string](w io.Writer, v T) { quote.JSON(w, string(v)) }

// Values lists the valid languages (used by Ent for the column check).
func (Language) Values() []string { return names(languages) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *Language) UnmarshalGQL(v any) error { return unmarshal(e, v, languages) }

// MarshalGQL implements graphql.Marshaler.
func (e Language) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid device types.
func (DeviceType) Values() []string { return names(deviceTypes) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *DeviceType) UnmarshalGQL(v any) error { return unmarshal(e, v, deviceTypes) }

// MarshalGQL implements graphql.Marshaler.
func (e DeviceType) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid origins.
func (Origin) Values() []string { return names(origins) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *Origin) UnmarshalGQL(v any) error { return unmarshal(e, v, origins) }

// MarshalGQL implements graphql.Marshaler.
func (e Origin) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid permission states.
func (PermissionStatus) Values() []string { return names(permissionStatuses) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *PermissionStatus) UnmarshalGQL(v any) error { return unmarshal(e, v, permissionStatuses) }

// MarshalGQL implements graphql.Marshaler.
func (e PermissionStatus) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid invitation states.
func (InvitationStatus) Values() []string { return names(invitationStatuses) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *InvitationStatus) UnmarshalGQL(v any) error { return unmarshal(e, v, invitationStatuses) }

// MarshalGQL implements graphql.Marshaler.
func (e InvitationStatus) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid delivery states.
func (DeliveryStatus) Values() []string { return names(deliveryStatuses) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *DeliveryStatus) UnmarshalGQL(v any) error { return unmarshal(e, v, deliveryStatuses) }

// MarshalGQL implements graphql.Marshaler.
func (e DeliveryStatus) MarshalGQL(w io.Writer) { marshal(w, e) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *DeliveryMethod) UnmarshalGQL(v any) error { return unmarshal(e, v, deliveryMethods) }

// MarshalGQL implements graphql.Marshaler.
func (e DeliveryMethod) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid actions.
func (LockAction) Values() []string { return names(lockActions) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *LockAction) UnmarshalGQL(v any) error { return unmarshal(e, v, lockActions) }

// MarshalGQL implements graphql.Marshaler.
func (e LockAction) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid lock states.
func (LockState) Values() []string { return names(lockStates) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *LockState) UnmarshalGQL(v any) error { return unmarshal(e, v, lockStates) }

// MarshalGQL implements graphql.Marshaler.
func (e LockState) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid reasons.
func (AccessReason) Values() []string { return names(accessReasons) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *AccessReason) UnmarshalGQL(v any) error { return unmarshal(e, v, accessReasons) }

// MarshalGQL implements graphql.Marshaler.
func (e AccessReason) MarshalGQL(w io.Writer) { marshal(w, e) }

// Values lists the valid device outcomes.
func (DeviceOutcome) Values() []string { return names(deviceOutcomes) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *DeviceOutcome) UnmarshalGQL(v any) error { return unmarshal(e, v, deviceOutcomes) }

// MarshalGQL implements graphql.Marshaler.
func (e DeviceOutcome) MarshalGQL(w io.Writer) { marshal(w, e) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *Weekday) UnmarshalGQL(v any) error { return unmarshal(e, v, AllWeekdays) }

// MarshalGQL implements graphql.Marshaler.
func (e Weekday) MarshalGQL(w io.Writer) { marshal(w, e) }
