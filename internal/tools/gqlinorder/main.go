// Command gqlinorder patches gqlgen's generated executor to marshal lists
// element by element on the calling goroutine instead of starting a
// goroutine per element (gqlgen does that for every non-scalar list, even
// for enum values such as weekdays).
//
// Latchkey's list elements never wait on I/O of their own: nested edges
// are loaded up front by entgql's field collection. Concurrency therefore
// bought nothing but goroutines; the overview (50 users, 250 permissions,
// about 1,500 list elements) took half again as much CPU with it.
//
// Usage (from go:generate in graph/): go run ../internal/tools/gqlinorder generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
)

const (
	concurrent = "graphql.MarshalSliceConcurrently("
	inOrder    = "marshalSliceInOrder("
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gqlinorder FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n := bytes.Count(src, []byte(concurrent))
	if n == 0 && !bytes.Contains(src, []byte(inOrder)) {
		// gqlgen changed: the patch no longer applies and must be revisited.
		fmt.Fprintf(os.Stderr, "gqlinorder: %s calls neither %s nor %s\n", path, concurrent, inOrder)
		os.Exit(1)
	}
	out := bytes.ReplaceAll(src, []byte(concurrent), []byte(inOrder))
	if err := os.WriteFile(path, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
