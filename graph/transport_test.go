package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestTransportResponses checks the shape of the answers written by the
// server's own transports, POST and GET alike: the data as executed,
// errors first, no "data" entry for a request that never ran, and status
// and media type by the Accept header.
func TestTransportResponses(t *testing.T) {
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"))
	a := e.Account("Acme")
	send := func(method, accept, query string) (*http.Response, []byte) {
		t.Helper()
		var req *http.Request
		if method == http.MethodGet {
			req, _ = http.NewRequest(method, e.Server.URL+"/query?"+url.Values{"query": {query}}.Encode(), nil)
		} else {
			body, _ := json.Marshal(map[string]any{"query": query})
			req, _ = http.NewRequest(method, e.Server.URL+"/query", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
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

	for _, method := range []string{http.MethodPost, http.MethodGet} {
		res, body := send(method, "", `{ viewer { account { name } } }`)
		// The data, then the extensions (the cost, see TestCostReport).
		if want := `{"data":{"viewer":{"account":{"name":"Acme"}}},"extensions":{"cost":{"requestedQueryCost":3,"actualQueryCost":3,`; !strings.HasPrefix(string(body), want) || res.StatusCode != 200 {
			t.Errorf("%s success: %d %s, want 200 %s…", method, res.StatusCode, body, want)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q without Accept", method, ct)
		}

		for _, c := range []struct {
			accept string
			status int
		}{{"", 200}, {"application/json", 200}, {graphQLResponse, 400}, {graphQLResponse + ", application/json;q=0.5", 400}} {
			res, body := send(method, c.accept, `{ viewer { nope } }`)
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s Accept %q: %s: %v", method, c.accept, body, err)
			}
			if _, ok := doc["data"]; ok || doc["errors"] == nil || res.StatusCode != c.status {
				t.Errorf("%s Accept %q, invalid document: %d %s; want %d, errors and no data", method, c.accept, res.StatusCode, body, c.status)
			}
			if want := strings.Split(c.accept, ",")[0]; want != "" && res.Header.Get("Content-Type") != want {
				t.Errorf("%s Accept %q: Content-Type %q", method, c.accept, res.Header.Get("Content-Type"))
			}
		}
	}

	// GET variables that are not a JSON object: a request the server
	// cannot read, with a code like Guard's refusals.
	res, err := e.Server.Client().Get(e.Server.URL + "/query?" + url.Values{"query": {`query($n: Int) { viewer { role } }`}, "variables": {`[1]`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), `"code":"BAD_REQUEST"`) {
		t.Errorf("GET with variables [1]: %d %s", res.StatusCode, body)
	}

	// A failed mutation: errors first, then its data (null, as it was rolled
	// back) and the extensions, with status 200.
	res, body = send(http.MethodPost, graphQLResponse, `mutation { createUser(input: {name: "", email: "x@example.com"}) { user { id } } }`)
	if !strings.HasPrefix(string(body), `{"errors":[{`) || !strings.Contains(string(body), `"data":null,"extensions":{"cost":{`) || res.StatusCode != 200 {
		t.Errorf("execution error: %d %s", res.StatusCode, body)
	}
}
