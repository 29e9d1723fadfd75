package main

import (
	"strings"
	"testing"
)

// field renders a field function the way gqlgen generates it.
func field(name, read, valueType, marshal string) string {
	return `
func (ec *executionContext) _User_` + name + `(ctx context.Context, field graphql.CollectedField, obj *ent.User) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_User_` + name + `(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return ` + read + `, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v ` + valueType + `) graphql.Marshaler {
			return ec.` + marshal + `(ctx, selections, v)
		},
		true,
		true,
	)
}
`
}

const marshallers = `
func (ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalString(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "String!")
	}
	return res
}

func (ec *executionContext) marshalNTime2timeᚐTime(ctx context.Context, sel ast.SelectionSet, v time.Time) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalTime(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "Time!")
	}
	return res
}

func (ec *executionContext) marshalNDevice2ᚖentᚐDevice(ctx context.Context, sel ast.SelectionSet, v *ent.Device) graphql.Marshaler {
	return ec._Device(ctx, sel, v)
}

func (ec *executionContext) marshalOWeekday2ᚕenumᚐWeekdayᚄ(ctx context.Context, sel ast.SelectionSet, v []enum.Weekday) graphql.Marshaler {
	ret := marshalSliceInOrder(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec.marshalNWeekday2enumᚐWeekday(ctx, sel, v[i])
	})
	return ret
}

func (ec *executionContext) marshalNWeekday2enumᚐWeekday(ctx context.Context, sel ast.SelectionSet, v enum.Weekday) graphql.Marshaler {
	return v
}

func (ec *executionContext) marshalOOwner2ᚕentᚐUser(ctx context.Context, sel ast.SelectionSet, v []*ent.User) graphql.Marshaler {
	ret := marshalSliceInOrder(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec.marshalNDevice2ᚖentᚐDevice(ctx, sel, v[i])
	})
	return ret
}
`

func TestDirectLeaves(t *testing.T) {
	cases := []struct {
		name, read, valueType, marshal string
		direct                         bool
	}{
		{"name", "obj.Name", "string", "marshalNString2string", true},
		{"weekdays", "obj.Weekdays", "[]enum.Weekday", "marshalOWeekday2ᚕenumᚐWeekdayᚄ", true},
		// A zero time is reported as an error at the field's path.
		{"createdAt", "obj.CreatedAt", "time.Time", "marshalNTime2timeᚐTime", false},
		// Objects need their field context (entgql reads it).
		{"device", "obj.Device", "*ent.Device", "marshalNDevice2ᚖentᚐDevice", false},
		{"owners", "obj.Owners", "[]*ent.User", "marshalOOwner2ᚕentᚐUser", false},
		// A method may fail or block.
		{"label", "obj.Label(ctx)", "string", "marshalNString2string", false},
		// An unknown marshaller is not trusted.
		{"nick", "obj.Nick", "string", "marshalNNick2string", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := field(c.name, c.read, c.valueType, c.marshal) + marshallers
			out, n := directLeaves([]byte(src))
			want := "\treturn ec." + c.marshal + "(ctx, field.Selections, " + c.read + ")\n"
			if got := strings.Contains(string(out), want); got != c.direct || (n == 1) != c.direct {
				t.Fatalf("direct = %v (%d rewritten), want %v:\n%s", got, n, c.direct, out)
			}
			if !c.direct && string(out) != src {
				t.Fatalf("a field kept on gqlgen's path was changed:\n%s", out)
			}
			if c.direct && strings.Contains(string(out), "fieldContext_User_"+c.name+"(") {
				t.Fatalf("the rewritten field still builds a field context:\n%s", out)
			}
		})
	}
}
