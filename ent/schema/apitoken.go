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

// APIToken is a credential of one account. Only a hash of the secret is
// kept. Its kind says what it is, and the kind decides which owner column
// is set: an API token has a role of its own, a SESSION names its admin
// (whose role it has) and an APP token its user; a token goes with its
// admin or user.
type APIToken struct{ ent.Schema }

func (APIToken) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "tok"}, timeMixin{}, tenantMixin{}}
}

func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Default("admin"),
		field.String("token_hash").Unique().Sensitive().Immutable(),
		field.Enum("kind").
			GoType(enum.TokenKind("")).
			Immutable().
			Comment("What the token is: API (named, with a role), SESSION (an admin signed in) or APP (acts as its user). Always stated, never inferred."),
		field.Enum("role").
			GoType(enum.AdminRole("")).
			Optional().
			Nillable().
			Comment("The role of an API token; empty for every other kind."),
		field.String("admin_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Comment("The admin a SESSION belongs to; empty for every other kind."),
		field.Time("expires_at").
			Optional().
			Nillable().
			Comment("When the token stops working; none for a token that does not expire."),
		field.Time("last_used_at").
			Optional().
			Nillable().
			Comment("When the token was last used, updated at most once a minute."),
		field.String("user_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Comment("The user an APP token acts as; empty for every other kind."),
	}
}

func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		// A user's tokens are deleted with the user: a token without its
		// owner must not survive as something else.
		edge.To("user", User.Type).Field("user_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("admin", Admin.Type).Field("admin_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		// Each kind has exactly its own owner column.
		entsql.Checks(map[string]string{"api_tokens_kind_owner": "(((kind = 'APP') = (user_id IS NOT NULL)) AND ((kind = 'SESSION') = (admin_id IS NOT NULL)) AND ((kind = 'API') = (role IS NOT NULL)))"}),
	}
}

// Policy keeps the rows of one account to that account.
func (APIToken) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
