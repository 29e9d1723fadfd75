package graph_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/latchkey/latchkey/internal/testenv"
)

const acceptDefer = "multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9"

// multipartParts splits a multipart/mixed answer of boundary "-" into its
// JSON parts, failing unless it ends with the closing boundary.
func multipartParts(t *testing.T, ans rawAnswer) []map[string]json.RawMessage {
	t.Helper()
	if ct := ans.Header.Get("Content-Type"); !strings.HasPrefix(ct, `multipart/mixed; boundary="-"`) {
		t.Fatalf("Content-Type %q: %d %s", ct, ans.Status, ans.Body)
	}
	body, ok := strings.CutSuffix(string(ans.Body), "\r\n-----\r\n")
	if !ok {
		t.Fatalf("no closing boundary: %q", ans.Body)
	}
	var parts []map[string]json.RawMessage
	for _, p := range strings.Split(body, "\r\n---\r\n")[1:] {
		head, doc, ok := strings.Cut(p, "\r\n\r\n")
		if !ok || !strings.EqualFold(head, "Content-Type: application/json; charset=utf-8") {
			t.Fatalf("part %q", p)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("part %q: %v", doc, err)
		}
		parts = append(parts, m)
	}
	return parts
}

// TestDefer: a query with @defer is answered over multipart/mixed when the
// client accepts it (POST or GET, inline fragment or spread): first the
// rest, then each deferred part as {"incremental": [...]}, the last with
// hasNext false. Without multipart/mixed, in a batch or in a mutation it is
// refused before anything runs, with a message that says why; @defer(if:
// false) is an ordinary query.
func TestDefer(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		user := newUser(e, a.Token, "Ann", "ann@example.com")
		vars := map[string]any{"id": user}
		inline := `query($id: ID!) { node(id: $id) { id ... on User { name ... @defer(label: "later") { permissions { totalCount } } } } }`
		spread := `query($id: ID!) { node(id: $id) { id ... on User { name ...Later @defer(label: "later") } } } fragment Later on User { permissions { totalCount } }`
		varsJSON, _ := json.Marshal(vars)
		for name, send := range map[string]func(string) rawAnswer{
			"POST": func(q string) rawAnswer {
				return sendRaw(t, e, a.Token, acceptDefer, "", map[string]any{"query": q, "variables": vars})
			},
			"GET": func(q string) rawAnswer {
				return sendRaw(t, e, a.Token, acceptDefer, url.Values{"query": {q}, "variables": {string(varsJSON)}}.Encode(), nil)
			},
		} {
			for kind, q := range map[string]string{"inline": inline, "spread": spread} {
				parts := multipartParts(t, send(q))
				if len(parts) != 2 || !strings.Contains(string(parts[0]["data"]), `"name":"Ann"`) || string(parts[0]["hasNext"]) != "true" ||
					string(parts[1]["hasNext"]) != "false" ||
					incrementalData(t, parts[1]["incremental"]) != `[{"data":{"permissions":{"totalCount":0}},"label":"later","path":["node"]}]` {
					t.Errorf("%s %s: %q", name, kind, parts)
				}
			}
		}

		// gqlgen defers nothing at the root: all of it comes in one part.
		root := multipartParts(t, sendRaw(t, e, a.Token, acceptDefer, "", map[string]any{"query": `{ ... @defer { viewer { role } } }`}))
		if len(root) != 1 || string(root[0]["data"]) != `{"viewer":{"role":"OWNER"}}` {
			t.Errorf("@defer at the root: %q", root)
		}

		before := e.Tables()
		device := `mutation { createDevice(input: {name: "Door", timeZone: "UTC"}) { device { id ... @defer { name } } } }`
		for name, c := range map[string]struct {
			accept string
			body   any
			status int
		}{
			"no multipart, graphql-response": {gqlResponse, map[string]any{"query": inline, "variables": vars}, 400},
			"no multipart, json":             {"application/json", map[string]any{"query": inline, "variables": vars}, 200},
			"mutation":                       {acceptDefer, map[string]any{"query": device}, 400},
		} {
			ans := sendRaw(t, e, a.Token, c.accept, "", c.body)
			r := ans.one(t)
			if ans.Status != c.status || ans.hasData() || r.Code() != "BAD_REQUEST" || !strings.Contains(r.Errors[0].Message, "multipart/mixed") {
				t.Errorf("%s: %d %s", name, ans.Status, ans.Body)
			}
		}
		ans := sendRaw(t, e, a.Token, acceptDefer, "", []any{map[string]any{"query": inline, "variables": vars}, map[string]any{"query": device}})
		var batch []testenv.Response
		if err := json.Unmarshal(ans.Body, &batch); err != nil || len(batch) != 2 || batch[0].Code() != "BAD_REQUEST" || batch[1].Code() != "BAD_REQUEST" {
			t.Errorf("batch: %s", ans.Body)
		}
		unchanged(t, e, before, "a refused @defer")

		r := e.Do(a.Token, strings.Replace(inline, `@defer(label: "later")`, "@defer(if: false)", 1), vars)
		if want := `{"node":{"id":"` + user + `","name":"Ann","permissions":{"totalCount":0}}}`; string(r.Data) != want || len(r.Errors) > 0 {
			t.Errorf("@defer(if: false): %s", r.Body)
		}
	})
}

// incrementalData is the incremental list of a later part without each
// item's extensions (the cost report rides on the last one).
func incrementalData(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var items []struct {
		Data  json.RawMessage `json:"data"`
		Label string          `json:"label"`
		Path  []any           `json:"path"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatalf("incremental %s: %v", raw, err)
	}
	out, _ := json.Marshal(items)
	return string(out)
}

// stallDriver holds every query that reads accounts, once armed, until its
// context ends.
type stallDriver struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d stallDriver) Query(ctx context.Context, query string, args, v any) error {
	if d.armed.Load() && strings.Contains(query, "accounts") {
		<-ctx.Done()
		return ctx.Err()
	}
	return d.Driver.Query(ctx, query, args, v)
}

// TestDeferPastDeadline: a deferred field still running at the request's
// deadline ends the answer, with a last part that says nothing more comes;
// the request does not wait for it forever. One the deadline passed before
// it ran answers 503, as every late request.
// (gqlgen's deferred fields give up sending their result when the context
// ends, while its executor waited for each of them: about half of such
// requests held their goroutine and connection for good. Without the fix
// this test reports the hang, then its server cannot close.)
func TestDeferPastDeadline(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		armed := new(atomic.Bool)
		e := testenv.Start(t, databaseURL, faultTimeout(200*time.Millisecond),
			testenv.WithDriver(func(d dialect.Driver) dialect.Driver { return stallDriver{d, armed} }))
		a := e.Account("Acme")
		e.Do(a.Token, `{ viewer { role } }`, nil) // the token is checked once, then trusted
		armed.Store(true)
		body := `{"query":"{ viewer { role ... @defer { account { name } } } }"}`
		for i := range 8 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.Server.URL+"/query", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", acceptDefer)
			req.Header.Set("Authorization", "Bearer "+a.Token)
			res, err := e.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			cancel()
			if err != nil {
				t.Fatalf("request %d never ended: %v; read %q", i, err, b)
			}
			if !strings.HasSuffix(string(b), "\r\n\r\n{\"hasNext\":false}\r\n-----\r\n") {
				t.Errorf("request %d: %q", i, b)
			}
		}

		// One whose request ended before it ran gets the deadline's answer.
		late := testenv.Start(t, databaseURL, faultTimeout(time.Nanosecond))
		ans := sendRaw(t, late, "", acceptDefer, "", map[string]any{"query": `{ __schema { queryType { name ... @defer { description } } } }`})
		if r := ans.one(t); r.Status != 503 || r.Code() != "INTERNAL" {
			t.Errorf("a deferred query past its deadline before it ran: %d %s", r.Status, r.Body)
		}
	})
}
