package graph

import "github.com/vektah/gqlparser/v2/ast"

// fragmentMemo holds one result per fragment definition, so that a walk
// over an operation visits each fragment once however often it is spread:
// expanding every spread again makes 30 fragments that each spread the next
// twice cost 2^30 visits.
type fragmentMemo[T any] struct {
	done map[string]T
	busy map[string]bool
	// walked counts the fragments walked (tests check the memo with it).
	walked int
}

func newFragmentMemo[T any]() *fragmentMemo[T] {
	return &fragmentMemo[T]{done: map[string]T{}, busy: map[string]bool{}}
}

// of returns walk's result for the spread's fragment, walking it the first
// time only. A fragment reached again while it is being walked (a cycle,
// which validation refuses before the walks run) gets cycle instead.
func (m *fragmentMemo[T]) of(s *ast.FragmentSpread, walk func(*ast.FragmentDefinition) T, cycle T) T {
	if r, ok := m.done[s.Name]; ok {
		return r
	}
	if m.busy[s.Name] {
		return cycle
	}
	m.busy[s.Name] = true
	m.walked++
	r := walk(s.Definition)
	delete(m.busy, s.Name)
	m.done[s.Name] = r
	return r
}
