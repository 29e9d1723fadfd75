package graph_test

// Every error of an operation leaves through the one error presenter:
// the Transactioner's too, and a broken constraint is answered by its name.

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestTransactionFailureHasRequestID: a transaction that cannot begin or
// commit answers INTERNAL with the request id of the request's log lines,
// which name the cause; the cause itself never reaches the client.
func TestTransactionFailureHasRequestID(t *testing.T) {
	const injected = "injected fault 51c2"
	testenv.Each(t, func(t *testing.T, db string) {
		var mu sync.Mutex
		var failing string // "BEGIN" or "COMMIT"
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{Driver: d, fail: func(query string) error {
				mu.Lock()
				defer mu.Unlock()
				if query != failing {
					return nil
				}
				failing = ""
				return errors.New(injected)
			}}
		}
		logs := &testenv.Buffer{}
		e := testenv.Start(t, db, testenv.WithDriver(wrap), testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelInfo)))
		acme := e.Account("Acme")
		for _, c := range []struct{ stmt, logged string }{
			{"BEGIN", "begin transaction"},
			{"COMMIT", "commit transaction"},
		} {
			t.Run(c.stmt, func(t *testing.T) {
				e := e.For(t)
				before, snap := e.Counts(), e.Snapshot()
				mu.Lock()
				failing = c.stmt
				mu.Unlock()
				r := e.Do(acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada", "email": "ada@example.com"}})
				if r.Code() != "INTERNAL" || len(r.Errors) != 1 || string(r.Data) != "null" || strings.Contains(string(r.Body), injected) {
					t.Fatalf("status %d, body %s; want one INTERNAL error, no data", r.Status, r.Body)
				}
				id, _ := r.Errors[0].Extensions["requestId"].(string)
				if id == "" || id != r.Header.Get(observe.HeaderRequestID) {
					t.Errorf("requestId %q, header %q: %s", id, r.Header.Get(observe.HeaderRequestID), r.Body)
				}
				logged := false
				for _, l := range logs.Lines() {
					logged = logged || l["request_id"] == id && l["msg"] == c.logged && strings.Contains(l["err"].(string), injected)
				}
				if !logged {
					t.Errorf("no %q line for request %q: %s", c.logged, id, logs.String())
				}
				if after := e.Counts(); after != before || e.Snapshot() != snap {
					t.Errorf("rows changed: %+v -> %+v", before, after)
				}
			})
		}
	})
}

// TestConstraintAnswers: a change that breaks a unique index a client can
// break answers by the index's name, CONFLICT with its field, on both
// databases; a constraint no client can break is INTERNAL and masked,
// whatever words its driver's message holds.
func TestConstraintAnswers(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var mu sync.Mutex
		var inject error
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{Driver: d, fail: func(query string) error {
				mu.Lock()
				defer mu.Unlock()
				if inject == nil || !faultIsInsert(query, "users") {
					return nil
				}
				err := inject
				inject = nil
				return err
			}}
		}
		e := testenv.Start(t, db, testenv.WithDriver(wrap))
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		bob := newUser(e, acme.Token, "Bob", "bob@example.com")

		r := expectRejected(t, e, acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada", "email": "ada@example.com"}}, "CONFLICT", "input.email")
		if m := r.Errors[0].Message; m != "input.email: a user with this email already exists in the account" {
			t.Errorf("message %q", m)
		}
		const updateUser = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } } }`
		expectRejected(t, e, acme.Token, updateUser, map[string]any{"id": bob, "input": map[string]any{"email": "ada@example.com"}}, "CONFLICT", "input.email")

		// An index the schema does not map, named in the driver's own
		// error, with a column that reads like a client's field.
		mu.Lock()
		inject = &pq.Error{Severity: "ERROR", Code: "23505", Constraint: "users_recovery_email_key",
			Message: `duplicate key value violates unique constraint "users_recovery_email_key"`}
		mu.Unlock()
		r = expectRejected(t, e, acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Cy", "email": "cy@example.com"}}, "INTERNAL", "")
		if b := string(r.Body); strings.Contains(b, "recovery") || strings.Contains(b, "email") || r.Errors[0].Extensions["requestId"] == nil {
			t.Errorf("unknown constraint: %s", b)
		}
	})
}

// TestRefusalShapes: the refusals of the handler extensions (Limits,
// PageLimit, MutationGuard), typed errors now, answer exactly as they did
// when each built its own: message, code and field, no path.
func TestRefusalShapes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		long := "{" + strings.Repeat(" viewer { role }", 2000) + "}"
		ids := make([]any, 1001)
		for i := range ids {
			ids[i] = "usr_x"
		}
		for _, c := range []struct {
			name, token, query string
			vars               map[string]any
			want               string
		}{
			{"tokens", acme.Token, long, nil,
				`[{"message":"the document has more than 5000 tokens","extensions":{"code":"TOKEN_LIMIT_EXCEEDED"}}]`},
			{"input list", acme.Token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids},
				`[{"message":"$ids: the list has 1001 items; at most 1000 are allowed","extensions":{"code":"INPUT_LIMIT_EXCEEDED","field":"$ids"}}]`},
			{"depth", acme.Token, `{ users { edges { node { permissions { edges { node { device { permissions { edges { node { user { permissions { edges { node { id } } } } } } } } } } } } } } }`, nil,
				`[{"message":"the operation is 15 levels deep; at most 12 are allowed","extensions":{"code":"DEPTH_LIMIT_EXCEEDED"}}]`},
			{"page direction", acme.Token, `{ users(first: 1, last: 1) { totalCount } }`, nil,
				`[{"message":"users.last: give first or last, not both","extensions":{"code":"BAD_USER_INPUT","field":"users.last"}}]`},
			{"guard, two redeems", "", `mutation { a: redeemInvitation(code: "0000-0000-0000-0000") { token } b: redeemInvitation(code: "0000-0000-0000-0001") { token } }`, nil,
				`[{"message":"an operation may redeem at most one invitation code","extensions":{"code":"BAD_USER_INPUT"}}]`},
			{"guard, no token", "", `mutation { createUser(input: {name: "A", email: "a@example.com"}) { user { id } } }`, nil,
				`[{"message":"a valid API token is required","extensions":{"code":"UNAUTHENTICATED"}}]`},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.Do(c.token, c.query, c.vars)
				var body struct{ Errors json.RawMessage }
				if err := json.Unmarshal(r.Body, &body); err != nil || string(body.Errors) != c.want {
					t.Errorf("errors %s\nwant   %s", body.Errors, c.want)
				}
			})
		}
		// Over GET too, which no longer has a parser token limit of its own.
		res, err := e.Server.Client().Get(e.Server.URL + "/query?query=" + url.QueryEscape(long))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(b), `"code":"TOKEN_LIMIT_EXCEEDED"`) {
			t.Errorf("GET of a long document: %d %s", res.StatusCode, b)
		}
	})
}

// TestRefusedBeforeGraphQLHasRequestID: an INTERNAL answer of the HTTP
// layer, here the token lookup failing, has the shape of the presenter's,
// requestId included; a refusal of the client's has none.
func TestRefusedBeforeGraphQLHasRequestID(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var down atomic.Bool
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{Driver: d, fail: func(query string) error {
				if down.Load() && strings.Contains(query, "api_tokens") {
					return errors.New("injected: database down")
				}
				return nil
			}}
		}
		e := testenv.Start(t, db, testenv.WithDriver(wrap))
		down.Store(true)
		r := e.Do("lk_not_cached_token", `{ viewer { role } }`, nil)
		down.Store(false)
		id := r.Header.Get(observe.HeaderRequestID)
		want := `[{"message":"the service is unavailable; retry shortly","extensions":{"code":"INTERNAL","requestId":"` + id + `"}}]`
		var body struct{ Errors json.RawMessage }
		if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != http.StatusServiceUnavailable || id == "" || string(body.Errors) != want {
			t.Errorf("token lookup failing: %d %s\nwant errors %s", r.Status, r.Body, want)
		}
		r = e.Do("lk_not_a_token", `{ viewer { role } }`, nil)
		if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" || r.Errors[0].Extensions["requestId"] != nil {
			t.Errorf("unknown token: %d %s", r.Status, r.Body)
		}
	})
}
