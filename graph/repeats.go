package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// repeats refuses, before validation, a document in which more than
// MaxRepeats fields answer one response path (users.edges.node.id), inline
// fragments and fragment spreads expanded and all operations counted
// together. Validation (its rule that fields of one response name can be
// merged) compares every pair of fields on a path, so its time grows with
// the square of such repeats: 70 viewer fields of 68 roles each, an 18 KB
// document, took 3.6 s, and 830 fields aliased "a" against 415 others gave
// 345,000 errors (90 MB, 2 GB allocated). With at most MaxRepeats fields on
// a path, that comparison is linear in the document. Every operation is
// validated, each walking the fragments it spreads, so counting them
// together bounds that walk too.
//
// The expansion visits at most MaxComplexity fields: a document that
// expands to more would be refused for its complexity anyway, so the walk
// stays linear however fragments spread one another.
func (l Limits) repeats(query string) *gqlerror.Error {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil // the executor reports it
	}
	r := &repeater{Limits: l, fragments: map[string]*ast.FragmentDefinition{}, busy: map[string]bool{}}
	for _, f := range doc.Fragments {
		if _, ok := r.fragments[f.Name]; !ok {
			r.fragments[f.Name] = f
		}
	}
	root := &pathNode{}
	for _, op := range doc.Operations {
		if err := r.set(root, op.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// pathNode counts the fields that answer one response path.
type pathNode struct {
	fields   int
	children map[string]*pathNode
}

type repeater struct {
	Limits
	fragments map[string]*ast.FragmentDefinition
	busy      map[string]bool
	visited   int
}

func (r *repeater) set(at *pathNode, set ast.SelectionSet) *gqlerror.Error {
	var spread map[string]bool
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if r.visited++; r.visited > r.MaxComplexity {
				return limitError("COMPLEXITY_LIMIT_EXCEEDED", "the operation selects more than %d fields, fragments expanded; at most %d is allowed", r.MaxComplexity, r.MaxComplexity)
			}
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			child := at.children[name]
			if child == nil {
				if at.children == nil {
					at.children = map[string]*pathNode{}
				}
				child = &pathNode{}
				at.children[name] = child
			}
			if child.fields++; child.fields > r.MaxRepeats {
				return limitError("COMPLEXITY_LIMIT_EXCEEDED", "the document selects %q more than %d times (fragments expanded, all operations together); at most %d fields may answer one response name at one place", name, r.MaxRepeats, r.MaxRepeats)
			}
			if err := r.set(child, s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := r.set(at, s.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			// As in the complexity walk: spread twice into one selection
			// set, a fragment runs (and is compared) once. A cycle is
			// refused by validation.
			def := r.fragments[s.Name]
			if def == nil || spread[s.Name] || r.busy[s.Name] {
				continue
			}
			if spread == nil {
				spread = map[string]bool{}
			}
			spread[s.Name] = true
			r.busy[s.Name] = true
			err := r.set(at, def.SelectionSet)
			delete(r.busy, s.Name)
			if err != nil {
				return err
			}
		}
	}
	return nil
}
