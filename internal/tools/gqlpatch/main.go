// Command gqlpatch makes three changes to gqlgen's generated executor,
// measured on the users overview (50 users, 250 permissions, about 1,500
// list elements and 3,500 leaf fields; see BENCHMARKS.md):
//
//   - Lists are marshalled element by element on the calling goroutine
//     instead of a goroutine per element (gqlgen does that for every
//     non-scalar list, even for enum values such as weekdays). Latchkey's
//     list elements never wait on I/O of their own: nested edges are loaded
//     up front by entgql's field collection. A third less CPU.
//   - The path of each object, and the field set and map that gather its
//     deferred fields, are made only when a @defer needs them, not for
//     every object. About 7 % less CPU for the path.
//   - Leaf fields that only read a struct field are marshalled directly
//     (see leaf.go). About a fifth less CPU.
//   - An object is written by a value of its own instead of gqlgen's
//     FieldSet, which allocates a copy of every field and a map per object
//     as it writes it.
//
// And one that is no measure but a fix: the next deferred result is awaited
// only until the request's context ends (nextDeferred). A deferred field
// that finishes after that gives up sending its result, and gqlgen's
// receive would wait for it forever, holding the request's goroutine and
// connection.
//
// The replacements live in graph/patched.go. Run from
// go:generate in graph/: go run ../internal/tools/gqlpatch generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
)

var patches = []struct{ from, to string }{
	{"graphql.MarshalSliceConcurrently(", "marshalSliceInOrder("},
	{"graphql.NewDeferredGroup(ctx)", "newDeferredGroup(ctx)"},
	{"out.ResolveConcurrently(ec.OperationContext, &deferred, i,", "out.ResolveConcurrently(ec.OperationContext, readyDeferred(&deferred, field), i,"},
	{"ec.ProcessDeferredGroup(deferred)", "ec.ProcessDeferredGroup(withDeferredPath(deferred))"},
	{"\n\treturn out\n}\n", "\n\treturn newObjectValue(fields, out)\n}\n"},
	{"result := <-ec.DeferredResults\n", "result, ok := nextDeferred(ctx, ec.DeferredResults)\n\t\t\t\t\tif !ok {\n\t\t\t\t\t\treturn nil\n\t\t\t\t\t}\n"},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gqlpatch FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range patches {
		if !bytes.Contains(src, []byte(p.from)) && !bytes.Contains(src, []byte(p.to)) {
			// gqlgen changed: the patch no longer applies and must be revisited.
			fmt.Fprintf(os.Stderr, "gqlpatch: %s contains neither %q nor %q\n", path, p.from, p.to)
			os.Exit(1)
		}
		src = bytes.ReplaceAll(src, []byte(p.from), []byte(p.to))
	}
	src, n := directLeaves(src)
	if n == 0 && !bytes.Contains(src, []byte(directLeafMark)) {
		fmt.Fprintf(os.Stderr, "gqlpatch: %s has no leaf field to marshal directly; gqlgen's output changed\n", path)
		os.Exit(1)
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
