package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/pulid"
)

// APIToken is a credential of one account. Only a hash of the secret is kept.
type APIToken struct{ ent.Schema }

func (APIToken) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "tok"}, timeMixin{}, tenantMixin{}}
}

func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Default("admin"),
		field.String("token_hash").Unique().Sensitive().Immutable(),
		field.String("user_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Comment("Set for a token that acts as one user (from a redeemed invitation); empty for an admin token."),
	}
}

func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Immutable(),
	}
}

func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy keeps the rows of one account to that account.
func (APIToken) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
