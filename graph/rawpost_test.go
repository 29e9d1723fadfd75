package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// rawAnswer is an HTTP answer of the GraphQL endpoint as it came.
type rawAnswer struct {
	Status int
	Header http.Header
	Body   []byte
}

// one decodes the answer as one GraphQL response.
func (a rawAnswer) one(t *testing.T) *testenv.Response {
	t.Helper()
	r := &testenv.Response{Status: a.Status, Header: a.Header, Body: a.Body}
	if err := json.Unmarshal(a.Body, r); err != nil {
		t.Fatalf("decode %d %s: %v", a.Status, a.Body, err)
	}
	return r
}

// data returns the "data" member of the answer, which is one response or
// a batch of one; the rest (errors, the cost extension) is left out.
func (a rawAnswer) data() string {
	var doc struct{ Data json.RawMessage }
	body := a.Body
	if len(body) > 1 && body[0] == '[' && body[len(body)-1] == ']' {
		body = body[1 : len(body)-1]
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	return string(doc.Data)
}

// hasData reports whether the answer is one response with a "data" entry.
func (a rawAnswer) hasData() bool {
	var doc map[string]json.RawMessage
	_ = json.Unmarshal(a.Body, &doc)
	_, ok := doc["data"]
	return ok
}

// sendRaw sends body (JSON-encoded unless it is []byte) as a POST, or as
// the query string of a GET when body is nil and query is set.
func sendRaw(t *testing.T, e *testenv.Env, token, accept, query string, body any) rawAnswer {
	t.Helper()
	var req *http.Request
	if body == nil {
		req, _ = http.NewRequest(http.MethodGet, e.Server.URL+"/query?"+query, nil)
	} else {
		b, ok := body.([]byte)
		if !ok {
			b, _ = json.Marshal(body)
		}
		req, _ = http.NewRequest(http.MethodPost, e.Server.URL+"/query", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawAnswer{Status: res.StatusCode, Header: res.Header, Body: b}
}

// unchanged fails the test if any table differs from before.
func unchanged(t *testing.T, e *testenv.Env, before testenv.Tables, what string) {
	t.Helper()
	if d := before.Diff(e.Tables()); d != "" {
		t.Errorf("%s wrote:\n%s", what, d)
	}
}
