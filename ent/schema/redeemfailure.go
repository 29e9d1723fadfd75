package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
)

// RedeemFailure records one failed redemption from a client address, so
// that every server instance limits guessing from that address together.
type RedeemFailure struct{ ent.Schema }

func (RedeemFailure) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "rdf"}}
}

func (RedeemFailure) Fields() []ent.Field {
	return []ent.Field{
		field.String("addr").MaxLen(64).Immutable().Comment("The bucket of the client's address (see RedeemBucket)."),
		field.Time("at").Default(time.Now).Immutable(),
	}
}

func (RedeemFailure) Indexes() []ent.Index {
	return []ent.Index{index.Fields("addr", "at")}
}

func (RedeemFailure) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Annotation{Table: "redeem_failures"}}
}

// Policy leaves these rows to the server itself (SystemContext).
func (RedeemFailure) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
