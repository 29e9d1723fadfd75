package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
)

// RedeemBucket is the row that attempts to redeem from one client address
// (or IPv6 /64) lock while they count and record themselves, so that the
// limit holds exactly however many arrive at once, on every instance.
type RedeemBucket struct{ ent.Schema }

func (RedeemBucket) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").MaxLen(64).Immutable().Comment("The bucket: a client address, or an IPv6 /64."),
		field.Time("seen_at").Default(time.Now).Comment("The last attempt, for the sweep."),
	}
}

func (RedeemBucket) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Annotation{Table: "redeem_buckets"}}
}

// Policy leaves these rows to the server itself (SystemContext).
func (RedeemBucket) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
