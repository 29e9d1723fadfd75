package main

import (
	"os"
	"strings"
	"testing"
)

// TestGeneratedShape reads the committed executor. gqlpatch stops when one
// of its texts is nowhere in gqlgen's output; this test also fails when
// gqlgen changes the shape of only some of the code it patches, so that
// part of it would silently keep gqlgen's slower path.
func TestGeneratedShape(t *testing.T) {
	src, err := os.ReadFile("../../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	if n := strings.Count(text, "graphql.MarshalSliceConcurrently("); n > 0 {
		t.Errorf("%d lists are marshalled concurrently", n)
	}
	if n := strings.Count(text, "<-ec.DeferredResults"); n > 0 {
		t.Errorf("%d deferred results are awaited past the request's end", n)
	}
	if sets, values := strings.Count(text, "out := graphql.NewFieldSet(fields)\n"), strings.Count(text, "\treturn newObjectValue(fields, out)\n}\n"); sets == 0 || values != sets {
		t.Errorf("%d of %d objects are written by objectValue", values, sets)
	}
	// The leaf fields of the overview (graph/statements_test.go) that read a
	// struct field; the times on the way, createdAt and friends, are
	// non-null and keep gqlgen's path.
	for _, f := range []string{
		"_UserConnection_totalCount", "_PageInfo_hasNextPage", "_PageInfo_endCursor", "_UserEdge_cursor",
		"_User_id", "_User_name", "_User_email", "_User_language",
		"_Permission_id", "_Permission_status", "_Permission_remoteAllowed",
		"_Restrictions_validFrom", "_Restrictions_validUntil", "_Restrictions_weekdays",
		"_Restrictions_dailyFrom", "_Restrictions_dailyUntil",
		"_Device_id", "_Device_name", "_Device_type", "_Device_timeZone",
	} {
		body := funcBody(text, f)
		if body == "" {
			t.Errorf("no %s in graph/generated.go", f)
		} else if !strings.Contains(body, directLeafMark) {
			t.Errorf("%s is not read directly:\n%s", f, body)
		}
	}
}
