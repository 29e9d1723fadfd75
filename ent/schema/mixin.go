package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/latchkey/latchkey/internal/pulid"
)

// idMixin gives an entity an opaque, non-sequential ID with a type prefix.
type idMixin struct {
	mixin.Schema
	prefix string
}

func (m idMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(pulid.ID("")).
			DefaultFunc(func() pulid.ID { return pulid.New(m.prefix) }).
			Immutable(),
	}
}

// timeMixin records when a row was created and last changed.
type timeMixin struct{ mixin.Schema }

func (timeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("When the record was created."),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("When the record was last changed."),
	}
}

// tenantMixin ties a row to its account. The account is set from the
// caller's credentials and never changes; it is not part of the GraphQL
// contract because a caller only ever sees its own account.
type tenantMixin struct{ mixin.Schema }

func (tenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").
			GoType(pulid.ID("")).
			Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (tenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", Account.Type).
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (tenantMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id")}
}

// versionMixin counts the changes to a row, so that an update can say
// which version it was based on and fail when another change came first.
type versionMixin struct{ mixin.Schema }

func (versionMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").
			Default(1).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)).
			Comment("Goes up by one with every change. Pass it to an update mutation to refuse the update if someone else changed the record since you read it."),
	}
}

func (versionMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if vm, ok := m.(interface{ AddVersion(int) }); ok && m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) {
					vm.AddVersion(1)
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}
