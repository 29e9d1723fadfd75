package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// outboxPlainKey marks a mail queued in plain text (internal/outbox.PlainKey):
// the column's default, so that rows from before sealing, and rows an
// older instance writes during an upgrade, say what they are.
const outboxPlainKey = "plain"

// Outbox is a mail waiting to be sent, written in the same transaction as
// what it announces; background senders on any instance deliver it.
type Outbox struct{ ent.Schema }

func (Outbox) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "mail"}, timeMixin{}, tenantMixin{}}
}

func (Outbox) Fields() []ent.Field {
	return []ent.Field{
		field.String("invitation_id").GoType(pulid.ID("")).Optional().Nillable().Immutable(),
		field.String("to_address"),
		field.String("to_name").Default(""),
		field.String("subject"),
		field.String("key_id").
			Annotations(entsql.Default(outboxPlainKey)).
			Comment(`The key that sealed the bodies; "plain" for a mail queued in plain text by a version before sealing.`),
		field.Bytes("sealed_body").Optional().Sensitive().
			Comment("The text and HTML bodies, sealed (AES-256-GCM) under key_id: they hold the invitation code. Cleared once sent or given up."),
		field.Text("text_body").Default("").Sensitive().
			Comment(`The plain-text body of a mail queued under key "plain", empty otherwise; emptied once sent or given up.`),
		field.Text("html_body").Default("").Sensitive().
			Comment(`The HTML body of a mail queued under key "plain", empty otherwise; emptied once sent or given up.`),
		field.Enum("status").GoType(enum.DeliveryStatus("")).Default(string(enum.DeliveryQueued)),
		field.Int("attempts").Default(0),
		field.String("last_error").Optional().Nillable(),
		field.Time("next_attempt_at"),
		field.Time("lease_until").Optional().Nillable().
			Comment("A sender has claimed the mail until then; past it, another may retry."),
		field.Time("sent_at").Optional().Nillable(),
	}
}

func (Outbox) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("invitation", Invitation.Type).Ref("mails").Field("invitation_id").Unique().Immutable(),
	}
}

func (Outbox) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "next_attempt_at")}
}

func (Outbox) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy keeps the rows of one account to that account.
func (Outbox) Policy() ent.Policy { return auth.TenantPolicy() }
