//go:build ignore

package main

import (
	"fmt"
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/latchkey/latchkey/internal/enum"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithWhereInputs(true),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../schema/ent.graphql"),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaHook(scopeWhereInputs, describeEnums, describeCursor),
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
	}, entc.Extensions(ex),
		entc.TemplateFiles("./template/restrictions.tmpl", "./template/fielderrors.tmpl", "./template/aftercommit.tmpl"),
		// Appended is called once a record appended to the audit trail is
		// committed (internal/audit): the change feed has something new.
		entc.Dependency(entc.DependencyName("Appended"), entc.DependencyType(func() {})))
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

// describeEnums gives every enumeration entgql writes a description, and
// each of its values one: the Go enumerations' from enum.Docs (in place of
// entgql's "X is enum for the field y"), and each value of an XOrderField
// the comment of the field it orders by. A value without a text fails the
// generation.
func describeEnums(g *gen.Graph, s *ast.Schema) error {
	orders := map[string]map[string]string{}
	for _, n := range g.Nodes {
		for _, f := range n.Fields {
			var ant entgql.Annotation
			if raw, ok := f.Annotations[ant.Name()]; !ok || ant.Decode(raw) != nil || ant.OrderField == "" {
				continue
			}
			if orders[n.Name+"OrderField"] == nil {
				orders[n.Name+"OrderField"] = map[string]string{}
			}
			if f.Comment() == "" {
				return fmt.Errorf("%s.%s orders %sOrderField but has no comment to describe it", n.Name, f.Name, n.Name)
			}
			field := f.StructField()
			orders[n.Name+"OrderField"][ant.OrderField] = fmt.Sprintf("By %s. %s", strings.ToLower(field[:1])+field[1:], f.Comment())
		}
	}
	for name, t := range s.Types {
		if t.Kind != ast.Enum {
			continue
		}
		values := orders[name]
		if d, ok := enum.Docs[name]; ok {
			t.Description, values = d.Type, d.Values
		}
		for _, v := range t.EnumValues {
			if v.Description == "" {
				v.Description = values[v.Name]
			}
			if v.Description == "" {
				return fmt.Errorf("enum %s: value %s has no description (enum.Docs, or the comment of the field it orders by)", name, v.Name)
			}
		}
	}
	return nil
}

// describeCursor says what a Cursor is to a client, and names the
// specification it follows.
func describeCursor(_ *gen.Graph, s *ast.Schema) error {
	c := s.Types["Cursor"]
	if c == nil {
		return fmt.Errorf("entgql wrote no Cursor scalar")
	}
	c.Description = "A position in a connection, as a Relay cursor: an opaque string that only the server " +
		"makes (from the order of the connection it came from), passed back in after or before."
	c.Directives = append(c.Directives, &ast.Directive{Name: "specifiedBy", Arguments: ast.ArgumentList{{
		Name:  "url",
		Value: &ast.Value{Kind: ast.StringValue, Raw: "https://relay.dev/graphql/connections.htm#sec-Cursor"},
	}}})
	return nil
}
