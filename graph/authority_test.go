package graph_test

import (
	"testing"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/door"
	grantpkg "github.com/latchkey/latchkey/internal/grant"
)

// servedRootFields lists every field of the served schema's Query, Mutation
// and Subscription types, keyed "Type.field" as auth.Authority is.
func servedRootFields(t *testing.T) map[string]bool {
	t.Helper()
	s := graph.NewSchema(nil, &grantpkg.Service{}, &door.Service{}).Schema()
	out := map[string]bool{}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		def := s.Types[root]
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			out[root+"."+f.Name] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("the served schema has no root fields")
	}
	return out
}

// TestEveryRootFieldHasARule: every Query, Mutation and Subscription field
// of the served schema has its line in auth.Authority, and every line
// names a field that exists, so that a new field cannot go unjudged and a
// removed one leaves no rule behind.
func TestEveryRootFieldHasARule(t *testing.T) {
	served := servedRootFields(t)
	for f := range served {
		if _, ok := auth.Authority[f]; !ok {
			t.Errorf("%s has no rule in auth.Authority", f)
		}
	}
	for f := range auth.Authority {
		if !served[f] {
			t.Errorf("auth.Authority has a rule for %s, which the served schema does not have", f)
		}
	}
}
