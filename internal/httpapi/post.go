package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// POST and GET are the GraphQL transports of the endpoint, and the one
// home of the GraphQL-over-HTTP answer rules (Guard's refusals aside):
//
//   - the media type is chosen as for the errors of Guard (responseType);
//   - a request error (a document that does not parse or validate, or an
//     operation a limit refuses) has no "data" entry and status 400 for
//     application/graphql-response+json,
//     200 for application/json, as the specification asks (gqlgen's own
//     transports say 422 to application/json and write "data": null);
//   - the result's data, already JSON, is written as it is; gqlgen's
//     transports pass it through encoding/json, which checks and compacts
//     it again (about 8 % of the CPU of a 90 KB users overview).
//
// They expect the request Guard has already read and checked.
type (
	POST struct{}
	GET  struct{}
)

var _, _ graphql.Transport = POST{}, GET{}

// Supports implements graphql.Transport. The server upgrades no
// connection: a request asking for it is served as it is.
func (POST) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && isJSON(r.Header.Get("Content-Type"))
}

// Do implements graphql.Transport: the parameters are the JSON body.
func (POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	var params graphql.RawParams
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "request body is not a GraphQL request")
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	serve(w, r, exec, &params, false)
}

// Supports implements graphql.Transport.
func (GET) Supports(r *http.Request) bool { return r.Method == http.MethodGet }

// Do implements graphql.Transport: the parameters are in the query
// string, variables and extensions as JSON objects.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, "malformed query string")
		return
	}
	params := graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, dst := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		if v := q.Get(name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if dec.Decode(dst) != nil {
				Fail(w, r, http.StatusBadRequest, CodeBadRequest, name+" must be a JSON object")
				return
			}
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	serve(w, r, exec, &params, true)
}

// serve runs the request with params and writes its answer; queryOnly
// refuses every operation but a query (Guard has refused those it could
// parse already).
func serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, queryOnly bool) {
	ctx := r.Context()
	media := responseType(r.Header.Get("Accept"))
	params.Headers = r.Header
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		writeResponse(w, media, requestErrorStatus(media), exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	if queryOnly && oc.Operation.Operation != ast.Query {
		refuseGET(w, r)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, media, http.StatusOK, responses(ctx))
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

// responseTail holds the members of a response after "data".
type responseTail struct {
	Label      string         `json:"label,omitempty"`
	Path       ast.Path       `json:"path,omitempty"`
	HasNext    *bool          `json:"hasNext,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeResponse writes resp as one JSON object: errors, data (left out
// when execution never started), then the other members gqlgen may set.
// The parts are written one after the other: the data, the bulk of the
// response, is not copied.
func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	parts := make([][]byte, 0, 8)
	member := func(name string, value []byte) {
		if len(parts) > 0 {
			parts = append(parts, comma)
		}
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
		if len(parts) > 0 {
			parts = append(parts, comma)
		}
		parts = append(parts, tail[1:len(tail)-1])
	}
	size := 2
	for _, p := range parts {
		size += len(p)
	}

	h := w.Header()
	h.Set("Content-Type", media)
	h.Set("Content-Length", strconv.Itoa(size))
	if secs := retryAfter(resp.Errors); secs > 0 {
		h.Set("Retry-After", strconv.Itoa(secs))
	}
	w.WriteHeader(status)
	_, _ = w.Write(openBrace)
	for _, p := range parts {
		_, _ = w.Write(p)
	}
	_, _ = w.Write(closeBrace)
}

var (
	openBrace  = []byte("{")
	closeBrace = []byte("}")
	comma      = []byte(",")
)

// retryAfter returns the longest extensions.retryAfter of errs (in
// seconds), so that an answer that asks the client to wait says so in
// HTTP too, for clients and proxies that read no GraphQL errors.
func retryAfter(errs gqlerror.List) int {
	most := 0
	for _, e := range errs {
		if n, ok := e.Extensions["retryAfter"].(int); ok && n > most {
			most = n
		}
	}
	return most
}
