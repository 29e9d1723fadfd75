package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/text"
	"github.com/latchkey/latchkey/internal/zone"
)

// Device is a smart lock or opener of the account.
type Device struct{ ent.Schema }

func (Device) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "dev"}, timeMixin{}, tenantMixin{}, versionMixin{}}
}

func (Device) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxRuneLen(200).
			Validate(text.Check).
			Annotations(entgql.OrderField("NAME")).
			Comment("The device's display name, e.g. \"Front door\"."),
		field.Enum("type").
			GoType(enum.DeviceType("")).
			Default(string(enum.DeviceTypeSmartLock)).
			Annotations(entgql.Type("DeviceType")).
			Comment("The kind of device. Defaults to SMART_LOCK."),
		field.String("time_zone").
			Validate(zone.Check).
			Annotations(entgql.OrderField("TIME_ZONE")).
			Comment("The IANA time zone the device is in, e.g. Europe/Berlin: a canonical zone (of zone.tab, or UTC), not an old name such as US/Pacific. Time restrictions are evaluated in this zone."),
		field.String("vendor_id").
			Optional().
			Nillable().
			MaxRuneLen(200).
			Validate(text.Check).
			Comment("The device's identifier at its vendor, if any."),
		// Reported fields (see reportedFields): written by internal/door
		// with the outcome of an operateDevice the device carried out.
		field.Enum("lock_state").
			GoType(enum.LockState("")).
			Optional().
			Nillable().
			Annotations(entgql.Type("LockState"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The lock state the device last reported, after carrying out an operateDevice; null until it has reported one. It may have changed since at the device itself."),
		field.Time("lock_state_reported_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)).
			Comment("When the device reported lockState; null with it."),
	}
}

func (Device) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("permissions", Permission.Type).
			Annotations(
				entsql.OnDelete(entsql.Cascade),
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			).
			Comment("The permissions on this device, one per user."),
		edge.To("events", AccessEvent.Type).
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("Decisions on requests to operate this device, newest first."),
	}
}

func (Device) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy keeps the rows of one account to that account.
func (Device) Policy() ent.Policy { return auth.TenantPolicy() }

// Hooks report every invalid field of a write at once.
func (Device) Hooks() []ent.Hook { return []ent.Hook{allFieldErrors} }
