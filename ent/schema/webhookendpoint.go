package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/text"
)

// skipInputs leaves a field out of the generated mutation inputs: the
// webhook mutations take hand-written inputs (schema/webhook.graphql).
var skipInputs = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// WebhookEndpoint is a URL of an integration that receives the account's
// events, signed with a secret of its own (internal/webhook). The secret
// is sealed at rest; during a rotation the previous one signs beside it
// until previous_secret_until.
type WebhookEndpoint struct{ ent.Schema }

func (WebhookEndpoint) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "whe"}, timeMixin{}, tenantMixin{}}
}

func (WebhookEndpoint) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").
			MaxLen(2048).
			Annotations(entgql.Type("String"), skipInputs).
			Comment("Where the events are posted: an http or https URL whose host is not a loopback, private, link-local or otherwise internal address."),
		field.String("description").
			Optional().
			Nillable().
			MaxRuneLen(500).
			Validate(text.Check).
			Annotations(skipInputs).
			Comment("What the endpoint is for, as its creator described it."),
		field.JSON("event_types", []enum.AuditAction{}).
			Annotations(entgql.Type("[AuditAction!]"), skipInputs).
			Comment("The kinds of write the endpoint receives; each is sent as the action in lower case with dots for underscores (PERMISSIONS_GRANTED as \"permissions.granted\")."),
		field.Bool("enabled").
			Default(true).
			Annotations(skipInputs).
			Comment("Whether events are sent; a disabled endpoint receives nothing, and its waiting deliveries resume when it is enabled again."),
		field.Time("disabled_at").
			Optional().
			Nillable().
			Annotations(skipInputs).
			Comment("When the endpoint was disabled; empty while it is enabled."),
		field.String("disabled_reason").
			Optional().
			Nillable().
			Annotations(skipInputs).
			Comment("Why the endpoint was disabled: by an admin, or by the server after its deliveries failed for about a day (with the last error)."),
		field.String("secret_key_id").
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bytes("sealed_secret").
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("The signing secret, sealed (AES-256-GCM) under secret_key_id and bound to the row."),
		field.Bytes("previous_sealed_secret").
			Optional().
			Nillable().
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("The secret before the last rotation, sealed like sealed_secret; it signs beside the new one until previous_secret_until."),
		field.String("previous_secret_key_id").
			Optional().
			Nillable().
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("previous_secret_until").
			Optional().
			Nillable().
			Annotations(skipInputs).
			Comment("Until when the secret before the last rotation still signs every delivery beside the current one; empty when there is none."),
	}
}

func (WebhookEndpoint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("deliveries", WebhookDelivery.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.RelayConnection(),
				entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The endpoint's deliveries, newest first: each event sent to it, with the outcome of its last attempt."),
	}
}

func (WebhookEndpoint) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy keeps the rows of one account to that account.
func (WebhookEndpoint) Policy() ent.Policy { return auth.TenantPolicy() }
