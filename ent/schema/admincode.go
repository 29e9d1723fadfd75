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
	"github.com/latchkey/latchkey/internal/pulid"
)

// AdminCode is a single-use code that lets an admin set a password: sent
// in an invitation, or printed by the reset-password command. Only a hash
// of it is kept.
type AdminCode struct{ ent.Schema }

func (AdminCode) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "acd"}, timeMixin{}, tenantMixin{}}
}

func (AdminCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("admin_id").GoType(pulid.ID("")).Immutable(),
		field.String("code_hash").Unique().Sensitive().Immutable(),
		field.Time("expires_at").Immutable().Comment("When the code stops working."),
		field.Time("used_at").Optional().Nillable().Comment("When the code set a password; it works once."),
	}
}

func (AdminCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("admin", Admin.Type).Field("admin_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

func (AdminCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("admin_id")}
}

func (AdminCode) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Annotation{Table: "admin_codes"}}
}

// Policy leaves these rows to the server itself (SystemContext).
func (AdminCode) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
