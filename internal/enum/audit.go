package enum

import "io"

// AuditAction is what an audit record says was done.
type AuditAction string

// Audit actions, one per kind of write. Every write of the API appends
// exactly one record with one of these.
const (
	AuditUserCreated        AuditAction = "USER_CREATED"
	AuditUserUpdated        AuditAction = "USER_UPDATED"
	AuditUserDeleted        AuditAction = "USER_DELETED"
	AuditDeviceCreated      AuditAction = "DEVICE_CREATED"
	AuditDeviceUpdated      AuditAction = "DEVICE_UPDATED"
	AuditDeviceDeleted      AuditAction = "DEVICE_DELETED"
	AuditPermissionsGranted AuditAction = "PERMISSIONS_GRANTED"
	AuditPermissionUpdated  AuditAction = "PERMISSION_UPDATED"
	AuditPermissionRevoked  AuditAction = "PERMISSION_REVOKED"
	AuditInvitationResent   AuditAction = "INVITATION_RESENT"
	AuditInvitationRedeemed AuditAction = "INVITATION_REDEEMED"
	AuditAdminInvited       AuditAction = "ADMIN_INVITED"
	AuditAdminUpdated       AuditAction = "ADMIN_UPDATED"
	AuditAdminDeleted       AuditAction = "ADMIN_DELETED"
	AuditAdminPasswordSet   AuditAction = "ADMIN_PASSWORD_SET"
	AuditSignedIn           AuditAction = "SIGNED_IN"
	AuditSignInFailed       AuditAction = "SIGN_IN_FAILED"
	AuditSignedOut          AuditAction = "SIGNED_OUT"
	AuditAPITokenCreated    AuditAction = "API_TOKEN_CREATED"
	AuditAPITokenRevoked    AuditAction = "API_TOKEN_REVOKED"
	AuditAppTokenRevoked    AuditAction = "APP_TOKEN_REVOKED"
	AuditDeviceOperated     AuditAction = "DEVICE_OPERATED"

	AuditWebhookEndpointCreated  AuditAction = "WEBHOOK_ENDPOINT_CREATED"
	AuditWebhookEndpointUpdated  AuditAction = "WEBHOOK_ENDPOINT_UPDATED"
	AuditWebhookEndpointDisabled AuditAction = "WEBHOOK_ENDPOINT_DISABLED"
	AuditWebhookEndpointEnabled  AuditAction = "WEBHOOK_ENDPOINT_ENABLED"
	AuditWebhookEndpointDeleted  AuditAction = "WEBHOOK_ENDPOINT_DELETED"
	AuditWebhookSecretRotated    AuditAction = "WEBHOOK_SECRET_ROTATED"
	AuditWebhookRedelivered      AuditAction = "WEBHOOK_REDELIVERED"
)

var auditActions = []AuditAction{
	AuditUserCreated, AuditUserUpdated, AuditUserDeleted,
	AuditDeviceCreated, AuditDeviceUpdated, AuditDeviceDeleted,
	AuditPermissionsGranted, AuditPermissionUpdated, AuditPermissionRevoked,
	AuditInvitationResent, AuditInvitationRedeemed,
	AuditAdminInvited, AuditAdminUpdated, AuditAdminDeleted, AuditAdminPasswordSet,
	AuditSignedIn, AuditSignInFailed, AuditSignedOut,
	AuditAPITokenCreated, AuditAPITokenRevoked, AuditAppTokenRevoked,
	AuditDeviceOperated,
	AuditWebhookEndpointCreated, AuditWebhookEndpointUpdated, AuditWebhookEndpointDisabled,
	AuditWebhookEndpointEnabled, AuditWebhookEndpointDeleted, AuditWebhookSecretRotated,
	AuditWebhookRedelivered,
}

// AuditActions lists every audit action, in the order of the contract.
func AuditActions() []AuditAction { return append([]AuditAction(nil), auditActions...) }

// Values lists the valid audit actions (used by Ent for the column check).
func (AuditAction) Values() []string { return names(auditActions) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *AuditAction) UnmarshalGQL(v any) error { return unmarshal(e, v, auditActions) }

// MarshalGQL implements graphql.Marshaler.
func (e AuditAction) MarshalGQL(w io.Writer) { marshal(w, e) }

// ActorKind is who did what an audit record says: what credential the
// request came with, or the server itself.
type ActorKind string

// Actor kinds.
const (
	// ActorAdmin is a signed-in admin (a session).
	ActorAdmin ActorKind = "ADMIN"
	// ActorAPIToken is an API token of the account.
	ActorAPIToken ActorKind = "API_TOKEN"
	// ActorAppToken is a user's app token.
	ActorAppToken ActorKind = "APP_TOKEN"
	// ActorSystem is the server acting on its own: its command line, a
	// caller without a token whom the server let act (redeeming an
	// invitation code), or a failed sign-in.
	ActorSystem ActorKind = "SYSTEM"
)

var actorKinds = []ActorKind{ActorAdmin, ActorAPIToken, ActorAppToken, ActorSystem}

// Values lists the valid actor kinds.
func (ActorKind) Values() []string { return names(actorKinds) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *ActorKind) UnmarshalGQL(v any) error { return unmarshal(e, v, actorKinds) }

// MarshalGQL implements graphql.Marshaler.
func (e ActorKind) MarshalGQL(w io.Writer) { marshal(w, e) }
