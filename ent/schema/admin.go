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
	"github.com/latchkey/latchkey/internal/text"
)

// Admin is a person who administers one account, with a role. An invited
// admin has no password until they set one.
type Admin struct{ ent.Schema }

func (Admin) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "adm"}, timeMixin{}, tenantMixin{}, versionMixin{}}
}

func (Admin) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxRuneLen(200).
			Validate(text.Check).
			Annotations(entgql.OrderField("NAME")).
			Comment("The admin's full name."),
		field.String("email").
			MaxLen(254).
			Validate(validateEmail).
			Validate(text.Check).
			Annotations(entgql.OrderField("EMAIL")).
			Comment("The admin's email address, unique within the account ignoring case; stored in lower case."),
		field.Enum("role").
			GoType(enum.AdminRole("")).
			Annotations(entgql.Type("AdminRole")).
			Comment("What the admin may do: OWNER everything, ADMIN users, devices, permissions and invitations, VIEWER read only."),
		field.String("password_hash").
			Optional().
			Nillable().
			Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("The argon2id hash of the password, in its encoded form; none until the admin sets one."),
		field.Bool("disabled").
			Default(false).
			Comment("A disabled admin cannot sign in, and its sessions stop."),
		field.Enum("language").
			GoType(enum.Language("")).
			Default(string(enum.LanguageEN)).
			Annotations(entgql.Type("Language")).
			Comment("The language of the admin's mails: the one it was invited in (EN for admins from before it was kept)."),
		field.Time("last_sign_in_at").
			Optional().
			Nillable().
			Comment("When the admin last signed in."),
	}
}

func (Admin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("sessions", APIToken.Type).
			Ref("admin").
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
		// An admin's set-password codes go with it (see AdminCode).
		edge.From("codes", AdminCode.Type).
			Ref("admin").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// AdminEmailIndex is the unique index of an admin's email within an
// account; the error presenter names it.
const AdminEmailIndex = "admin_account_id_email"

func (Admin) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "email").Unique().StorageKey(AdminEmailIndex),
	}
}

func (Admin) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

// Policy keeps the rows of one account to that account.
func (Admin) Policy() ent.Policy { return auth.TenantPolicy() }

// Hooks store emails folded like users' emails and refuse every invalid
// field at once.
func (Admin) Hooks() []ent.Hook { return []ent.Hook{foldEmail, allFieldErrors} }
