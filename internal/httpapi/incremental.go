package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
)

// The multipart/mixed parts of an incremental answer: boundary "-".
var (
	partHead   = []byte("\r\n---\r\nContent-Type: application/json; charset=utf-8\r\n\r\n")
	partsEnd   = []byte("\r\n-----\r\n")
	increments = []byte(`{"incremental":[`)
	lastPart   = []byte(`{"hasNext":false}`)
)

// deferred reports whether an operation's document defers a fragment
// (@defer without if: false). Each selection set is walked once: the
// operation's and each fragment's, never through a spread.
func deferred(oc *graphql.OperationContext) bool {
	defers := func(ds ast.DirectiveList) bool {
		d := ds.ForName("defer")
		if d == nil {
			return false
		}
		on, ok := d.ArgumentMap(oc.Variables)["if"].(bool)
		return !ok || on
	}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if defers(s.Directives) || walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if defers(s.Directives) {
					return true
				}
			}
		}
		return false
	}
	if walk(oc.Operation.SelectionSet) {
		return true
	}
	for _, f := range oc.Doc.Fragments {
		if walk(f.SelectionSet) {
			return true
		}
	}
	return false
}

// refuseDefer answers an operation whose @defer cannot be delivered: the
// client does not accept multipart/mixed, the operation is a mutation (its
// transaction ends with its first answer) or part of a batch.
func refuseDefer(ctx context.Context, exec graphql.GraphExecutor, oc *graphql.OperationContext) *graphql.Response {
	return refusal(ctx, exec, oc, gqlerror.List{requestError(CodeBadRequest, "",
		"@defer is delivered over multipart/mixed to a single query: send it alone, with Accept: multipart/mixed, or leave @defer out")})
}

// writeIncremental runs a deferred query and writes its answers as they
// come, one multipart/mixed part each: the first as it is, each later one
// as {"incremental": [answer], "hasNext": ...}, the form Apollo Client
// reads.
func writeIncremental(ctx context.Context, w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, oc *graphql.OperationContext) {
	h := w.Header()
	h.Set("Content-Type", `multipart/mixed; boundary="-"; deferSpec=20220824`)
	h.Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	responses, ctx := exec.DispatchOperation(ctx, oc)
	for first := true; ; first = false {
		resp := responses(ctx)
		if first {
			if resp == nil {
				// The request ended before the query ran: Deadline's answer.
				Fail(w, r, http.StatusServiceUnavailable, string(apperr.Internal), lateMessage)
				return
			}
			// The headers wait for the first part, which may ask the
			// client to wait (THROTTLED).
			setRetryAfter(h, resp.Errors)
			w.WriteHeader(http.StatusOK)
		}
		if resp == nil {
			// The request ended (its deadline, or the client left) before
			// every deferred part came: the last part said more would.
			_, _ = w.Write(append(append([]byte(nil), partHead...), lastPart...))
			break
		}
		more := resp.HasNext != nil && *resp.HasNext
		parts := [][]byte{partHead}
		if first {
			parts = encode(parts, resp)
		} else {
			item := *resp
			item.HasNext = nil
			parts = append(encode(append(parts, increments), &item), []byte(`],"hasNext":`+strconv.FormatBool(more)+`}`))
		}
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return
			}
		}
		_ = rc.Flush()
		if !more {
			break
		}
	}
	_, _ = w.Write(partsEnd)
}
