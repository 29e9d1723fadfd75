package auth

import (
	"context"
	"errors"
	"testing"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/privacy"
	"github.com/latchkey/latchkey/internal/apperr"
)

// Thing is an Ent type that scope does not know.
type Thing func(*sql.Selector)

type thingWhereInput struct {
	Predicates []Thing
	And        []*thingWhereInput
}

// deviceLikeWhereInput has an edge to Thing, shaped like entgql's.
type deviceLikeWhereInput struct {
	Predicates   []func(*sql.Selector)
	And          []*deviceLikeWhereInput
	HasThing     *bool
	HasThingWith []*thingWhereInput
}

// oddWhereInput has a has… field that is not an edge predicate.
type oddWhereInput struct {
	Predicates []func(*sql.Selector)
	And        []*oddWhereInput
	HasOdd     string
}

// TestScopeEdgesFailsClosed: an edge to a type without a scope, a field
// that looks like an edge predicate but is not one, or a missing viewer
// refuses the input rather than letting a subquery run unscoped.
func TestScopeEdgesFailsClosed(t *testing.T) {
	admin := NewContext(context.Background(), &Viewer{AccountID: "acc_1", Role: RoleAdmin})
	yes := true
	for name, c := range map[string]struct {
		ctx  context.Context
		in   any
		want error
	}{
		"type without a scope": {admin, deviceLikeWhereInput{HasThingWith: []*thingWhereInput{{}}}, privacy.Deny},
		"has… on such a type":  {admin, &deviceLikeWhereInput{HasThing: &yes}, privacy.Deny},
		"unknown has… field":   {admin, oddWhereInput{}, nil},
		"no viewer":            {context.Background(), ent.DeviceWhereInput{HasEvents: &yes}, apperr.ErrUnauthenticated},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := ScopeEdges(c.ctx, c.in)
			if err == nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("ScopeEdges = %v, %v; want the error %v", out, err, c.want)
			}
		})
	}
	if _, err := scope(&Viewer{AccountID: "acc_1", Role: RoleAdmin}, "Thing"); !errors.Is(err, privacy.Deny) {
		t.Errorf("scope of an unknown type: %v", err)
	}
}

// TestScopeEdgesLeavesPlainInputs: a where input without edge predicates
// comes back as it was, so the root query gains no condition.
func TestScopeEdgesLeavesPlainInputs(t *testing.T) {
	admin := NewContext(context.Background(), &Viewer{AccountID: "acc_1", Role: RoleAdmin})
	name := "Door"
	in := &ent.DeviceWhereInput{Name: &name, Or: []*ent.DeviceWhereInput{{NameNEQ: &name}}}
	out, err := ScopeEdges(admin, in)
	if err != nil || out != in || len(in.Predicates) != 0 {
		t.Errorf("ScopeEdges = %v, %v", out, err)
	}
}
