package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/text"
)

// Account is the tenant: every other row belongs to exactly one account.
type Account struct{ ent.Schema }

func (Account) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "acc"}, timeMixin{}}
}

func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxRuneLen(200).
			Validate(text.Check).
			Comment("The account's display name, shown in invitation mails."),
	}
}

func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}

// Policy keeps the rows of one account to that account.
func (Account) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
