//go:build ignore

package main

import (
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithWhereInputs(true),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../schema/ent.graphql"),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaHook(scopeWhereInputs),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureNamedEdges,
			gen.FeatureIntercept,
			gen.FeatureLock,
			gen.FeatureExecQuery,
			gen.FeatureUpsert,
			gen.FeatureVersionedMigration,
			gen.FeatureModifier,
		},
	}, entc.Extensions(ex), entc.TemplateFiles("./template/restrictions.tmpl", "./template/fielderrors.tmpl"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// scopeWhereInputs puts @scoped on every where input. gqlgen runs the
// directive on each where input it decodes, wherever it is nested, and
// graph.NewSchema implements it with auth.ScopeEdges, which narrows the
// input's edge predicates to the rows the viewer may see.
func scopeWhereInputs(_ *gen.Graph, s *ast.Schema) error {
	d := &ast.DirectiveDefinition{
		Name:        "scoped",
		Description: "The edge predicates (hasX, hasXWith) of this input match only rows the caller may read.",
		Locations:   []ast.DirectiveLocation{ast.LocationInputObject},
	}
	s.Directives[d.Name] = d
	for name, t := range s.Types {
		if t.Kind == ast.InputObject && strings.HasSuffix(name, "WhereInput") {
			t.Directives = append(t.Directives, &ast.Directive{Name: d.Name, Definition: d})
		}
	}
	return nil
}
