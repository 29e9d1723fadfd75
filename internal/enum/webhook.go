package enum

import (
	"io"
	"strings"
)

// WebhookDeliveryStatus is how far one webhook delivery has got.
type WebhookDeliveryStatus string

// Webhook delivery states.
const (
	// WebhookPending waits for its next attempt.
	WebhookPending WebhookDeliveryStatus = "PENDING"
	// WebhookDelivered was answered with a 2xx status.
	WebhookDelivered WebhookDeliveryStatus = "DELIVERED"
	// WebhookFailed was given up after its last attempt (its endpoint is
	// disabled then); redeliverWebhook queues it again.
	WebhookFailed WebhookDeliveryStatus = "FAILED"
)

var webhookDeliveryStatuses = []WebhookDeliveryStatus{WebhookPending, WebhookDelivered, WebhookFailed}

// Values lists the valid delivery states (used by Ent for the column check).
func (WebhookDeliveryStatus) Values() []string { return names(webhookDeliveryStatuses) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *WebhookDeliveryStatus) UnmarshalGQL(v any) error {
	return unmarshal(e, v, webhookDeliveryStatuses)
}

// MarshalGQL implements graphql.Marshaler.
func (e WebhookDeliveryStatus) MarshalGQL(w io.Writer) { marshal(w, e) }

// EventType is the type a webhook's payload names for an audit action:
// the action in lower case with dots for underscores
// (PERMISSIONS_GRANTED is "permissions.granted").
func (a AuditAction) EventType() string {
	return strings.ReplaceAll(strings.ToLower(string(a)), "_", ".")
}
