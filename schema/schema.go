// Package schema embeds the GraphQL contract, so that the binary can print
// exactly the files clients generate code from.
package schema

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.graphql
var files embed.FS

// SDL returns every schema file, in name order, each introduced by a
// comment with its name.
func SDL() string {
	names, _ := fs.Glob(files, "*.graphql")
	var b strings.Builder
	for _, n := range names {
		data, _ := files.ReadFile(n)
		b.WriteString("# " + n + "\n")
		b.Write(data)
		if !strings.HasSuffix(string(data), "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}
