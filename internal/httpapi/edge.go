// Package httpapi guards the GraphQL endpoint: it refuses hostile or broken
// HTTP requests before they reach the GraphQL handler, following the
// GraphQL-over-HTTP specification.
//
// Guard answers, without running the next handler:
//
//   - 405 METHOD_NOT_ALLOWED for methods other than GET, POST and OPTIONS,
//     and for GET requests whose selected operation is a mutation or a
//     subscription (with "Allow: POST");
//   - 413 PAYLOAD_TOO_LARGE for bodies larger than Options.MaxBodyBytes;
//   - 415 UNSUPPORTED_MEDIA_TYPE for POST requests whose Content-Type is not
//     application/json (form and text/plain bodies can be sent cross-site
//     without a CORS preflight);
//   - 400 BAD_REQUEST for POST bodies that are not a JSON object or a batch
//     (an array of them), and for malformed GET query strings;
//   - 400 BATCH_LIMIT_EXCEEDED for a batch of more than MaxBatch requests.
//
// Error messages are fixed strings: nothing from the request is echoed.
package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/latchkey/latchkey/internal/observe"
)

// DefaultMaxBodyBytes is the body limit used when Options.MaxBodyBytes is
// not positive.
const DefaultMaxBodyBytes int64 = 1 << 20

// maxQueryTokens bounds the work spent parsing a GET query. A document with
// more tokens fails to parse here and is passed on; the GraphQL handler
// applies its own, smaller token limit (5000 in internal/app) and refuses
// non-query operations over GET itself.
const maxQueryTokens = 10000

// Error codes, in extensions.code of the error responses.
const (
	CodeBadRequest           = "BAD_REQUEST"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeBatchLimitExceeded   = "BATCH_LIMIT_EXCEEDED"
)

// MaxBatch is the most operations one batched request holds.
const MaxBatch = 10

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	allowAll             = "GET, POST, OPTIONS"
)

// Options configures Guard.
type Options struct {
	// MaxBodyBytes is the largest request body accepted; 0 or less means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Guard returns a handler that checks each request and passes the acceptable
// ones to next. A request body is read in full (up to the limit) before next
// runs and handed to it as an in-memory reader, so next never sees a
// truncated body.
func Guard(next http.Handler, opt Options) http.Handler {
	limit := opt.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	return &guard{next: next, limit: limit}
}

type guard struct {
	next  http.Handler
	limit int64
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost, http.MethodGet, http.MethodOptions:
	default:
		w.Header().Set("Allow", allowAll)
		Fail(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method not allowed; use GET, POST or OPTIONS")
		return
	}
	if r.ContentLength > g.limit {
		Fail(w, r, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, "request body too large")
		return
	}
	switch r.Method {
	case http.MethodPost:
		if !isJSON(r.Header.Get("Content-Type")) {
			Fail(w, r, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
	case http.MethodGet:
		if !checkGET(w, r) {
			return
		}
	}

	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = readBody(w, r, g.limit); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				Fail(w, r, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, "request body too large")
			} else {
				Fail(w, r, http.StatusBadRequest, CodeBadRequest, "request body could not be read")
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
	}
	if r.Method == http.MethodPost {
		if !json.Valid(body) {
			Fail(w, r, http.StatusBadRequest, CodeBadRequest, "request body is not valid JSON")
			return
		}
		if !checkPOST(w, r, body) {
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// checkPOST refuses a body that is neither a request (a JSON object) nor
// a batch of 1 to MaxBatch of them. It reports whether the request may go
// on.
func checkPOST(w http.ResponseWriter, r *http.Request, body []byte) bool {
	var reqs []json.RawMessage
	switch trimmed := bytes.TrimLeft(body, " \t\r\n"); {
	case len(trimmed) > 0 && trimmed[0] == '{':
		reqs = []json.RawMessage{body}
	case len(trimmed) > 0 && trimmed[0] == '[':
		if json.Unmarshal(body, &reqs) != nil || len(reqs) == 0 {
			Fail(w, r, http.StatusBadRequest, CodeBadRequest, "a batch is an array of 1 to 10 requests")
			return false
		}
		if len(reqs) > MaxBatch {
			Fail(w, r, http.StatusBadRequest, CodeBatchLimitExceeded, "a batch holds at most 10 operations")
			return false
		}
	default:
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "request body must be a JSON object")
		return false
	}
	for _, req := range reqs {
		if !wellTyped(req) {
			Fail(w, r, http.StatusBadRequest, CodeBadRequest, "query, operationName and documentId must be strings, variables and extensions objects")
			return false
		}
	}
	return true
}

// wellTyped reports whether the request parameters have the types the
// GraphQL-over-HTTP specification gives them (gqlgen would otherwise
// answer with its decoder's message, which quotes the whole body).
func wellTyped(body []byte) bool {
	var params map[string]json.RawMessage
	if json.Unmarshal(body, &params) != nil {
		return false
	}
	for name, want := range map[string]byte{"query": '"', "operationName": '"', "documentId": '"', "doc_id": '"', "variables": '{', "extensions": '{'} {
		v := bytes.TrimSpace(params[name])
		if len(v) > 0 && v[0] != want && string(v) != "null" {
			return false
		}
	}
	return true
}

// checkGET refuses malformed query strings and GET mutations or
// subscriptions. It reports whether the request may go on.
func checkGET(w http.ResponseWriter, r *http.Request) bool {
	// Parsed exactly as gqlgen's GET transport does.
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "malformed query string")
		return false
	}
	query := params.Get("query")
	// The query shorthand "{...}" is always a query; only a document
	// mentioning one of these keywords can hold anything else.
	if !strings.Contains(query, "mutation") && !strings.Contains(query, "subscription") {
		return true
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxQueryTokens)
	if err != nil {
		return true // the GraphQL handler reports parse errors properly
	}
	op := doc.Operations.ForName(params.Get("operationName"))
	if op == nil || op.Operation == ast.Query {
		return true
	}
	refuseGET(w, r)
	return false
}

// refuseGET answers a GET request for an operation other than a query.
func refuseGET(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	Fail(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "GET requests may only run queries; use POST")
}

// readBody reads the whole body, failing with *http.MaxBytesError once it
// exceeds limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	return buf.Bytes(), err
}

// isJSON reports whether a Content-Type is application/json in UTF-8.
func isJSON(contentType string) bool {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || media != mediaJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// Fail answers with a GraphQL-shaped error document of one error with
// the given extensions.code, in the media type the client accepts. It is
// the error presenter of the requests refused before the GraphQL handler
// runs (see graph.ErrorPresenter): same shape, and an INTERNAL error
// carries extensions.requestId.
func Fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	b := ErrorBody(r, code, message)
	h := w.Header()
	h.Set("Content-Type", responseType(r.Header.Get("Accept")))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ErrorBody is the error document of Fail.
func ErrorBody(r *http.Request, code, message string) []byte {
	err := observe.WithRequestID(r.Context(), &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}})
	b, _ := json.Marshal(map[string]gqlerror.List{"errors": {err}})
	return b
}

// responseType picks the media type of an error response:
// application/graphql-response+json when the Accept header names it
// explicitly with a quality at least that of application/json, else
// application/json (also for a missing Accept or a bare wildcard, as the
// specification asks for legacy clients).
func responseType(accept string) string {
	qGraphQL, qJSON := 0.0, -1.0
	specJSON := 0 // specificity of the range that gave qJSON
	for part := range strings.SplitSeq(accept, ",") {
		media, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		spec := 0
		switch media {
		case mediaGraphQLResponse:
			qGraphQL = max(qGraphQL, q)
			continue
		case mediaJSON:
			spec = 3
		case "application/*":
			spec = 2
		case "*/*":
			spec = 1
		default:
			continue
		}
		if spec > specJSON || (spec == specJSON && q > qJSON) {
			specJSON, qJSON = spec, q
		}
	}
	if qGraphQL > 0 && qGraphQL >= qJSON {
		return mediaGraphQLResponse
	}
	return mediaJSON
}
