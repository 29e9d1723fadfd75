package graph

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Doubling returns a document of n fragments that each spread the next one
// twice, directly or (indirect) through a second fragment; the last selects
// leaf. The tests of package graph_test use it too.
func Doubling(n int, indirect bool, leaf string) string {
	var b strings.Builder
	b.WriteString("query { ...F1 }")
	for i := 1; i < n; i++ {
		if indirect {
			fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...G%d } fragment G%d on Query { ...F%d }", i, i+1, i, i, i+1)
		} else {
			fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
		}
	}
	fmt.Fprintf(&b, " fragment F%d on Query { %s }", n, leaf)
	return b.String()
}

// doublingDocument parses Doubling, linking spreads to their definitions as
// validation would.
func doublingDocument(t *testing.T, n int, indirect bool) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: Doubling(n, indirect, "viewer { role }")})
	if err != nil {
		t.Fatal(err)
	}
	var link func(ast.SelectionSet)
	link = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				link(s.SelectionSet)
			case *ast.FragmentSpread:
				s.Definition = doc.Fragments.ForName(s.Name)
			}
		}
	}
	link(doc.Operations[0].SelectionSet)
	for _, f := range doc.Fragments {
		link(f.SelectionSet)
	}
	return doc
}

// TestWalksVisitEachFragmentOnce: the limit walk and the page-size walk
// visit each fragment definition once, however often it is spread, so that
// a document is judged in time linear in its size.
func TestWalksVisitEachFragmentOnce(t *testing.T) {
	for _, c := range []struct {
		name      string
		indirect  bool
		fragments int
		cost      int // of the operation, as the walk counts it
	}{
		// A fragment spread twice into one selection set runs once.
		{"spread twice", false, 20, 2},
		// Spread again through another fragment, it is counted each time,
		// which overcounts (the executor runs it once) and refuses.
		{"spread again through another fragment", true, 20 + 19, 2 << 19},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := doublingDocument(t, 20, c.indirect)
			w := newWalker(nil)
			s := w.set(doc.Operations[0].SelectionSet)
			if w.fragments.walked != c.fragments || s.cost != c.cost || s.depth != 2 {
				t.Errorf("limit walk: %d fragments walked, summary %+v; want %d walked, cost %d, depth 2", w.fragments.walked, s, c.fragments, c.cost)
			}
			b := &bounder{PageLimit: PageLimit{Default: 50, Max: 200}, fragments: newFragmentMemo[bounded]()}
			if _, _, err := b.bound(doc.Operations[0].SelectionSet); err != nil {
				t.Fatal(err)
			}
			if b.fragments.walked != c.fragments {
				t.Errorf("page-size walk: %d fragments walked, want %d", b.fragments.walked, c.fragments)
			}
		})
	}
}

// TestWalksEndOnFragmentCycles: a cycle of spreads, which validation
// refuses before the walks run, neither loops nor passes.
func TestWalksEndOnFragmentCycles(t *testing.T) {
	doc := doublingDocument(t, 3, false)
	last := doc.Fragments.ForName("F3")
	last.SelectionSet = append(last.SelectionSet, &ast.FragmentSpread{Name: "F1", Definition: doc.Fragments.ForName("F1")})
	if s := newWalker(nil).set(doc.Operations[0].SelectionSet); s.cost != math.MaxInt {
		t.Errorf("a cycle costs %d", s.cost)
	}
	b := &bounder{PageLimit: PageLimit{Default: 50, Max: 200}, fragments: newFragmentMemo[bounded]()}
	if _, _, err := b.bound(doc.Operations[0].SelectionSet); err != nil {
		t.Fatal(err)
	}
}

// TestSaturatingArithmetic: costs stop at math.MaxInt instead of wrapping
// around to small or negative numbers.
func TestSaturatingArithmetic(t *testing.T) {
	const huge = math.MaxInt
	if satAdd(huge, 1) != huge || satMul(huge/2, 3) != huge || satMul(0, huge) != 0 || satAdd(2, 3) != 5 || satMul(4, 5) != 20 {
		t.Error("saturating arithmetic overflows or miscounts")
	}
}

// TestRepeatsSkippedForValidatedDocuments: the repeats walk guards
// validation, so a document the query cache holds (validated before) is
// not parsed for it again; any other is.
func TestRepeatsSkippedForValidatedDocuments(t *testing.T) {
	q := "{" + strings.Repeat(" viewer { role }", 30) + " }"
	for _, c := range []struct {
		validated bool
		refused   bool
	}{{false, true}, {true, false}} {
		l := Limits{MaxTokens: 5000, MaxRepeats: 20, MaxComplexity: 100_000,
			Validated: func(context.Context, string) bool { return c.validated }}
		err := l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q})
		if (err != nil) != c.refused {
			t.Errorf("validated before %v: refusal %v, want %v", c.validated, err, c.refused)
		}
	}
}
