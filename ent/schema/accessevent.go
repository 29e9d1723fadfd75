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

// AccessEvent records one decision on a request to operate a device, and
// what the device made of it. Events outlive their user and device: the
// names are copied into the row, and the references become null.
type AccessEvent struct{ ent.Schema }

func (AccessEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "evt"}, tenantMixin{}}
}

func (AccessEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The user who asked; null once the user is deleted."),
		field.String("device_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The device asked to act; null once the device is deleted."),
		field.String("permission_id").GoType(pulid.ID("")).Optional().Nillable().Immutable(),
		field.String("user_name").Immutable().
			Comment("The user's name when the decision was made, kept when the user is renamed or deleted."),
		field.String("device_name").Immutable().
			Comment("The device's name when the decision was made, kept when the device is renamed or deleted. Empty in the answer to a user who holds no permission on the device; a user's own event list holds only events of its permissions."),
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
		field.Enum("outcome").GoType(enum.DeviceOutcome("")).
			Annotations(entgql.Type("DeviceOutcome")).
			Comment("What became of the request: REFUSED (never sent to the device), SENT (passed to the device, whose answer was not recorded), DONE (the device acted) or FAILED (the device did not act)."),
		field.Time("occurred_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("OCCURRED_AT")).
			Comment("When the decision was made."),
	}
}

func (AccessEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("events").Field("user_id").Unique().Immutable().
			Comment("The user who asked; null once the user is deleted (userName keeps the name)."),
		edge.From("device", Device.Type).Ref("events").Field("device_id").Unique().Immutable().
			Comment("The device asked to act; null once the device is deleted (deviceName keeps the name), or when the viewer may no longer see it."),
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
// by the server on a user's request (see internal/door), never by clients,
// admins included: the log is not theirs to edit.
func (AccessEvent) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
