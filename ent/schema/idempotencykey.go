package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
)

// IdempotencyKey remembers a create mutation by the key its caller sent,
// so that a retry returns the first answer instead of writing again.
type IdempotencyKey struct{ ent.Schema }

func (IdempotencyKey) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "idk"}, timeMixin{}, tenantMixin{}}
}

func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").MaxLen(200).Immutable(),
		field.String("operation").Immutable(),
		field.String("request_hash").Immutable().Comment("SHA-256 of the operation's input."),
		field.Strings("result_ids").Optional().Comment("The IDs the first execution returned."),
	}
}

func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "key").Unique().StorageKey("idempotencykey_account_id_key")}
}

func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy keeps the rows of one account to that account.
func (IdempotencyKey) Policy() ent.Policy { return auth.TenantPolicy() }
