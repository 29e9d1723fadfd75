package schema

import (
	"context"
	"net/mail"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/text"
)

// User is a person who gets access to devices of the account.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "usr"}, timeMixin{}, tenantMixin{}, versionMixin{}}
}

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxRuneLen(200).
			Validate(text.Check).
			Annotations(entgql.OrderField("NAME")).
			Comment("The user's full name."),
		field.String("email").
			MaxLen(254).
			Validate(validateEmail).
			Validate(text.Check).
			Annotations(entgql.OrderField("EMAIL")).
			Comment("The user's email address, unique within the account ignoring case; stored in lower case."),
		field.Enum("language").
			GoType(enum.Language("")).
			Default(string(enum.LanguageEN)).
			Annotations(entgql.Type("Language")).
			Comment("The language of the user's mails. Defaults to EN."),
		field.Enum("origin").
			GoType(enum.Origin("")).
			Default(string(enum.OriginWeb)).
			Immutable().
			Annotations(entgql.Type("Origin"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("Where the user was created: WEB for users created through this API."),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("permissions", Permission.Type).
			Annotations(
				entsql.OnDelete(entsql.Cascade),
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			).
			Comment("The user's permissions, one per device."),
		edge.To("invitations", Invitation.Type).
			Annotations(
				entsql.OnDelete(entsql.Cascade),
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			).
			Comment("The invitations sent to the user, one per grant."),
		edge.To("events", AccessEvent.Type).
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("Decisions on the user's requests to operate devices, newest first."),
		edge.From("tokens", APIToken.Type).
			Ref("user").
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The user's app tokens, one per redeemed invitation."),
	}
}

// UserEmailIndex is the unique index of an email within an account; the
// GraphQL error presenter names it to the client (graph/constraints.go).
const UserEmailIndex = "user_account_id_email"

func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "email").Unique().StorageKey(UserEmailIndex),
	}
}

func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// validateEmail accepts a bare address ("ada@example.com"), not a display
// name form, so that what is stored is exactly what mail is sent to.
func validateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return errBadEmail
	}
	return nil
}

// Policy keeps the rows of one account to that account.
func (User) Policy() ent.Policy { return auth.TenantPolicy() }

// Hooks store emails trimmed and in lower case, so that the unique index on
// (account, email) ignores case, and then report every invalid field.
func (User) Hooks() []ent.Hook { return []ent.Hook{foldEmail, allFieldErrors} }

// foldEmail stores an email trimmed and in lower case.
func foldEmail(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if um, ok := m.(interface {
			Email() (string, bool)
			SetEmail(string)
		}); ok {
			if e, set := um.Email(); set {
				um.SetEmail(strings.ToLower(strings.TrimSpace(e)))
			}
		}
		return next.Mutate(ctx, m)
	})
}
