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
	"github.com/latchkey/latchkey/internal/text"
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
		field.String("name").
			Default("admin").
			MaxRuneLen(200).
			Validate(text.Check).
			Comment("What the token is for, as its creator named it; for an APP token, the user's device or app."),
		field.String("token_hash").Unique().Sensitive().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("kind").
			GoType(enum.TokenKind("")).
			Immutable().
			Comment("What the token is: API (named, with a role), SESSION (an admin signed in) or APP (acts as its user). Always stated, never inferred.").
			Annotations(entgql.Type("TokenKind"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Enum("role").
			GoType(enum.AdminRole("")).
			Optional().
			Nillable().
			Comment("The role of an API token; empty for every other kind.").
			Annotations(entgql.Type("AdminRole"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("admin_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Comment("The admin a SESSION belongs to; empty for every other kind.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("expires_at").
			Optional().
			Nillable().
			Comment("When the token stops working; none for a token that does not expire."),
		field.Time("last_used_at").
			Optional().
			Nillable().
			Comment("When the token was last used, updated at most once a minute.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("user_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Comment("The user an APP token acts as; empty for every other kind.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("created_by_id").
			GoType(pulid.ID("")).
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Type("ID"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The admin or token that created the token; empty for a token made by the server (the first owner token, a session, an app token)."),
		field.String("created_by_name").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The name of the admin or token that created the token, as it was then."),
	}
}

func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		// A user's tokens are deleted with the user: a token without its
		// owner must not survive as something else.
		edge.To("user", User.Type).Field("user_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The user an APP token acts as; null for every other kind."),
		edge.To("admin", Admin.Type).Field("admin_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
	}
}

func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
		// Each kind has exactly its own owner column.
		entsql.Checks(map[string]string{"api_tokens_kind_owner": "(((kind = 'APP') = (user_id IS NOT NULL)) AND ((kind = 'SESSION') = (admin_id IS NOT NULL)) AND ((kind = 'API') = (role IS NOT NULL)))"}),
	}
}

// Policy keeps the rows of one account to that account; which tokens a
// role sees is auth's scope.
func (APIToken) Policy() ent.Policy { return auth.TenantPolicy() }
