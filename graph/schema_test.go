package graph_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/door"
	grantpkg "github.com/latchkey/latchkey/internal/grant"
	"github.com/latchkey/latchkey/schema"
)

// TestPrintedSchema: `latchkey schema` prints exactly the files in schema/,
// and they describe exactly the schema the server executes.
func TestPrintedSchema(t *testing.T) {
	sdl := schema.SDL()
	files, err := filepath.Glob("../schema/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sdl, "# "+filepath.Base(f)+"\n"+string(data)) {
			t.Errorf("printed schema lacks %s as it is on disk", f)
		}
	}
	printed, gerr := gqlparser.LoadSchema(&ast.Source{Name: "printed", Input: sdl})
	if gerr != nil {
		t.Fatalf("printed schema does not load: %v", gerr)
	}
	served := graph.NewSchema(nil, &grantpkg.Service{}, &door.Service{}, &admins.Service{}).Schema()
	if format(printed) != format(served) {
		t.Error("the printed schema differs from the one the server executes")
	}
}

func format(s *ast.Schema) string {
	var b strings.Builder
	formatter.NewFormatter(&b).FormatSchema(s)
	return b.String()
}
