package audit

import (
	"context"
	"reflect"
	"strings"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/changes"
)

// bookkeeping are the fields a change never lists: the row's account,
// clocks and version, and references, which are targets instead.
var bookkeeping = map[string]bool{
	"account_id": true, "created_at": true, "updated_at": true, "version": true,
	permission.FieldUserID: true, permission.FieldDeviceID: true, permission.FieldInvitationID: true,
}

// Changes lists the fields a saved mutation of one row set (a create) or
// changed (an update: before and after), in the API's names and forms.
// Fields that hold a secret are left out, and so are fields an update set
// to the value they had.
func Changes(ctx context.Context, m ent.Mutation) ([]changes.Field, error) {
	update := m.Op().Is(ent.OpUpdateOne)
	names := m.Fields()
	set := len(names)
	if update {
		// A cleared field has no value after.
		names = append(names, m.ClearedFields()...)
	}
	var out []changes.Field
	for i, name := range names {
		if bookkeeping[name] || changes.Secret(name) {
			continue
		}
		var before, after any
		if i < set {
			after, _ = m.Field(name)
		}
		if update {
			old, err := m.OldField(ctx, name)
			if err != nil {
				return nil, err
			}
			before = deref(old)
			if same(before, after) {
				continue
			}
		}
		out = append(out, present(m.Type(), name, before, after))
	}
	return out, nil
}

// deref reads a nillable field's value: nil for none.
func deref(v any) any {
	r := reflect.ValueOf(v)
	if r.Kind() != reflect.Pointer {
		return v
	}
	if r.IsNil() {
		return nil
	}
	return r.Elem().Interface()
}

func same(a, b any) bool {
	if t, ok := a.(time.Time); ok {
		u, ok := b.(time.Time)
		return ok && t.Equal(u)
	}
	return reflect.DeepEqual(a, b)
}

// present gives a field its API name and its values their API form: a
// permission's restriction columns are its restrictions' fields (weekdays
// as day names, daily times as "HH:MM"), instants are RFC 3339 in UTC.
func present(typ, name string, before, after any) changes.Field {
	if typ == ent.TypePermission {
		switch name {
		case permission.FieldWeekdays:
			return changes.Of("restrictions.weekdays", days(before), days(after))
		case permission.FieldDailyFrom, permission.FieldDailyUntil:
			return changes.Of("restrictions."+apiName(name), clock(before), clock(after))
		case permission.FieldValidFrom, permission.FieldValidUntil:
			return changes.Of("restrictions."+apiName(name), instant(before), instant(after))
		}
	}
	return changes.Of(apiName(name), instant(before), instant(after))
}

func days(v any) any {
	if w, ok := v.(uint8); ok {
		return access.Weekdays(w).List()
	}
	return nil
}

func clock(v any) any {
	if m, ok := v.(int16); ok {
		return access.FormatClock(int(m))
	}
	return nil
}

func instant(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// apiName is a column's name in the API: time_zone is timeZone, vendor_id
// vendorID.
func apiName(column string) string {
	if !strings.Contains(column, "_") {
		return column
	}
	var b strings.Builder
	b.Grow(len(column))
	for i, p := range strings.Split(column, "_") {
		switch {
		case i == 0:
			b.WriteString(p)
		case p == "id":
			b.WriteString("ID")
		case p != "":
			b.WriteString(strings.ToUpper(p[:1]))
			b.WriteString(p[1:])
		}
	}
	return b.String()
}
