// Command entpatch teaches entgql's generated field collection that the
// GraphQL field Permission.restrictions reads five columns.
//
// entgql selects only the columns of the fields a query asks for, unless it
// meets a field it does not know, such as restrictions (a method generated
// by ent/template/restrictions.tmpl over columns hidden from GraphQL): then
// it selects every column. For the users overview that is 16 columns of
// 250 permissions instead of 11, two of them timestamps that lib/pq parses
// (about a third of what loading the permissions costs). entpatch adds a
// case for restrictions that selects permissionRestrictionColumns.
//
// Run from go:generate in ent/, after entc: go run ../internal/tools/entpatch gql_collection.go
package main

import (
	"fmt"
	"os"
	"strings"
)

const (
	funcStart = "func (_q *PermissionQuery) collectField("
	anchor    = "\t\tcase \"id\":\n"
	addition  = `		case "restrictions":
			for _, column := range permissionRestrictionColumns {
				if _, ok := fieldSeen[column]; !ok {
					selectedFields = append(selectedFields, column)
					fieldSeen[column] = struct{}{}
				}
			}
`
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: entpatch FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err == nil {
		var out string
		if out, err = patch(string(src)); err == nil {
			err = os.WriteFile(path, []byte(out), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "entpatch: %s: %v\n", path, err)
		os.Exit(1)
	}
}

// patch adds the restrictions case to Permission's field collection, once.
func patch(src string) (string, error) {
	start := strings.Index(src, funcStart)
	if start < 0 {
		return "", fmt.Errorf("no %q; entgql's output changed", funcStart)
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		return "", fmt.Errorf("%q does not end", funcStart)
	}
	body := src[start : start+end]
	if strings.Contains(body, addition) {
		return src, nil
	}
	at := strings.Index(body, anchor)
	if at < 0 {
		return "", fmt.Errorf("no %q in %q; entgql's output changed", strings.TrimSpace(anchor), funcStart)
	}
	at += start
	return src[:at] + addition + src[at:], nil
}
