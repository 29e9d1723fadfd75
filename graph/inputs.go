package graph

import (
	"fmt"
	"reflect"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/instant"
	"github.com/latchkey/latchkey/internal/text"
)

// InputLimits bound every argument value of an operation, written in the
// document or sent as a variable, before any resolver or the database sees
// it: how deep input objects and lists nest in one argument, how many items
// one list holds, and how many values (objects, lists and scalars) one
// argument holds in all. A deep where, an or of thousands or an idIn of
// 100,000 IDs is refused with INPUT_LIMIT_EXCEEDED and the argument (or
// list) in extensions.field.
//
// Cursors are checked here too, as only the server's own cursors are
// meaningful: one longer than MaxCursor is refused before it is decoded,
// and one that does not decode to an ID and a single ordering value is
// refused with BAD_USER_INPUT, so neither a deeply nested cursor nor a
// garbage one reaches the pagination code.
//
// MaxHeight bounds the height of the expression the database builds from
// one argument: it joins the fields of an input object, and the items of
// an and or an or, with AND or OR, one level per operand, and SQLite
// refuses an expression more than 1,000 levels high (an or of 999 names
// within every other limit answered INTERNAL).
//
// MaxEdgeChain bounds how many edge filters (has…With) nest in one another.
// Each is a correlated subquery of the one around it; on SQLite a chain of
// three that goes out and back through a to-many edge (users with a
// permission on a device with a permission …) took 10 s for 300 users and
// 50 devices, whatever the weights of the complexity count (PostgreSQL:
// 67 ms).
type InputLimits struct {
	MaxDepth, MaxList, MaxValues, MaxCursor, MaxHeight, MaxEdgeChain int
}

// check walks every argument of the document's fields once: the operation
// and each fragment definition, without following spreads. A variable's
// value (bounded on its own already) is walked again where it is used, at
// most MaxValues of it, as part of the argument.
func (l InputLimits) check(rc *graphql.OperationContext) *gqlerror.Error {
	if err := l.set(rc.Variables, rc.Operation.SelectionSet); err != nil {
		return err
	}
	for _, f := range rc.Doc.Fragments {
		if err := l.set(rc.Variables, f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// variables bounds each variable's value as sent, named "$name" in
// extensions.field.
func (l InputLimits) variables(vars map[string]any) *gqlerror.Error {
	for name, v := range vars {
		if err := l.value("$"+name, v); err != nil {
			return err
		}
	}
	return nil
}

// value bounds one argument's or variable's value.
func (l InputLimits) value(arg string, v any) *gqlerror.Error {
	values := 0
	if err := l.size(arg, arg, v, 1, 0, &values); err != nil {
		return err
	}
	if h := height(v); h > l.MaxHeight {
		return inputLimitError(arg, "%s: combines conditions %d levels high (fields of an input object, items of and or or); at most %d are allowed", arg, h, l.MaxHeight)
	}
	return nil
}

func (l InputLimits) set(vars map[string]any, set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			for _, a := range f.Arguments {
				if err := l.argument(vars, f, a); err != nil {
					return err
				}
			}
			if err := l.set(vars, f.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := l.set(vars, f.SelectionSet); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l InputLimits) argument(vars map[string]any, f *ast.Field, a *ast.Argument) *gqlerror.Error {
	path, v := f.Alias+"."+a.Name, a.Value
	value, err := v.Value(vars)
	if err != nil {
		return nil // validation has refused it already
	}
	if v.ExpectedType != nil && v.ExpectedType.Name() == "Cursor" {
		return l.cursor(path, value, orderValue(vars, f))
	}
	if v.ExpectedType != nil && v.ExpectedType.Name() == "EventID" {
		if s, ok := value.(string); value != nil && (!ok || len(s) > l.MaxCursor || !validEventID(s)) {
			return badInput(path, "is not an eventID this server issued; use one from a change")
		}
		return nil
	}
	return l.value(path, value)
}

// size walks one argument's value, stopping at the first limit it exceeds.
func (l InputLimits) size(arg, path string, v any, depth, edges int, values *int) *gqlerror.Error {
	if *values++; *values > l.MaxValues {
		return inputLimitError(arg, "holds more than %d values; at most %d are allowed", l.MaxValues, l.MaxValues)
	}
	switch v.(type) {
	case map[string]any, []any:
		if depth > l.MaxDepth {
			return inputLimitError(arg, "nests input objects and lists more than %d levels deep", l.MaxDepth)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			e := edges
			if isEdgePredicate(k) {
				if e++; e > l.MaxEdgeChain {
					return inputLimitError(path+"."+k, "nests more than %d edge filters (has…With) in one another; at most %d are allowed", l.MaxEdgeChain, l.MaxEdgeChain)
				}
			}
			if err := l.size(arg, path+"."+k, x, depth+1, e, values); err != nil {
				return err
			}
		}
	case []any:
		if len(v) > l.MaxList {
			return inputLimitError(path, "the list has %d items; at most %d are allowed", len(v), l.MaxList)
		}
		for _, x := range v {
			if err := l.size(arg, path, x, depth+1, edges, values); err != nil {
				return err
			}
		}
	}
	return nil
}

// height is the height of the expression a value becomes (see MaxHeight):
// an object's fields and a list's objects each add a level above the
// highest of them; a list of scalars (idIn) is one IN, one level.
func height(v any) int {
	h := 0
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			h = max(h, height(x))
		}
		return h + len(v)
	case []any:
		scalars := true
		for _, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				scalars = false
			}
			h = max(h, height(x))
		}
		if scalars {
			return 1
		}
		return h + len(v)
	}
	return 1
}

// inputLimitError refuses an argument; the message starts with the field.
func inputLimitError(field, format string, args ...any) *gqlerror.Error {
	return refusal(&apperr.Error{Code: apperr.InputLimitExceeded, Field: field, Message: fmt.Sprintf(format, args...)})
}

// cursor accepts null and the cursors the server hands out: an ID and at
// most one scalar ordering value, of the type of the connection's order
// (want; nil when the connection is ordered by ID, which ignores the
// value). A cursor of another order, such as a name where a time is
// compared, is not one of this connection's: PostgreSQL would fail on it.
func (l InputLimits) cursor(path string, v any, want orderType) *gqlerror.Error {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if ok && len(s) <= l.MaxCursor {
		var c ent.Cursor
		if c.UnmarshalGQL(s) == nil && c.ID.Prefix() != "" && orderingValue(c.Value) && want.holds(c.Value) {
			return nil
		}
	}
	return badInput(path, "is not a cursor this server issued; use one from a page's edges or pageInfo")
}

// orderingValue reports whether a decoded cursor value is one that an order
// field can hold, by the rules every input of that type passes (a time
// the databases can hold, text without NUL).
func orderingValue(v any) bool {
	switch v := v.(type) {
	case time.Time:
		_, err := instant.Check(v)
		return err == nil
	case string:
		return text.CheckNUL(v) == nil
	case nil, bool,
		int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// orderType is the Go type of a connection's ordering value in its
// cursors; nil when the connection is ordered by ID. unknown marks an
// order this code cannot tell, whose cursors are all refused.
type orderType struct {
	t       reflect.Type
	unknown bool
}

// holds reports whether a decoded cursor value is of the order's type
// (a string for the enums, which MessagePack carries as strings).
func (o orderType) holds(v any) bool {
	switch {
	case o.unknown:
		return false
	case o.t == nil:
		return true
	case v == nil:
		return false
	}
	t := reflect.TypeOf(v)
	return t == o.t || (t.Kind() == o.t.Kind() && t.Kind() != reflect.Struct)
}

// orderValue returns the type of the ordering value of the connection
// field f, as the field's orderBy says (PageLimit has added the default
// one by now).
func orderValue(vars map[string]any, f *ast.Field) orderType {
	if f.Definition == nil || f.Definition.Arguments.ForName("orderBy") == nil {
		return orderType{}
	}
	by := f.ArgumentMap(vars)["orderBy"]
	if by == nil {
		return orderType{}
	}
	m, _ := by.(map[string]any)
	of, ok := orderFields[f.Definition.Type.Name()]
	if m == nil || !ok {
		return orderType{unknown: true}
	}
	return of(m["field"])
}

// orderFields gives, for each connection with an orderBy, the type of
// each order field's value, taken from the Ent order field itself.
var orderFields = map[string]func(field any) orderType{
	"AccessEventConnection": orderFieldType[ent.AccessEvent, ent.AccessEventOrderField],
	"DeviceConnection":      orderFieldType[ent.Device, ent.DeviceOrderField],
	"InvitationConnection":  orderFieldType[ent.Invitation, ent.InvitationOrderField],
	"PermissionConnection":  orderFieldType[ent.Permission, ent.PermissionOrderField],
	"UserConnection":        orderFieldType[ent.User, ent.UserOrderField],
}

// orderFieldType reads the type of an order field's value (F.Value) off a
// zero node N.
func orderFieldType[N, F any, PF interface {
	*F
	UnmarshalGQL(any) error
}](field any) orderType {
	var f F
	if PF(&f).UnmarshalGQL(field) != nil {
		return orderType{unknown: true}
	}
	out := reflect.ValueOf(f).FieldByName("Value").Call([]reflect.Value{reflect.ValueOf(new(N))})
	if !out[1].IsNil() || out[0].IsNil() {
		return orderType{unknown: true}
	}
	return orderType{t: out[0].Elem().Type()}
}
