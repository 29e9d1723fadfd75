package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const testLimit = 64

// recorder is a downstream handler that remembers whether it ran and what
// body it saw.
type recorder struct {
	ran  bool
	body []byte
	err  error
}

func (d *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.ran = true
	d.body, d.err = io.ReadAll(r.Body)
	w.WriteHeader(http.StatusOK)
}

// chunked hides the length of a reader, like a chunked request body.
type chunked struct{ io.Reader }

func (chunked) Close() error { return nil }

type request struct {
	method, contentType, accept, query string
	body                               string
	chunked                            bool // Content-Length -1
}

func (c request) build() *http.Request {
	target := "/query"
	if c.query != "" {
		target += "?" + c.query
	}
	r := httptest.NewRequest(c.method, target, strings.NewReader(c.body))
	if c.chunked {
		r.Body = chunked{strings.NewReader(c.body)}
		r.ContentLength = -1
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		r.Header.Set("Accept", c.accept)
	}
	return r
}

func getQuery(query, operationName string) string {
	v := url.Values{"query": {query}}
	if operationName != "" {
		v.Set("operationName", operationName)
	}
	return v.Encode()
}

const validBody = `{"query":"{ viewer { id } }"}`

func TestGuard(t *testing.T) {
	atLimit := `{"query":"` + strings.Repeat("a", testLimit-len(`{"query":""}`)) + `"}`
	if len(atLimit) != testLimit {
		t.Fatalf("atLimit has %d bytes", len(atLimit))
	}
	over := atLimit + " "
	const json = "application/json"
	multiOp := "query Q { viewer { id } } mutation M { logout }"

	tests := []struct {
		name   string
		req    request
		status int
		code   string
		allow  string
		ctype  string // expected Content-Type of an error, default application/json
	}{
		{name: "post ok", req: request{method: "POST", contentType: json, body: validBody}, status: 200},
		{name: "post charset", req: request{method: "POST", contentType: "Application/JSON; Charset=UTF-8", body: validBody}, status: 200},
		{name: "post leading space", req: request{method: "POST", contentType: json, body: " \n" + validBody}, status: 200},
		{name: "at limit", req: request{method: "POST", contentType: json, body: atLimit}, status: 200},
		{name: "at limit chunked", req: request{method: "POST", contentType: json, body: atLimit, chunked: true}, status: 200},
		{name: "oversize content-length", req: request{method: "POST", contentType: json, body: over}, status: 413, code: CodePayloadTooLarge},
		{name: "oversize chunked", req: request{method: "POST", contentType: json, body: over, chunked: true}, status: 413, code: CodePayloadTooLarge},
		{name: "oversize get body", req: request{method: "GET", query: getQuery("{ a }", ""), body: over}, status: 413, code: CodePayloadTooLarge},
		{name: "oversize get body chunked", req: request{method: "GET", query: getQuery("{ a }", ""), body: over, chunked: true}, status: 413, code: CodePayloadTooLarge},
		{name: "oversize options body chunked", req: request{method: "OPTIONS", body: over, chunked: true}, status: 413, code: CodePayloadTooLarge},
		{name: "get body at limit", req: request{method: "GET", query: getQuery("{ a }", ""), body: atLimit, chunked: true}, status: 200},
		{name: "multipart", req: request{method: "POST", contentType: "multipart/form-data; boundary=x", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "form", req: request{method: "POST", contentType: "application/x-www-form-urlencoded", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "text/plain", req: request{method: "POST", contentType: "text/plain", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "no content type", req: request{method: "POST", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "application/graphql", req: request{method: "POST", contentType: "application/graphql", body: "{ a }"}, status: 415, code: CodeUnsupportedMediaType},
		{name: "json latin1", req: request{method: "POST", contentType: "application/json; charset=iso-8859-1", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "malformed content type", req: request{method: "POST", contentType: "application/json;;", body: validBody}, status: 415, code: CodeUnsupportedMediaType},
		{name: "malformed json", req: request{method: "POST", contentType: json, body: `{"query":"SECRET-TOKEN-1234`}, status: 400, code: CodeBadRequest},
		{name: "trailing garbage", req: request{method: "POST", contentType: json, body: `{"query":"{a}"} SECRET-TOKEN`}, status: 400, code: CodeBadRequest},
		{name: "empty body", req: request{method: "POST", contentType: json}, status: 400, code: CodeBadRequest},
		{name: "batch", req: request{method: "POST", contentType: json, body: `[{"query":"{a}"}, {"documentId":"x"}]`}, status: 200},
		{name: "batch of 10", req: request{method: "POST", contentType: json, body: "[" + strings.Repeat(`{},`, 9) + `{}]`}, status: 200},
		{name: "batch of 11", req: request{method: "POST", contentType: json, body: "[" + strings.Repeat(`{},`, 10) + `{}]`}, status: 400, code: CodeBatchLimitExceeded},
		{name: "empty batch", req: request{method: "POST", contentType: json, body: `[]`}, status: 400, code: CodeBadRequest},
		{name: "batch of a string", req: request{method: "POST", contentType: json, body: `["SECRET-TOKEN-1234"]`}, status: 400, code: CodeBadRequest},
		{name: "batch ill-typed", req: request{method: "POST", contentType: json, body: `[{"query":"{a}"}, {"query": 1}]`}, status: 400, code: CodeBadRequest},
		{name: "documentId a number", req: request{method: "POST", contentType: json, body: `{"documentId": 1}`}, status: 400, code: CodeBadRequest},
		{name: "json string", req: request{method: "POST", contentType: json, body: `"SECRET-TOKEN-1234"`}, status: 400, code: CodeBadRequest},
		{name: "get query", req: request{method: "GET", query: getQuery("query { viewer { id } }", "")}, status: 200},
		{name: "get shorthand", req: request{method: "GET", query: getQuery("{ viewer { id } }", "")}, status: 200},
		{name: "get field named mutation", req: request{method: "GET", query: getQuery("{ mutation subscription }", "")}, status: 200},
		{name: "get no query", req: request{method: "GET"}, status: 200},
		{name: "get mutation", req: request{method: "GET", query: getQuery("mutation { logout }", "")}, status: 405, code: CodeMethodNotAllowed, allow: "POST"},
		{name: "get subscription", req: request{method: "GET", query: getQuery("subscription { events }", "")}, status: 405, code: CodeMethodNotAllowed, allow: "POST"},
		{name: "get selects mutation", req: request{method: "GET", query: getQuery(multiOp, "M")}, status: 405, code: CodeMethodNotAllowed, allow: "POST"},
		{name: "get selects query", req: request{method: "GET", query: getQuery(multiOp, "Q")}, status: 200},
		{name: "get ambiguous", req: request{method: "GET", query: getQuery(multiOp, "")}, status: 200},
		{name: "get unparsable mutation", req: request{method: "GET", query: getQuery("mutation { logout", "")}, status: 200},
		{name: "get bad query string", req: request{method: "GET", query: "query=%zzSECRET"}, status: 400, code: CodeBadRequest},
		{name: "put", req: request{method: "PUT", contentType: json, body: validBody}, status: 405, code: CodeMethodNotAllowed, allow: allowAll},
		{name: "delete", req: request{method: "DELETE"}, status: 405, code: CodeMethodNotAllowed, allow: allowAll},
		{name: "head", req: request{method: "HEAD"}, status: 405, code: CodeMethodNotAllowed, allow: allowAll},
		{name: "options", req: request{method: "OPTIONS"}, status: 200},
		{name: "accept graphql-response", req: request{method: "PUT", accept: "application/graphql-response+json"}, status: 405, code: CodeMethodNotAllowed, allow: allowAll, ctype: mediaGraphQLResponse},
		{name: "accept both", req: request{method: "POST", contentType: "text/plain", accept: "application/graphql-response+json, application/json;q=0.9"}, status: 415, code: CodeUnsupportedMediaType, ctype: mediaGraphQLResponse},
		{name: "accept prefers json", req: request{method: "POST", contentType: "text/plain", accept: "application/graphql-response+json;q=0.5, application/json"}, status: 415, code: CodeUnsupportedMediaType, ctype: mediaJSON},
		{name: "accept wildcard", req: request{method: "POST", contentType: "text/plain", accept: "*/*"}, status: 415, code: CodeUnsupportedMediaType, ctype: mediaJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			down := &recorder{}
			rec := httptest.NewRecorder()
			Guard(down, Options{MaxBodyBytes: testLimit}).ServeHTTP(rec, tc.req.build())

			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if down.ran != (tc.status == 200) {
				t.Fatalf("downstream ran = %v with status %d", down.ran, rec.Code)
			}
			if down.ran {
				if string(down.body) != tc.req.body {
					t.Errorf("downstream read %q (err %v), want %q", down.body, down.err, tc.req.body)
				}
				return
			}
			checkError(t, rec, tc.code)
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			want := tc.ctype
			if want == "" {
				want = mediaJSON
			}
			if got := rec.Header().Get("Content-Type"); got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if strings.Contains(rec.Body.String(), "SECRET") {
				t.Errorf("response echoes the request: %s", rec.Body)
			}
		})
	}
}

// checkError checks that the response is a GraphQL error document with the
// given code.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, code string) {
	t.Helper()
	var doc struct {
		Errors []struct {
			Message    string            `json:"message"`
			Extensions map[string]string `json:"extensions"`
		} `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if len(doc.Errors) != 1 || doc.Errors[0].Message == "" || doc.Errors[0].Extensions["code"] != code {
		t.Fatalf("body %s, want one error with code %s", rec.Body, code)
	}
}

func TestDefaultLimit(t *testing.T) {
	body := `{"query":"` + strings.Repeat(" ", int(DefaultMaxBodyBytes)) + `"}`
	for _, limit := range []int64{0, -1} {
		down := &recorder{}
		rec := httptest.NewRecorder()
		r := request{method: "POST", contentType: "application/json", body: body, chunked: true}.build()
		Guard(down, Options{MaxBodyBytes: limit}).ServeHTTP(rec, r)
		if rec.Code != http.StatusRequestEntityTooLarge || down.ran {
			t.Errorf("limit %d: status %d, downstream ran %v", limit, rec.Code, down.ran)
		}
	}
}

func TestResponseType(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"*/*":                               mediaJSON,
		"application/*":                     mediaJSON,
		"text/html":                         mediaJSON,
		"application/json":                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":                        mediaGraphQLResponse,
		"application/graphql-response+json;q=0":                                      mediaJSON,
		"application/graphql-response+json;q=0.8, */*;q=0.9":                         mediaJSON,
		"application/graphql-response+json;q=0.8, */*;q=0.9, application/json;q=0.1": mediaGraphQLResponse,
		"application/graphql-response+json;q=bogus":                                  mediaJSON,
	} {
		if got := responseType(accept); got != want {
			t.Errorf("responseType(%q) = %q, want %q", accept, got, want)
		}
	}
}

// TestGuardOverHTTP sends a chunked body through a real server.
func TestGuardOverHTTP(t *testing.T) {
	down := &recorder{}
	srv := httptest.NewServer(Guard(down, Options{MaxBodyBytes: testLimit}))
	defer srv.Close()
	for _, tc := range []struct {
		body   string
		status int
	}{
		{validBody, http.StatusOK},
		{`{"query":"` + strings.Repeat("a", 4*testLimit) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		down.ran = false
		req, err := http.NewRequest("POST", srv.URL+"/query", chunked{strings.NewReader(tc.body)})
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != tc.status || down.ran != (tc.status == http.StatusOK) {
			t.Errorf("%d-byte chunked body: status %d, downstream ran %v", len(tc.body), res.StatusCode, down.ran)
		}
		if down.ran && string(down.body) != tc.body {
			t.Errorf("downstream read %q", down.body)
		}
	}
}
