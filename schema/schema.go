// Package schema holds the GraphQL contract (the .graphql files beside
// this one, which gqlgen generates the server from) and prints it for
// clients: as one normalised SDL document, without the directives only the
// server reads.
package schema

import (
	"maps"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// ServerOnly names the directives that only the server reads, which
// clients never see: gqlgen's, which map types and fields to Go, and
// @scoped, which graph.NewSchema implements on every where input (see
// auth.ScopeEdges).
var ServerOnly = []string{"goModel", "goField", "goTag", "goExtraField", "scoped"}

// Public returns s as clients see it: without the ServerOnly directives,
// neither their definitions nor their uses. s is left as it is; what did not
// change is shared with it.
func Public(s *ast.Schema) *ast.Schema {
	p := *s
	p.Directives = map[string]*ast.DirectiveDefinition{}
	for name, d := range s.Directives {
		if !slices.Contains(ServerOnly, name) {
			p.Directives[name] = d
		}
	}
	p.SchemaDirectives = public(s.SchemaDirectives)
	copies := map[*ast.Definition]*ast.Definition{}
	p.Types = map[string]*ast.Definition{}
	for name, def := range s.Types {
		c := *def
		c.Directives = public(def.Directives)
		c.Fields = make(ast.FieldList, len(def.Fields))
		for i, f := range def.Fields {
			fc := *f
			fc.Directives = public(f.Directives)
			fc.Arguments = make(ast.ArgumentDefinitionList, len(f.Arguments))
			for j, a := range f.Arguments {
				ac := *a
				ac.Directives = public(a.Directives)
				fc.Arguments[j] = &ac
			}
			c.Fields[i] = &fc
		}
		c.EnumValues = make(ast.EnumValueList, len(def.EnumValues))
		for i, v := range def.EnumValues {
			vc := *v
			vc.Directives = public(v.Directives)
			c.EnumValues[i] = &vc
		}
		copies[def] = &c
		p.Types[name] = &c
	}
	relink := func(m map[string][]*ast.Definition) map[string][]*ast.Definition {
		out := make(map[string][]*ast.Definition, len(m))
		for name, defs := range m {
			for _, d := range defs {
				out[name] = append(out[name], copies[d])
			}
		}
		return out
	}
	p.PossibleTypes, p.Implements = relink(s.PossibleTypes), relink(s.Implements)
	p.Query, p.Mutation, p.Subscription = copies[s.Query], copies[s.Mutation], copies[s.Subscription]
	return &p
}

// public returns the directives of list that are not ServerOnly.
func public(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if !slices.Contains(ServerOnly, d.Name) {
			out = append(out, d)
		}
	}
	return out
}

// Print writes the public part of s as one SDL document that tools read in
// one pass: every type once, with the fields its extensions add; the
// directives, then the types, in name order, built-in ones left out, a blank
// line between two definitions.
func Print(s *ast.Schema) string {
	p := Public(s)
	var parts []string
	format := func(one *ast.Schema) {
		var b strings.Builder
		formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(one)
		if b.Len() > 0 {
			parts = append(parts, b.String())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Directives)) {
		format(&ast.Schema{Directives: map[string]*ast.DirectiveDefinition{name: p.Directives[name]}})
	}
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		format(&ast.Schema{Types: map[string]*ast.Definition{name: p.Types[name]}})
	}
	return strings.Join(parts, "\n")
}
