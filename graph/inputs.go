package graph

import (
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/apperr"
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
type InputLimits struct {
	MaxDepth, MaxList, MaxValues, MaxCursor int
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
		values := 0
		if err := l.size("$"+name, "$"+name, v, 1, &values); err != nil {
			return err
		}
	}
	return nil
}

func (l InputLimits) set(vars map[string]any, set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			for _, a := range f.Arguments {
				if err := l.argument(vars, f.Alias+"."+a.Name, a.Value); err != nil {
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

func (l InputLimits) argument(vars map[string]any, path string, v *ast.Value) *gqlerror.Error {
	value, err := v.Value(vars)
	if err != nil {
		return nil // validation has refused it already
	}
	if v.ExpectedType != nil && v.ExpectedType.Name() == "Cursor" {
		return l.cursor(path, value)
	}
	values := 0
	return l.size(path, path, value, 1, &values)
}

// size walks one argument's value, stopping at the first limit it exceeds.
func (l InputLimits) size(arg, path string, v any, depth int, values *int) *gqlerror.Error {
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
			if err := l.size(arg, path+"."+k, x, depth+1, values); err != nil {
				return err
			}
		}
	case []any:
		if len(v) > l.MaxList {
			return inputLimitError(path, "the list has %d items; at most %d are allowed", len(v), l.MaxList)
		}
		for _, x := range v {
			if err := l.size(arg, path, x, depth+1, values); err != nil {
				return err
			}
		}
	}
	return nil
}

// inputLimitError refuses an argument; the message starts with the field.
func inputLimitError(field, format string, args ...any) *gqlerror.Error {
	return refusal(&apperr.Error{Code: apperr.InputLimitExceeded, Field: field, Message: fmt.Sprintf(format, args...)})
}

// cursor accepts null and the cursors the server hands out: an ID and at
// most one scalar ordering value.
func (l InputLimits) cursor(path string, v any) *gqlerror.Error {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if ok && len(s) <= l.MaxCursor {
		var c ent.Cursor
		if c.UnmarshalGQL(s) == nil && c.ID.Prefix() != "" && orderingValue(c.Value) {
			return nil
		}
	}
	return badInput(path, "is not a cursor this server issued; use one from a page's edges or pageInfo")
}

// orderingValue reports whether a decoded cursor value is one that an order
// field can hold.
func orderingValue(v any) bool {
	switch v.(type) {
	case nil, string, bool, time.Time,
		int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}
