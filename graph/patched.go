package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceInOrder marshals a list element by element, as gqlgen's
// MarshalSliceConcurrently would but without a goroutine per element (see
// internal/tools/gqlpatch, which makes the generated code call this).
// A panic in one element is recovered into an error and a null element.
func marshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	// The elements' field contexts and indexes come in two allocations, not
	// two per element.
	contexts := make([]graphql.FieldContext, length)
	indexes := make([]int, length)
	for i := range length {
		indexes[i] = i
		contexts[i].Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, &contexts[i])
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// newDeferredGroup is graphql.NewDeferredGroup without its field set, its
// map of deferred views and the object's path, which only a @defer inside
// the object needs: readyDeferred adds the first two when a deferred field
// comes, withDeferredPath the path before gqlgen processes the group (see
// internal/tools/gqlpatch).
func newDeferredGroup(ctx context.Context) graphql.DeferredGroup {
	return graphql.DeferredGroup{Context: ctx}
}

// readyDeferred completes the group before a deferred field is scheduled.
func readyDeferred(dg *graphql.DeferredGroup, field graphql.CollectedField) *graphql.DeferredGroup {
	if dg.FieldSet == nil && field.IsDeferred() {
		dg.FieldSet = graphql.NewFieldSet(nil)
		dg.Defers = make(map[string]*graphql.FieldSetView)
	}
	return dg
}

// withDeferredPath completes a deferred group before gqlgen processes it.
func withDeferredPath(dg graphql.DeferredGroup) graphql.DeferredGroup {
	dg.Path = graphql.GetPath(dg.Context)
	return dg
}

// nextDeferred receives the next deferred result, or reports false once
// ctx has ended: a deferred field that completes after that drops its
// result (gqlgen's ProcessDeferredGroup), which the request would otherwise
// wait for forever (see internal/tools/gqlpatch).
func nextDeferred(ctx context.Context, results <-chan graphql.DeferredResult) (graphql.DeferredResult, bool) {
	select {
	case r := <-results:
		return r, true
	case <-ctx.Done():
		return graphql.DeferredResult{}, false
	}
}

// objectValue is a resolved object as the generated code returns it: its
// collected fields and their values, written as a JSON object in order.
// gqlgen returns the *graphql.FieldSet itself, whose MarshalGQL writes the
// same bytes but copies every field to the heap and fills a map of the
// names written, for every object (see internal/tools/gqlpatch).
type objectValue struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

// newObjectValue returns the value of an object whose field set has been
// dispatched.
func newObjectValue(fields []graphql.CollectedField, out *graphql.FieldSet) graphql.Marshaler {
	return &objectValue{fields: fields, values: out.Values}
}

// MarshalGQL implements graphql.Marshaler. A response name is written once,
// for its first field, as gqlgen does. Response names are GraphQL names
// ([_A-Za-z][_0-9A-Za-z]*), which JSON takes between quotes as they are.
func (o *objectValue) MarshalGQL(w io.Writer) {
	sw, ok := w.(io.StringWriter)
	if !ok {
		sw = stringWriter{w}
	}
	_, _ = sw.WriteString("{")
	first := true
	for i := range o.fields {
		name := o.fields[i].Alias
		if writtenBefore(o.fields[:i], name) {
			continue
		}
		if first {
			_, _ = sw.WriteString(`"`)
		} else {
			_, _ = sw.WriteString(`,"`)
		}
		first = false
		_, _ = sw.WriteString(name)
		_, _ = sw.WriteString(`":`)
		o.values[i].MarshalGQL(w)
	}
	_, _ = sw.WriteString("}")
}

// stringWriter gives a plain io.Writer the WriteString method.
type stringWriter struct{ io.Writer }

func (w stringWriter) WriteString(s string) (int, error) { return io.WriteString(w.Writer, s) }

// writtenBefore reports whether one of fields has the response name; an
// object has few fields, so a scan is cheaper than a map.
func writtenBefore(fields []graphql.CollectedField, name string) bool {
	for i := range fields {
		if fields[i].Alias == name {
			return true
		}
	}
	return false
}
