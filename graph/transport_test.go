package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestPOSTResponses checks the shape of POST answers written by the
// server's own transport: the data as executed, errors first, no "data"
// entry for a request that never ran, and status and media type by the
// Accept header.
func TestPOSTResponses(t *testing.T) {
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	a := e.Account("Acme")
	post := func(accept, query string) (*http.Response, []byte) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.Token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := e.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(b)) {
			t.Errorf("Content-Length %q for a body of %d bytes", cl, len(b))
		}
		return res, b
	}
	const graphQLResponse = "application/graphql-response+json"

	res, body := post("", `{ viewer { account { name } } }`)
	if want := `{"data":{"viewer":{"account":{"name":"Acme"}}}}`; string(body) != want || res.StatusCode != 200 {
		t.Errorf("success: %d %s, want 200 %s", res.StatusCode, body, want)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q without Accept", ct)
	}

	for _, c := range []struct {
		accept string
		status int
	}{{"", 200}, {"application/json", 200}, {graphQLResponse, 400}, {graphQLResponse + ", application/json;q=0.5", 400}} {
		res, body := post(c.accept, `{ viewer { nope } }`)
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("Accept %q: %s: %v", c.accept, body, err)
		}
		if _, ok := doc["data"]; ok || doc["errors"] == nil || res.StatusCode != c.status {
			t.Errorf("Accept %q, invalid document: %d %s; want %d, errors and no data", c.accept, res.StatusCode, body, c.status)
		}
		if want := strings.Split(c.accept, ",")[0]; want != "" && res.Header.Get("Content-Type") != want {
			t.Errorf("Accept %q: Content-Type %q", c.accept, res.Header.Get("Content-Type"))
		}
	}

	// A failed mutation: errors first, then its data (null, as it was rolled
	// back), with status 200.
	res, body = post(graphQLResponse, `mutation { createUser(input: {name: "", email: "x@example.com"}) { id } }`)
	if !strings.HasPrefix(string(body), `{"errors":[{`) || !strings.HasSuffix(string(body), `"data":null}`) || res.StatusCode != 200 {
		t.Errorf("execution error: %d %s", res.StatusCode, body)
	}
}
