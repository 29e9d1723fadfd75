package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// badRequestDocs are the only bodies a 400 may have.
var badRequestDocs = func() []string {
	var docs []string
	for _, m := range []string{
		"malformed query string",
		"request body could not be read",
		"request body is not valid JSON",
		"request body must be a JSON object",
		"a batch is an array of 1 to 10 requests",
		"query, operationName and documentId must be strings, variables and extensions objects",
	} {
		docs = append(docs, `{"errors":[{"message":"`+m+`","extensions":{"code":"BAD_REQUEST"}}]}`)
	}
	docs = append(docs, `{"errors":[{"message":"a batch holds at most 10 operations","extensions":{"code":"BATCH_LIMIT_EXCEEDED"}}]}`)
	return docs
}()

var fixedBadRequests = strings.Join(badRequestDocs, "\n")

// FuzzGuard feeds arbitrary requests through Guard. A body of odd length is
// sent without a Content-Length, as if chunked, so both size checks run.
func FuzzGuard(f *testing.F) {
	q := func(query, op string) string { return getQuery(query, op) }
	big := strings.Repeat("x", 2*testLimit)
	f.Add("POST", "application/json", validBody, "")
	f.Add("POST", "application/json; charset=utf-8", `{"query":"mutation { logout }"}`, "")
	f.Add("POST", "application/json", `{"query":"`+big+`"}`, "")
	f.Add("POST", "application/json", `{"query":"`+big+`"} `, "")
	f.Add("POST", "application/json", `[{"query":"{a}"}]`, "")
	f.Add("POST", "application/json", `[{"query":"{a}"},{},{},{},{},{},{},{},{},{},{}]`, "")
	f.Add("POST", "application/json", `[{"query":1}]`, "")
	f.Add("POST", "application/json", `{"query":"SECRET-TOKEN`, "")
	f.Add("POST", "application/json", `  "a string body"`, "")
	f.Add("POST", "application/json", "", "")
	f.Add("POST", "multipart/form-data; boundary=x", "--x\r\n", "")
	f.Add("POST", "application/x-www-form-urlencoded", "query=%7Ba%7D", "")
	f.Add("POST", "text/plain", validBody, "")
	f.Add("POST", "", validBody, "")
	f.Add("GET", "", "", q("{ viewer { id } }", ""))
	f.Add("GET", "", "", q("mutation { logout }", ""))
	f.Add("GET", "", "", q("subscription { events }", ""))
	f.Add("GET", "", "", q("query Q { a } mutation M { logout }", "M"))
	f.Add("GET", "", "", q("query Q { a } mutation M { logout }", "Q"))
	f.Add("GET", "", "", q("mutation { logout", ""))
	f.Add("GET", "", big, q("{ a }", ""))
	f.Add("GET", "", "", "query=%zz;x")
	f.Add("OPTIONS", "", "", "")
	f.Add("PUT", "application/json", validBody, "")
	f.Add("HEAD", "", "", "")
	f.Add("", "", "", "")

	f.Fuzz(func(t *testing.T, method, contentType, body, rawQuery string) {
		var got []byte
		ran := false
		down := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ran = true
			got, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusOK)
		})
		r := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: "/query", RawQuery: rawQuery},
			Header:        http.Header{},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Host:          "example.test",
		}
		if len(body)%2 == 1 {
			r.Body = chunked{strings.NewReader(body)}
			r.ContentLength = -1
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		Guard(down, Options{MaxBodyBytes: testLimit}).ServeHTTP(rec, r)

		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("unexpected status %d", rec.Code)
		}
		if ran != (rec.Code == http.StatusOK) {
			t.Fatalf("downstream ran = %v with status %d", ran, rec.Code)
		}

		if ran {
			if len(body) > testLimit {
				t.Fatalf("downstream ran on a %d-byte body", len(body))
			}
			if string(got) != body {
				t.Fatalf("downstream read %q, want %q", got, body)
			}
			if method == http.MethodGet && getMutation(rawQuery) {
				t.Fatalf("GET mutation passed: %q", rawQuery)
			}
			return
		}

		if !strings.Contains(rec.Body.String(), CodeBatchLimitExceeded) {
			checkError(t, rec, codeFor(rec.Code))
		}
		if rec.Code != http.StatusBadRequest {
			return
		}
		// A 400 never echoes the input, unless the input happens to be part
		// of the fixed text ...
		for _, in := range []string{body, rawQuery} {
			if len(in) > 8 && bytes.Contains(rec.Body.Bytes(), []byte(in)) && !strings.Contains(fixedBadRequests, in) {
				t.Fatalf("400 body %s echoes input %q", rec.Body, in)
			}
		}
		// ... because it is exactly one of the fixed documents.
		if !slices.Contains(badRequestDocs, rec.Body.String()) {
			t.Fatalf("unexpected 400 body %s", rec.Body)
		}
	})
}

func codeFor(status int) string {
	return map[int]string{
		http.StatusBadRequest:            CodeBadRequest,
		http.StatusMethodNotAllowed:      CodeMethodNotAllowed,
		http.StatusRequestEntityTooLarge: CodePayloadTooLarge,
		http.StatusUnsupportedMediaType:  CodeUnsupportedMediaType,
	}[status]
}

// getMutation reports whether a GET query string selects a mutation or a
// subscription (within the token budget Guard parses).
func getMutation(rawQuery string) bool {
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Get("query")}, maxQueryTokens)
	if err != nil {
		return false
	}
	op := doc.Operations.ForName(params.Get("operationName"))
	return op != nil && op.Operation != ast.Query
}
