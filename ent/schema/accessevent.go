package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// AccessEvent records one decision on a request to operate a device.
type AccessEvent struct{ ent.Schema }

func (AccessEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "evt"}, tenantMixin{}}
}

func (AccessEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").GoType(pulid.ID("")).Immutable(),
		field.String("device_id").GoType(pulid.ID("")).Immutable(),
		field.String("permission_id").GoType(pulid.ID("")).Optional().Nillable().Immutable(),
		field.Enum("action").GoType(enum.LockAction("")).Immutable().
			Annotations(entgql.Type("LockAction")).
			Comment("What the user asked the device to do."),
		field.Bool("remote").Immutable().
			Comment("Whether the request came from afar rather than at the device."),
		field.Bool("allowed").Immutable().
			Comment("Whether the request was allowed (and passed to the device)."),
		field.Enum("reason").GoType(enum.AccessReason("")).Immutable().
			Annotations(entgql.Type("AccessReason")).
			Comment("Why the request was allowed or refused."),
		field.Time("occurred_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("OCCURRED_AT")).
			Comment("When the decision was made."),
	}
}

func (AccessEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("events").Field("user_id").Unique().Required().Immutable().
			Comment("The user who asked."),
		edge.From("device", Device.Type).Ref("events").Field("device_id").Unique().Required().Immutable().
			Comment("The device asked to act."),
		edge.From("permission", Permission.Type).Ref("events").Field("permission_id").Unique().Immutable().
			Comment("The permission the decision was based on, if the user had one."),
	}
}

func (AccessEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("device_id", "occurred_at"),
		index.Fields("user_id", "occurred_at"),
	}
}

func (AccessEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("accessEvents"),
		entgql.RelayConnection(),
		entsql.Annotation{Table: "access_events"},
	}
}

// Policy keeps the rows of one account to that account. Events are written
// by the server on a user's request (see internal/lock), never by clients.
func (AccessEvent) Policy() ent.Policy { return auth.TenantPolicy() }
