package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestBatchAdmitsEachOperation: the admission mark is per request, but
// each operation of a batch is judged with the caller it had before any
// ran: a viewer's admitted query does not let its refused write through,
// and a sign-in does not lend its session to the batch's later
// operations. Nothing the refused operations name is written.
func TestBatchAdmitsEachOperation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		_, viewer := newAPIToken(e, acme.Token, map[string]any{"name": "wall", "role": "VIEWER"})
		olga := newAdmin(e, acme, "Olga", "olga@example.com", enum.AdminOwner, "olgas long passphrase")
		op := func(query string, vars map[string]any) map[string]any {
			return map[string]any{"query": query, "variables": vars}
		}
		mint := op(createToken, map[string]any{"in": map[string]any{"name": "mine", "role": "OWNER"}})
		promote := op(updateAdmin, map[string]any{"input": map[string]any{"id": string(olga.ID), "role": "OWNER"}})
		for name, c := range map[string]struct {
			token string
			ops   []any
			code  string
		}{
			"a viewer's query, then writes": {viewer, []any{op(`{ users { totalCount } }`, nil), mint, promote}, "FORBIDDEN"},
			"a sign-in, then writes":        {"", []any{op(signIn, map[string]any{"input": map[string]any{"email": "olga@example.com", "password": "olgas long passphrase"}}), mint, promote}, "UNAUTHENTICATED"},
		} {
			t.Run(name, func(t *testing.T) {
				before := e.Tables()
				ans := sendRaw(t, e, c.token, "", "", c.ops)
				var got []testenv.Response
				if err := json.Unmarshal(ans.Body, &got); err != nil || len(got) != 3 {
					t.Fatalf("batch answer %d %s", ans.Status, ans.Body)
				}
				if len(got[0].Errors) > 0 {
					t.Fatalf("the first operation failed: %s", ans.Body)
				}
				for _, r := range got[1:] {
					if r.Code() != c.code || r.Data != nil {
						t.Errorf("a later write answered %s, want %s and no data", ans.Body, c.code)
					}
				}
				after := e.Tables()
				if n := len(after["api_tokens"]) - len(before["api_tokens"]); n > 1 || n == 1 && c.token != "" {
					t.Errorf("%d tokens more", n)
				}
			})
		}
	})
}
