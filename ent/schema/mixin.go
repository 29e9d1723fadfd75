package schema

import (
	"context"
	"errors"
	"reflect"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/latchkey/latchkey/internal/apperr"
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
type tenantMixin struct {
	mixin.Schema
	// covered leaves out the account_id index, for a table whose own
	// indexes all lead with account_id or serve none of its lookups.
	covered bool
}

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

func (m tenantMixin) Indexes() []ent.Index {
	if m.covered {
		return nil
	}
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

// Hooks hold the one rule for versions. An update of one row that sets
// version names the version it is based on: it fails with a CONFLICT when
// the row is at another version, then or at its write. An update of one
// row that changes no value writes nothing and keeps the version, so that
// it causes no needless CONFLICT for other editors. Every other update
// counts up by one.
func (versionMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				vm, ok := m.(versioned)
				switch {
				case !ok || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne):
					return next.Mutate(ctx, m)
				case reportOnly(m):
					// What a device reports is no edit of the record.
					_ = m.ResetField(updatedAtField)
					return next.Mutate(ctx, m)
				case m.Op().Is(ent.OpUpdate):
					vm.AddVersion(1)
					return next.Mutate(ctx, m)
				}
				based, conditional := vm.Version()
				vm.ResetVersion()
				if conditional {
					current, err := vm.OldVersion(ctx)
					if err != nil {
						return nil, err
					}
					if current != based {
						return nil, apperr.ErrStaleVersion
					}
				}
				changed, err := dropUnchanged(ctx, m)
				if err != nil {
					return nil, err
				}
				if !changed {
					// An update with nothing to set only reads the row back.
					_ = m.ResetField(updatedAtField)
					return next.Mutate(ctx, m)
				}
				vm.AddVersion(1)
				if !conditional {
					return next.Mutate(ctx, m)
				}
				// The condition again in the UPDATE: a change committed since
				// the read above leaves it no row.
				vm.WhereP(sql.FieldEQ(versionField, based))
				v, err := next.Mutate(ctx, m)
				if notFound(err) {
					return nil, apperr.ErrStaleVersion
				}
				return v, err
			})
		},
	}
}

const (
	versionField   = "version"
	updatedAtField = "updated_at"
)

// reportedFields are the fields that record what a device reported, set by
// the server, not edits of the record: an update of only these keeps the
// version (an admin's update based on the version read before still
// applies) and updated_at.
var reportedFields = map[string]bool{"lock_state": true, "lock_state_reported_at": true}

// reportOnly reports whether m sets reported fields and nothing else.
func reportOnly(m ent.Mutation) bool {
	set := 0
	for _, name := range m.Fields() {
		switch {
		case reportedFields[name]:
			set++
		case name != updatedAtField:
			return false
		}
	}
	return set > 0 && len(m.ClearedFields()) == 0 && len(m.AddedFields()) == 0 &&
		len(m.AddedEdges()) == 0 && len(m.RemovedEdges()) == 0 && len(m.ClearedEdges()) == 0
}

// versioned is what the version hook needs of a generated mutation.
type versioned interface {
	ent.Mutation
	Version() (int, bool)
	OldVersion(context.Context) (int, error)
	ResetVersion()
	AddVersion(int)
	WhereP(...func(*sql.Selector))
}

// notFound reports whether err is the generated package's NotFoundError,
// which this package cannot name (the generated package imports it).
func notFound(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if t := reflect.TypeOf(err); t.Kind() == reflect.Pointer && t.Elem().Name() == "NotFoundError" {
			return true
		}
	}
	return false
}

// dropUnchanged takes out of an update of one row every field it would set
// to the value the row has (or clear where it is empty already), and tells
// whether a change is left.
func dropUnchanged(ctx context.Context, m ent.Mutation) (bool, error) {
	changed := len(m.AddedFields()) > 0 || len(m.AddedEdges()) > 0 || len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0
	for _, name := range m.Fields() {
		if name == updatedAtField {
			continue
		}
		v, _ := m.Field(name)
		old, err := m.OldField(ctx, name)
		if err != nil {
			return false, err
		}
		if !sameValue(v, old) {
			changed = true
		} else if err := m.ResetField(name); err != nil {
			return false, err
		}
	}
	for _, name := range m.ClearedFields() {
		old, err := m.OldField(ctx, name)
		if err != nil {
			return false, err
		}
		// A field that is not nillable reads as its zero value when empty.
		if r := reflect.ValueOf(old); r.IsValid() && !r.IsZero() {
			changed = true
		} else if err := m.ResetField(name); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// sameValue compares a value an update sets with the row's value, which is
// a pointer for a nillable field; instants compare as instants.
func sameValue(v, old any) bool {
	o := reflect.ValueOf(old)
	if o.Kind() == reflect.Pointer {
		if o.IsNil() {
			return false
		}
		old = o.Elem().Interface()
	}
	if t, ok := v.(time.Time); ok {
		ot, ok := old.(time.Time)
		return ok && t.Equal(ot)
	}
	return reflect.DeepEqual(v, old)
}
