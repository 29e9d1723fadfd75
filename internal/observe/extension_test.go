package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/rootfields"
)

// typedCode stands for a string type such as apperr.Code.
type typedCode string

const testSchema = `
type Query {
	users: [String!]!
	user(id: ID!): String
	boom: String
	forbidden: String
	leave: String
}
type Mutation {
	grantPermission(user: ID!): String
}
`

// roots are the root fields of testSchema: the only operation labels
// besides "other".
var roots = map[string]bool{"users": true, "user": true, "boom": true, "forbidden": true, "leave": true, "grantPermission": true, "other": true}

// leaveKey holds, in a request's context, the function that ends it as a
// client closing the connection would.
type leaveKey struct{}

// newTestServer returns a gqlgen server over testSchema without generated
// code: boom fails with INTERNAL, forbidden with FORBIDDEN (as a typed
// code), leave ends the request's context (see leaveKey) and then fails
// with INTERNAL, everything else answers null.
func newTestServer(m *Metrics) *handler.Server {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	srv := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 0, false
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			names := rootfields.Of(graphql.GetOperationContext(ctx))
			done := false
			return func(ctx context.Context) *graphql.Response {
				if done {
					return nil
				}
				done = true
				switch append(names, "")[0] {
				case "boom":
					graphql.AddError(ctx, &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL"}})
				case "leave":
					ctx.Value(leaveKey{}).(context.CancelFunc)()
					graphql.AddError(ctx, &gqlerror.Error{Message: "context canceled", Extensions: map[string]any{"code": "INTERNAL"}})
				case "forbidden":
					graphql.AddError(ctx, &gqlerror.Error{Message: "no", Extensions: map[string]any{"code": typedCode("FORBIDDEN")}})
				}
				return &graphql.Response{Data: []byte(`null`)}
			}
		},
	})
	srv.AddTransport(transport.POST{})
	srv.Use(m.Extension())
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return WithRequestID(ctx, graphql.DefaultErrorPresenter(ctx, err))
	})
	return srv
}

type gqlResponse struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends a GraphQL request to h and returns the recorder.
func post(t *testing.T, h http.Handler, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func gqlBody(query, opName string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "operationName": opName, "variables": vars})
	return string(b)
}

func TestExtensionLabelsAreBounded(t *testing.T) {
	m := NewMetrics(nil, nil)
	srv := newTestServer(m)
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}

	const n = 1000
	for i := range n {
		op := fmt.Sprintf("Op_%s_%d", word(), i)
		var query string
		switch i % 10 {
		case 0:
			query = "query " + op + " { users }"
		case 1:
			query = "query " + op + " { __typename user(id: \"1\") }"
		case 2:
			query = "query " + op + " { boom }"
		case 3:
			query = "mutation " + op + " { grantPermission(user: \"1\") }"
		case 4:
			query = "query " + op + " { ... on Query { forbidden } users }"
		case 5:
			query = "query " + op + " { " + word() + " }" // not in the schema
		case 6:
			query = "query " + op + " { __typename }"
		case 7:
			query = "mutation " + op + " { " + word() + "(x: 1) }" // not in the schema
		case 8:
			query = "{{{ " + op // does not parse
		case 9:
			query = "query " + op + " { users }"
			op = word() // operationName names no operation of the document
		}
		rec := post(t, srv, gqlBody(query, op, nil))
		if rec.Code == 0 {
			t.Fatalf("no answer to %q", query)
		}
	}

	body := scrape(t, m)
	total := 0.0
	seen := map[string]bool{}
	for _, s := range samples(t, body, "latchkey_graphql_requests_total") {
		op := s.labels["operation"]
		if !roots[op] {
			t.Errorf("operation label %q is not a root field of the schema nor other", op)
		}
		if o := s.labels["outcome"]; o != OutcomeOK && o != OutcomeError {
			t.Errorf("outcome label %q", o)
		}
		seen[op] = true
		total += s.value
	}
	if total != n {
		t.Errorf("requests counted %v, want %d (one per request)", total, n)
	}
	if len(seen) > len(roots) {
		t.Errorf("%d operation labels, want at most %d", len(seen), len(roots))
	}
	for _, s := range samples(t, body, "latchkey_graphql_request_duration_seconds_count") {
		if !roots[s.labels["operation"]] {
			t.Errorf("histogram operation label %q", s.labels["operation"])
		}
	}
	for _, s := range samples(t, body, "latchkey_graphql_errors_total") {
		if bounded(s.labels["code"], errorCodes) != s.labels["code"] && s.labels["code"] != Other {
			t.Errorf("code label %q", s.labels["code"])
		}
	}

	per := float64(n / 10)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"latchkey_graphql_requests_total", map[string]string{"operation": "users", "outcome": "ok"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "user", "outcome": "ok"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "boom", "outcome": "error"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "grantPermission", "outcome": "ok"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "forbidden", "outcome": "error"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "other", "outcome": "ok"}, per},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "other", "outcome": "error"}, 4 * per},
		{"latchkey_graphql_errors_total", map[string]string{"code": "INTERNAL"}, per},
		{"latchkey_graphql_errors_total", map[string]string{"code": "FORBIDDEN"}, per},
		{"latchkey_graphql_errors_total", map[string]string{"code": "GRAPHQL_PARSE_FAILED"}, per},
		{"latchkey_graphql_errors_total", map[string]string{"code": "GRAPHQL_VALIDATION_FAILED"}, 3 * per},
		{"latchkey_graphql_request_duration_seconds_count", map[string]string{"operation": "users", "outcome": "ok"}, per},
	}
	for _, c := range checks {
		if got := value(t, body, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestExtensionClientGone: the errors of a request whose client left
// before the answer are not counted as error codes (the client never saw
// them); the request counts under outcome client_gone and its log line
// keeps the codes.
func TestExtensionClientGone(t *testing.T) {
	var buf bytes.Buffer
	m := NewMetrics(nil, nil)
	h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), newTestServer(m))
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(context.WithValue(ctx, leaveKey{}, cancel), http.MethodPost, "/query", strings.NewReader(gqlBody(`query Gone { leave }`, "", nil)))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), req)
	post(t, h, gqlBody(`query Stayed { boom }`, "", nil))

	body := scrape(t, m)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"latchkey_graphql_errors_total", map[string]string{"code": "INTERNAL"}, 1},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "boom", "outcome": "error"}, 1},
		{"latchkey_graphql_requests_total", map[string]string{"operation": "leave", "outcome": "client_gone"}, 1},
	} {
		if got := value(t, body, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	lines := requestLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("%d request lines", len(lines))
	}
	if l := lines[0]; l["operation"] != "Gone" || l["outcome"] != "client_gone" || l["client_gone"] != true || fmt.Sprint(l["error_codes"]) != "[INTERNAL]" {
		t.Errorf("line of the request whose client left: %v", l)
	}
	if l := lines[1]; l["operation"] != "Stayed" || l["outcome"] != "error" {
		t.Errorf("line of the request whose client stayed: %v", l)
	}
}

// Before a schema is known every operation is "other".
func TestOperationLabelWithoutSchema(t *testing.T) {
	m := NewMetrics(nil, nil)
	if got := m.operationLabel(ast.Query, "users"); got != Other {
		t.Fatalf("label without schema = %q, want other", got)
	}
	m.learnSchema(gqlparser.MustLoadSchema(&ast.Source{Input: testSchema}))
	if got := m.operationLabel(ast.Query, "users"); got != "users" {
		t.Fatalf("label = %q, want users", got)
	}
	if got := m.operationLabel("", ""); got != Other {
		t.Fatalf("label of no operation = %q", got)
	}
	// A query field asked for in a mutation is not a label.
	if got := m.operationLabel(ast.Mutation, "users"); got != Other {
		t.Fatalf("mutation users = %q, want other", got)
	}
	if got := m.operationLabel(ast.Query, "__schema"); got != Other {
		t.Fatalf("__schema = %q, want other", got)
	}
}

// Through RequestLog, a GraphQL request logs its operation, root field,
// outcome, account and error codes, and an INTERNAL error carries the
// request id of the line.
func TestExtensionAnnotatesLog(t *testing.T) {
	var buf bytes.Buffer
	m := NewMetrics(nil, nil)
	m.AccountOf = func(ctx context.Context) string { return "acc_from_ctx" }
	h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), newTestServer(m))

	rec := post(t, h, gqlBody(`query Explode($secret: ID!) { boom user(id: $secret) }`, "Explode", map[string]any{"secret": "var_secret_value"}),
		"X-Request-ID", "support-ticket-42")
	if id := rec.Header().Get("X-Request-ID"); id != "support-ticket-42" {
		t.Fatalf("X-Request-ID = %q", id)
	}
	var resp gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "INTERNAL" || resp.Errors[0].Extensions["requestId"] != "support-ticket-42" {
		t.Fatalf("errors = %+v, want INTERNAL with requestId", resp.Errors)
	}

	rec = post(t, h, gqlBody(`query Nope { forbidden }`, "", nil))
	resp = gqlResponse{}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["requestId"] != nil {
		t.Fatalf("errors = %+v, want FORBIDDEN without requestId", resp.Errors)
	}

	post(t, h, gqlBody(`{ users }`, "", nil))

	lines := requestLines(t, &buf)
	if len(lines) != 3 {
		t.Fatalf("%d request lines, want 3:\n%s", len(lines), buf.String())
	}
	want := []map[string]any{
		{"request_id": "support-ticket-42", "operation": "Explode", "root_field": "boom", "outcome": "error", "account_id": "acc_from_ctx", "error_codes": []any{"INTERNAL"}},
		{"operation": "Nope", "root_field": "forbidden", "outcome": "error", "error_codes": []any{"FORBIDDEN"}},
		{"operation": nil, "root_field": "users", "outcome": "ok", "error_codes": nil},
	}
	for i, w := range want {
		for k, v := range w {
			if fmt.Sprint(lines[i][k]) != fmt.Sprint(v) {
				t.Errorf("line %d: %s = %#v, want %#v", i, k, lines[i][k], v)
			}
		}
	}
	if strings.Contains(buf.String(), "var_secret_value") || strings.Contains(buf.String(), "$secret") {
		t.Errorf("the log contains a variable or the query:\n%s", buf.String())
	}
}

func TestWithRequestID(t *testing.T) {
	ctx := context.Background()
	var withID context.Context
	h := RequestLog(slog.New(slog.DiscardHandler), http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		withID = r.Context()
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Request-ID", "rid-1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	internal := &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": typedCode("INTERNAL")}}
	got := WithRequestID(withID, internal)
	if got.Extensions["requestId"] != "rid-1" || got.Extensions["code"] != typedCode("INTERNAL") || got.Message != "internal error" {
		t.Fatalf("WithRequestID = %+v", got)
	}
	if _, ok := internal.Extensions["requestId"]; ok {
		t.Fatal("WithRequestID changed its argument")
	}
	if WithRequestID(ctx, internal) != internal {
		t.Fatal("an error without a request id was changed")
	}
	other := &gqlerror.Error{Message: "no", Extensions: map[string]any{"code": "FORBIDDEN"}}
	if WithRequestID(withID, other) != other {
		t.Fatal("a FORBIDDEN error was changed")
	}
	bare := &gqlerror.Error{Message: "no code"}
	if WithRequestID(withID, bare) != bare {
		t.Fatal("an error without code was changed")
	}
	if WithRequestID(withID, nil) != nil {
		t.Fatal("nil became an error")
	}
}
