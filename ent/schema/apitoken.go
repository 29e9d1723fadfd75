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
// kept. Its kind says what it is; an APP token names its user and goes
// with that user, an ADMIN token names none.
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
			Comment("What the token is: ADMIN administers the account, APP acts as its user. Always stated, never inferred."),
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
	}
}

func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		// Exactly the APP tokens have a user.
		entsql.Checks(map[string]string{"api_tokens_kind_user": "((kind = 'APP') = (user_id IS NOT NULL))"}),
	}
}

// Policy keeps the rows of one account to that account.
func (APIToken) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
