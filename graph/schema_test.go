package graph_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/schema"
)

// TestPrintedSchema: the committed schema.graphql at the repository's root
// is what `latchkey schema` prints, one normalised document (each type once,
// no extensions) that loads as the schema the server validates against,
// without the directives only the server reads.
func TestPrintedSchema(t *testing.T) {
	printed := schema.Print(graph.Published())
	committed, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != printed {
		t.Error("schema.graphql differs from the served schema; run: go run . schema > schema.graphql")
	}
	if strings.Contains(printed, "extend ") {
		t.Error("the printed schema has extensions")
	}
	for _, d := range schema.ServerOnly {
		if strings.Contains(printed, "@"+d) {
			t.Errorf("the printed schema shows @%s", d)
		}
		if graph.Published().Directives[d] != nil {
			t.Errorf("the served schema defines @%s", d)
		}
	}
	loaded, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: printed})
	if gerr != nil {
		t.Fatalf("the printed schema does not load: %v", gerr)
	}
	if schema.Print(loaded) != printed {
		t.Error("the printed schema, loaded and printed again, differs")
	}
	// Hidden from clients, @scoped still marks every where input of the
	// schema the code is generated from (the executor runs it).
	generated := graph.NewExecutableSchema(graph.Config{}).Schema()
	for name, def := range generated.Types {
		if strings.HasSuffix(name, "WhereInput") && def.Directives.ForName("scoped") == nil {
			t.Errorf("%s lacks @scoped", name)
		}
	}
}

// TestSchemaDescribesItself: every enumeration and each of its values says
// what it means (not entgql's "X is enum for the field y"), Time and Cursor
// name their specifications, and introspection over HTTP shows no
// server-only directive.
func TestSchemaDescribesItself(t *testing.T) {
	s := graph.Published()
	for name, def := range s.Types {
		if def.Kind != ast.Enum || def.BuiltIn {
			continue
		}
		if def.Description == "" || strings.Contains(def.Description, "is enum for") {
			t.Errorf("enum %s: description %q", name, def.Description)
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				t.Errorf("%s.%s has no description", name, v.Name)
			}
		}
	}
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		var got struct {
			Schema struct {
				Directives []struct{ Name string } `json:"directives"`
			} `json:"__schema"`
			Time, Cursor struct {
				SpecifiedByURL *string `json:"specifiedByURL"`
			}
		}
		e.MustDo("", `{ __schema { directives { name } } time: __type(name: "Time") { specifiedByURL } cursor: __type(name: "Cursor") { specifiedByURL } }`, nil, &got)
		for _, d := range got.Schema.Directives {
			if slices.Contains(schema.ServerOnly, d.Name) {
				t.Errorf("introspection shows @%s", d.Name)
			}
		}
		for name, u := range map[string]*string{"Time": got.Time.SpecifiedByURL, "Cursor": got.Cursor.SpecifiedByURL} {
			if u == nil || !strings.HasPrefix(*u, "https://") {
				t.Errorf("%s: specifiedByURL %v", name, u)
			}
		}
	})
}
