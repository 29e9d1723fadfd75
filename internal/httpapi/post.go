package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
)

// POST and GET are the GraphQL transports of the endpoint, and the one
// home of the GraphQL-over-HTTP answer rules (Guard's refusals aside):
//
//   - the media type is chosen as for the errors of Guard (responseType);
//   - a request error (a document that does not parse or validate, or an
//     operation a limit refuses) has no "data" entry and status 400 for
//     application/graphql-response+json, 200 for application/json, as the
//     specification asks (gqlgen's own transports say 422 to
//     application/json and write "data": null);
//   - the result's data, already JSON, is written as it is; gqlgen's
//     transports pass it through encoding/json, which checks and compacts
//     it again (about 8 % of the CPU of a 90 KB users overview);
//   - a document may be named instead of sent (Documents);
//   - a POST body may be a batch, an array of requests as Apollo's
//     BatchHttpLink sends them, answered by an array (Guard bounds its
//     length);
//   - a query that uses @defer is answered over multipart/mixed, in the
//     incremental format Apollo Client reads, when the client accepts it,
//     and refused otherwise (and in batches and mutations).
//
// They expect the request Guard has already read and checked.
type (
	POST struct {
		Documents *Documents
		// NewBatch returns the context the operations of one batch are
		// judged in, so that the limits apply to their sum.
		NewBatch func(context.Context) context.Context
	}
	GET struct{ Documents *Documents }
)

var _, _ graphql.Transport = POST{}, GET{}

// gqlRequest is one GraphQL request: its parameters, and the id of a trusted
// document (documentId, or doc_id as Relay's examples send it).
type gqlRequest struct {
	graphql.RawParams
	DocumentID string `json:"documentId"`
	DocID      string `json:"doc_id"`
}

func (q *gqlRequest) documentID() string {
	if q.DocumentID != "" {
		return q.DocumentID
	}
	return q.DocID
}

// Supports implements graphql.Transport. The server upgrades no
// connection: a request asking for it is served as it is.
func (POST) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && isJSON(r.Header.Get("Content-Type"))
}

// Do implements graphql.Transport: the parameters are the JSON body, or
// an array of them.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	batch := isBatch(body)
	reqs := make([]gqlRequest, 1)
	if err == nil {
		if batch {
			err = decode(body, &reqs)
		} else {
			err = decode(body, &reqs[0])
		}
	}
	if err != nil || len(reqs) == 0 {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "request body is not a GraphQL request")
		return
	}
	end := graphql.Now()
	for i := range reqs {
		reqs[i].ReadTime = graphql.TraceTiming{Start: start, End: end}
	}
	if !batch {
		serve(w, r, exec, t.Documents, &reqs[0], false)
		return
	}
	ctx := r.Context()
	if t.NewBatch != nil {
		ctx = t.NewBatch(ctx)
	}
	serveBatch(ctx, w, r, exec, t.Documents, reqs)
}

func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec.Decode(v)
}

// isBatch reports whether a body is a JSON array.
func isBatch(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '['
}

// Supports implements graphql.Transport.
func (GET) Supports(r *http.Request) bool { return r.Method == http.MethodGet }

// Do implements graphql.Transport: the parameters are in the query
// string, variables and extensions as JSON objects.
func (t GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "malformed query string")
		return
	}
	req := gqlRequest{RawParams: graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")},
		DocumentID: q.Get("documentId"), DocID: q.Get("doc_id")}
	for name, dst := range map[string]*map[string]any{"variables": &req.Variables, "extensions": &req.Extensions} {
		if v := q.Get(name); v != "" {
			if decode([]byte(v), dst) != nil {
				Fail(w, r, http.StatusBadRequest, CodeBadRequest, name+" must be a JSON object")
				return
			}
		}
	}
	req.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	serve(w, r, exec, t.Documents, &req, true)
}

// serve runs the request q and writes its answer; queryOnly refuses
// every operation but a query (Guard has refused those it could parse
// already).
func serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, docs *Documents, q *gqlRequest, queryOnly bool) {
	ctx := r.Context()
	media := responseType(r.Header.Get("Accept"))
	oc, refused := prepare(ctx, r, exec, docs, q)
	if refused != nil {
		writeResponse(w, media, requestErrorStatus(media), refused)
		return
	}
	if queryOnly && oc.Operation.Operation != ast.Query {
		refuseGET(w, r)
		return
	}
	if deferred(oc) {
		if oc.Operation.Operation != ast.Query || !acceptsMultipart(r.Header.Get("Accept")) {
			writeResponse(w, media, requestErrorStatus(media), refuseDefer(ctx, exec, oc))
			return
		}
		writeIncremental(ctx, w, r, exec, oc)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		// The request ended before the operation ran: Deadline's answer.
		Fail(w, r, http.StatusServiceUnavailable, string(apperr.Internal), lateMessage)
		return
	}
	writeResponse(w, media, dispatchedStatus(media, resp), resp)
}

// serveBatch judges every operation of a batch (in ctx, where the limits
// add up) before it runs any, then runs them in order and answers an
// array of their responses. Its status is 200 whatever they say: the
// array is not one GraphQL response, and Apollo's BatchHttpLink fails
// every operation of a batch answered otherwise (PersistedQueryLink then
// cannot tell which documents to send).
func serveBatch(ctx context.Context, w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, docs *Documents, reqs []gqlRequest) {
	media := responseType(r.Header.Get("Accept"))
	ops := make([]*graphql.OperationContext, len(reqs))
	out := make([]*graphql.Response, len(reqs))
	for i := range reqs {
		ops[i], out[i] = prepare(ctx, r, exec, docs, &reqs[i])
	}
	for i, oc := range ops {
		switch {
		case oc == nil:
		case deferred(oc):
			out[i] = refuseDefer(ctx, exec, oc)
		default:
			responses, octx := exec.DispatchOperation(ctx, oc)
			if out[i] = responses(octx); out[i] == nil {
				out[i] = unanswered(ctx)
			}
		}
	}
	parts := [][]byte{[]byte("[")}
	var errs gqlerror.List
	for i, resp := range out {
		if i > 0 {
			parts = append(parts, comma)
		}
		parts = encode(parts, resp)
		errs = append(errs, resp.Errors...)
	}
	writeBody(w, media, http.StatusOK, append(parts, []byte("]")), errs)
}

// prepare names q's document (docs) and creates its operation, judged by
// every limit; or it returns the answer of a request refused before it ran.
func prepare(ctx context.Context, r *http.Request, exec graphql.GraphExecutor, docs *Documents, q *gqlRequest) (*graphql.OperationContext, *graphql.Response) {
	q.Headers = r.Header
	register, err := docs.resolve(ctx, &q.RawParams, q.documentID())
	if err != nil {
		oc := &graphql.OperationContext{Stats: graphql.Stats{Read: q.ReadTime, OperationStart: graphql.GetStartTime(ctx)}}
		return nil, refusal(ctx, exec, oc, gqlerror.List{err})
	}
	oc, errs := exec.CreateOperationContext(ctx, &q.RawParams)
	if errs != nil {
		return nil, refusal(ctx, exec, oc, errs)
	}
	docs.registered(ctx, register, q.Query)
	return oc, nil
}

// refusal is the answer of an operation refused before it ran: errs, and
// no "data", not even the null the Transactioner gives a failed mutation.
func refusal(ctx context.Context, exec graphql.GraphExecutor, oc *graphql.OperationContext, errs gqlerror.List) *graphql.Response {
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
	resp.Data = nil
	return resp
}

// requestErrorStatus is the status of an answer without "data": an
// operation refused before it ran (a document that does not parse or
// validate, a limit, a page size). The specification asks for a 4xx for
// application/graphql-response+json, and for 200 for application/json.
func requestErrorStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// dispatchedStatus is the status of the answer of an operation that was
// dispatched: one that never ran for its cost (no "data") is a request
// error like requestErrorStatus's, and 429 when it asks the client to wait
// (THROTTLED).
func dispatchedStatus(media string, resp *graphql.Response) int {
	switch {
	case resp.Data != nil || media != mediaGraphQLResponse:
		return http.StatusOK
	case retryAfter(resp.Errors) > 0:
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}

// responseTail holds the members of a response after "data".
type responseTail struct {
	Label      string         `json:"label,omitempty"`
	Path       ast.Path       `json:"path,omitempty"`
	HasNext    *bool          `json:"hasNext,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// encode appends resp to parts as one JSON object: errors, data (left
// out when execution never started), then the other members gqlgen may
// set. The data, the bulk of the response, is not copied.
func encode(parts [][]byte, resp *graphql.Response) [][]byte {
	parts = append(parts, openBrace)
	first := true
	member := func(name string, value []byte) {
		if !first {
			parts = append(parts, comma)
		}
		first = false
		parts = append(parts, []byte(`"`+name+`":`), value)
	}
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			errs = []byte(`[{"message":"the errors could not be encoded"}]`)
		}
		member("errors", errs)
	}
	if resp.Data != nil {
		member("data", resp.Data)
	}
	// Extensions that do not encode are left out rather than failing the
	// whole response.
	tail, err := json.Marshal(responseTail{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions})
	if err == nil && len(tail) > 2 {
		if !first {
			parts = append(parts, comma)
		}
		parts = append(parts, tail[1:len(tail)-1])
	}
	return append(parts, closeBrace)
}

// writeResponse writes resp as one JSON object.
func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	writeBody(w, media, status, encode(make([][]byte, 0, 10), resp), resp.Errors)
}

// writeBody writes the body made of parts, with a Retry-After header when
// one of errs asks the client to wait.
func writeBody(w http.ResponseWriter, media string, status int, parts [][]byte, errs gqlerror.List) {
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	h := w.Header()
	h.Set("Content-Type", media)
	h.Set("Content-Length", strconv.Itoa(size))
	setRetryAfter(h, errs)
	w.WriteHeader(status)
	for _, p := range parts {
		_, _ = w.Write(p)
	}
}

var (
	openBrace  = []byte("{")
	closeBrace = []byte("}")
	comma      = []byte(",")
)

// setRetryAfter sets the Retry-After header of an answer that asks the
// client to wait, so that it says so in HTTP too, for clients and proxies
// that read no GraphQL errors.
func setRetryAfter(h http.Header, errs gqlerror.List) {
	if secs := retryAfter(errs); secs > 0 {
		h.Set("Retry-After", strconv.Itoa(secs))
	}
}

// retryAfter returns the longest extensions.retryAfter of errs (in
// seconds), 0 for none.
func retryAfter(errs gqlerror.List) int {
	most := 0
	for _, e := range errs {
		if n, ok := e.Extensions["retryAfter"].(int); ok && n > most {
			most = n
		}
	}
	return most
}

// acceptsMultipart reports whether an Accept header names multipart/mixed
// (Apollo Client adds it, with deferSpec=20220824, to deferred queries).
func acceptsMultipart(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		if media, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && media == "multipart/mixed" {
			return true
		}
	}
	return false
}
