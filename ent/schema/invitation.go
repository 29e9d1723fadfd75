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
	"github.com/latchkey/latchkey/internal/pulid"
)

// Invitation delivers the permissions of one grant to a user with one code.
type Invitation struct{ ent.Schema }

func (Invitation) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "inv"}, timeMixin{}, tenantMixin{}}
}

func (Invitation) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").GoType(pulid.ID("")).Immutable(),
		field.String("code_hash").
			Unique().
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("language").
			GoType(enum.Language("")).
			Annotations(entgql.Type("Language")).
			Comment("The language the invitation mail is written in."),
		field.Enum("status").
			GoType(enum.InvitationStatus("")).
			Default(string(enum.InvitationPending)).
			// Exposed through a resolver that derives EXPIRED from expires_at.
			Annotations(entgql.Type("InvitationStatus"), entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)).
			Comment("PENDING until redeemed (REDEEMED) or revoked (REVOKED). EXPIRED is never stored."),
		field.Time("expires_at").
			Annotations(entgql.OrderField("EXPIRES_AT")).
			Comment("The code cannot be redeemed from this instant on: 48 hours after it was issued."),
		field.Enum("delivery").
			GoType(enum.DeliveryStatus("")).
			Default(string(enum.DeliveryQueued)).
			Annotations(entgql.Type("DeliveryStatus")).
			Comment("How far the invitation mail has got: QUEUED (waiting or retrying), SENT, FAILED (gave up), LOGGED (written to the server's log by a server without SMTP; no one received it), or NONE when the caller delivers the code itself."),
		field.Time("redeemed_at").
			Optional().
			Nillable().
			Comment("When the code was redeemed."),
	}
}

func (Invitation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("invitations").Field("user_id").Unique().Required().Immutable().
			Comment("The invited user."),
		edge.To("permissions", Permission.Type).
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.RelayConnection()).
			Comment("The permissions the code activates."),
		edge.To("mails", Outbox.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
	}
}

func (Invitation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// Policy keeps the rows of one account to that account.
func (Invitation) Policy() ent.Policy { return auth.TenantPolicy() }
