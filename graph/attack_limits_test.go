package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestRepeatedResponsePaths: validation compares every pair of fields that
// answer one response path, so a document that repeats one (directly, in
// nested selections, through fragments or across operations, or with
// conflicting fields that each pair up into an error) is refused before
// validation, with or without a token, and reads and writes nothing; 20
// fields on one path still pass.
func TestRepeatedResponsePaths(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)

		var fragments, operations, conflicts strings.Builder
		fragments.WriteString("{")
		for i := range 25 {
			fmt.Fprintf(&fragments, " ...F%d", i)
		}
		fragments.WriteString(" }")
		for i := range 25 {
			fmt.Fprintf(&fragments, " fragment F%d on Query { viewer { role } }", i)
			fmt.Fprintf(&operations, "query Q%d { ...F } ", i)
		}
		operations.WriteString("fragment F on Query { viewer { role } }")
		conflicts.WriteString("{")
		for range 21 {
			conflicts.WriteString(" a: __typename a: viewer { role }")
		}
		conflicts.WriteString(" }")
		cases := []struct{ name, query string }{
			// Old code: 70 of these viewers with 68 roles each took 3.6 s.
			{"nested", "{" + strings.Repeat(" viewer {"+strings.Repeat(" role", 25)+" }", 25) + " }"},
			{"flat", "{" + strings.Repeat(" viewer { role }", 21) + " }"},
			{"fragments", fragments.String()},
			{"operations", operations.String()},
			// Old code: 830 against 415 answered 345,000 errors (90 MB).
			{"conflicts", conflicts.String()},
			{"inline fragments", "{" + strings.Repeat(" ... on Query { viewer { role } }", 21) + " }"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := expectRefusedUnread(t, e, &st, acme.Token, c.query, nil, "COMPLEXITY_LIMIT_EXCEEDED", "")
				if len(r.Errors) != 1 {
					t.Errorf("%d errors, want 1: %.300s", len(r.Errors), r.Body)
				}
				if r := e.Do("", c.query, nil); r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
					t.Errorf("without a token: %.300s", r.Body)
				}
			})
		}
		// A fragment spread twice into one selection set counts once, as
		// it runs once; 20 fields on one path pass.
		e.MustDo(acme.Token, "{"+strings.Repeat(" viewer { role }", 20)+" }", nil, nil)
		e.MustDo(acme.Token, "{"+strings.Repeat(" ...F", 40)+" } fragment F on Query { viewer { role } }", nil, nil)
	})
}
