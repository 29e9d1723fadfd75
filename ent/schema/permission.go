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
	"github.com/latchkey/latchkey/internal/pulid"
)

// Permission lets one user operate one device, within its restrictions.
type Permission struct{ ent.Schema }

func (Permission) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "prm"}, timeMixin{}, tenantMixin{}, versionMixin{}}
}

func (Permission) Fields() []ent.Field {
	// The restriction columns are exposed together as Permission.restrictions
	// (see schema/permission.graphql), not one by one.
	hidden := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.String("user_id").GoType(pulid.ID("")).Immutable(),
		field.String("device_id").GoType(pulid.ID("")).Immutable(),
		field.String("invitation_id").GoType(pulid.ID("")).Optional().Nillable(),
		field.Enum("status").
			GoType(enum.PermissionStatus("")).
			Default(string(enum.PermissionPending)).
			Annotations(entgql.Type("PermissionStatus"), entgql.OrderField("STATUS")).
			Comment("PENDING until the invitation is redeemed, then ACTIVE; REVOKED for good once revoked."),
		field.Bool("enabled").
			Default(true).
			Comment("A disabled permission is kept but opens nothing until enabled again."),
		field.Bool("remote_allowed").
			Default(false).
			Comment("Whether the user may operate the device remotely (not standing at it)."),
		field.Time("valid_from").Optional().Nillable().Annotations(hidden),
		field.Time("valid_until").Optional().Nillable().Annotations(hidden),
		field.Uint8("weekdays").Optional().Nillable().Annotations(hidden).
			Comment("Vendor bitmask Mon=64 … Sun=1; null means every day."),
		field.Int16("daily_from").Optional().Nillable().Annotations(hidden).
			Comment("Minutes after local midnight."),
		field.Int16("daily_until").Optional().Nillable().Annotations(hidden).
			Comment("Minutes after local midnight, 1440 for 24:00; before daily_from crosses midnight."),
	}
}

func (Permission) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("permissions").Field("user_id").Unique().Required().Immutable().
			Comment("The user the permission is for."),
		edge.From("device", Device.Type).Ref("permissions").Field("device_id").Unique().Required().Immutable().
			Comment("The device the permission opens."),
		edge.From("invitation", Invitation.Type).Ref("permissions").Field("invitation_id").Unique().
			Comment("The invitation that delivers the permission to the user."),
		edge.To("events", AccessEvent.Type).
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipAll)),
	}
}

// PermissionLiveIndex allows at most one live permission per user and
// device; revoked ones stay as history. The GraphQL error presenter names
// it to the client (graph/constraints.go).
const PermissionLiveIndex = "permission_user_id_device_id"

func (Permission) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "device_id").
			Unique().
			StorageKey(PermissionLiveIndex).
			Annotations(entsql.IndexWhere("status <> 'REVOKED'")),
		// The overview loads the permissions of a page of users at once.
		index.Fields("user_id"),
		index.Fields("device_id"),
		index.Fields("invitation_id"),
	}
}

func (Permission) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// Policy keeps the rows of one account to that account.
func (Permission) Policy() ent.Policy { return auth.TenantPolicy() }
