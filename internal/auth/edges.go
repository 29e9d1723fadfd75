package auth

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/internal/apperr"
)

// ScopeEdges narrows the edge predicates of one where input (an entgql
// XWhereInput, as a value or a pointer) to the rows the viewer may see:
// every element of a hasXWith list gets the scope of its type, and
// hasX: true / false becomes "has a row the viewer may see" / "has none".
// Ent's privacy filter reaches only a query's root table, while an edge
// predicate is a subquery on another table; without this, a filter such as
// devices(where: {hasPermissionsWith: [{hasUserWith: [{emailHasPrefix: "a"}]}]})
// would probe rows the viewer cannot read.
//
// It handles one level: the where inputs nested in it (in not, or, and,
// and the hasXWith lists) are narrowed by their own call, which the
// GraphQL layer makes for every where input it decodes. A where input
// without edge predicates is returned unchanged, so the root query gains
// no condition.
func ScopeEdges(ctx context.Context, in any) (any, error) {
	rv := reflect.ValueOf(in)
	ptr := rv.Kind() == reflect.Pointer
	if ptr {
		if rv.IsNil() {
			return in, nil
		}
		rv = rv.Elem()
	}
	edges, err := edgesOf(rv.Type())
	if err != nil {
		return nil, err
	}
	// The result is a copy: the input is left as it was.
	var out reflect.Value
	for _, e := range edges {
		with, has := rv.Field(e.with), rv.Field(e.has)
		if with.Len() == 0 && has.IsNil() {
			continue
		}
		ps, err := viewerScope(ctx, e.target)
		if err != nil {
			return nil, err
		}
		if !out.IsValid() {
			out = reflect.New(rv.Type()).Elem()
			out.Set(rv)
		}
		scoped := reflect.MakeSlice(with.Type(), 0, with.Len()+1)
		for i := range with.Len() {
			scoped = reflect.Append(scoped, withPredicates(with.Index(i).Elem(), ps))
		}
		if !has.IsNil() {
			// hasX: true reads as hasXWith: [{<scope>}], and hasX: false
			// as not: {hasXWith: [{<scope>}]}, added through and.
			w := reflect.New(rv.Type())
			w.Elem().Field(e.with).Set(reflect.Append(reflect.MakeSlice(with.Type(), 0, 1),
				withPredicates(reflect.New(e.targetType).Elem(), ps)))
			if !has.Elem().Bool() {
				n := reflect.New(rv.Type())
				n.Elem().FieldByName("Not").Set(w)
				w = n
			}
			and := out.FieldByName("And")
			and.Set(reflect.Append(reflect.AppendSlice(reflect.MakeSlice(and.Type(), 0, and.Len()+1), and), w))
			out.Field(e.has).SetZero()
		}
		out.Field(e.with).Set(scoped)
	}
	if !out.IsValid() {
		return in, nil
	}
	if ptr {
		return out.Addr().Interface(), nil
	}
	return out.Interface(), nil
}

// viewerScope returns the scope of the Ent type typ for the viewer of ctx.
func viewerScope(ctx context.Context, typ string) ([]func(*sql.Selector), error) {
	v := FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	return scope(v, typ)
}

// withPredicates returns a pointer to a copy of the where input w with ps
// added to its Predicates, as w's own predicate type (predicate.User, ...).
func withPredicates(w reflect.Value, ps []func(*sql.Selector)) reflect.Value {
	c := reflect.New(w.Type())
	c.Elem().Set(w)
	f := c.Elem().FieldByName("Predicates")
	all := reflect.MakeSlice(f.Type(), 0, f.Len()+len(ps))
	all = reflect.AppendSlice(all, f)
	for _, p := range ps {
		all = reflect.Append(all, reflect.ValueOf(p).Convert(f.Type().Elem()))
	}
	f.Set(all)
	return c
}

// edge is one edge of a where input type: the field indexes of hasX and
// hasXWith, and the Ent type the edge leads to.
type edge struct {
	has, with  int
	target     string
	targetType reflect.Type
}

var edgeCache sync.Map // reflect.Type -> []edge

// edgesOf lists the edges of a where input type. A field that looks like
// an edge predicate but does not have entgql's shape is an error, so that
// a predicate this code does not understand is refused, never run unscoped.
func edgesOf(t reflect.Type) ([]edge, error) {
	if v, ok := edgeCache.Load(t); ok {
		return v.([]edge), nil
	}
	if _, err := predicateType(t); err != nil {
		return nil, err
	}
	var edges []edge
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := strings.CutSuffix(f.Name, "With")
		if !ok || !strings.HasPrefix(name, "Has") {
			continue
		}
		has, ok := t.FieldByName(name)
		if !ok || has.Type != reflect.TypeFor[*bool]() || f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.Pointer {
			return nil, fmt.Errorf("auth: %s.%s is not an edge predicate of a known shape", t, f.Name)
		}
		target := f.Type.Elem().Elem()
		p, err := predicateType(target)
		if err != nil {
			return nil, err
		}
		edges = append(edges, edge{has: has.Index[0], with: i, target: p.Name(), targetType: target})
	}
	for i := range t.NumField() {
		if f := t.Field(i); strings.HasPrefix(f.Name, "Has") && !strings.HasSuffix(f.Name, "With") {
			if _, ok := t.FieldByName(f.Name + "With"); !ok {
				return nil, fmt.Errorf("auth: %s.%s is not an edge predicate of a known shape", t, f.Name)
			}
		}
	}
	edgeCache.Store(t, edges)
	return edges, nil
}

// predicateType returns the predicate type of a where input type
// (predicate.User for UserWhereInput), whose name is the Ent type's.
func predicateType(t reflect.Type) (reflect.Type, error) {
	if t.Kind() == reflect.Struct {
		if f, ok := t.FieldByName("Predicates"); ok && f.Type.Kind() == reflect.Slice &&
			f.Type.Elem().ConvertibleTo(reflect.TypeFor[func(*sql.Selector)]()) {
			if _, ok := t.FieldByName("And"); ok {
				return f.Type.Elem(), nil
			}
		}
	}
	return nil, fmt.Errorf("auth: %s is not a where input", t)
}
