package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// WebhookDelivery is one event on its way to one endpoint: written by the
// dispatcher (internal/webhook) once per event and endpoint, claimed by a
// sender with a lease, retried with backoff until the endpoint answers
// 2xx or the attempts run out.
type WebhookDelivery struct{ ent.Schema }

func (WebhookDelivery) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "whd"}, timeMixin{}, tenantMixin{covered: true}}
}

func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.String("endpoint_id").GoType(pulid.ID("")).Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("event_id").Immutable().
			Comment("The event's id, as subscriptions show it; the same for every endpoint that receives the event."),
		field.Enum("event_type").GoType(enum.AuditAction("")).Immutable().
			Annotations(entgql.Type("AuditAction")).
			Comment("The kind of write the event reports."),
		field.Text("payload").Immutable().
			Comment("The JSON body that is posted (type, timestamp and data with the IDs of what changed), byte for byte as signed."),
		field.Enum("status").GoType(enum.WebhookDeliveryStatus("")).Default(string(enum.WebhookPending)).
			Annotations(entgql.Type("WebhookDeliveryStatus")).
			Comment("How far the delivery has got."),
		field.Int("attempts").Default(0).
			Comment("How many times it was posted."),
		field.Time("next_attempt_at").
			Comment("When it is posted next, while PENDING."),
		field.Time("lease_until").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("A sender has claimed the delivery until then; past it, another may retry."),
		field.Time("last_attempt_at").Optional().Nillable().
			Comment("When it was last posted."),
		field.Int("last_status_code").Optional().Nillable().
			Comment("The HTTP status of the last attempt; empty when none came (no connection, a timeout)."),
		field.Int("last_duration_ms").Optional().Nillable().
			Comment("How long the last attempt took, in milliseconds, from connecting to the end of the answer."),
		field.String("last_error").Optional().Nillable().
			Comment("Why the last attempt failed, as far as the server can tell without exposing the receiver's answer."),
		field.Time("delivered_at").Optional().Nillable().
			Comment("When the endpoint accepted it with a 2xx status."),
	}
}

func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("endpoint", WebhookEndpoint.Type).Ref("deliveries").Field("endpoint_id").Unique().Required().Immutable().
			Comment("The endpoint it goes to."),
	}
}

func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		// One delivery per event and endpoint, however often the feed is
		// read.
		index.Fields("endpoint_id", "event_id").Unique(),
		index.Fields("status", "next_attempt_at"),
		index.Fields("account_id", "created_at"),
	}
}

func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy keeps the rows of one account to that account.
func (WebhookDelivery) Policy() ent.Policy { return auth.TenantPolicy() }
