package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/live"
)

// liveSSE is the Server-Sent Events transport, graphql-sse's "distinct
// connections" mode: one operation per request (POST with a JSON body, or
// GET with the parameters in the query string), answered by a stream of
// "next" events and one "complete". Each change's event carries its
// eventID as the SSE id, so that a client resumes with Last-Event-ID.
// gqlgen's own SSE transport sends no ids.
type liveSSE struct{ l *Live }

func (liveSSE) Supports(r *http.Request) bool {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return false
	}
	return r.Method == http.MethodGet || (r.Method == http.MethodPost && isJSON(r.Header.Get("Content-Type")))
}

func (t liveSSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	flush := http.NewResponseController(w).Flush
	params, err := sseParams(w, r, t.l.MaxBodyBytes)
	if err != nil {
		Fail(w, r, http.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	ctx, err := t.l.connect(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		var ae *apperr.Error
		errors.As(err, &ae)
		switch ae.Code {
		case apperr.RateLimited:
			Fail(w, r, http.StatusTooManyRequests, string(ae.Code), ae.Message)
		case apperr.Internal:
			unavailable(w, r)
		default:
			unauthenticated(w, r, ae.Message)
		}
		return
	}
	defer live.ConnFrom(ctx).Close()
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		ctx = live.WithResume(ctx, id)
	}
	ctx, ids := live.WithEventIDs(ctx)
	ctx = graphql.StartOperationTrace(ctx)
	start := graphql.Now()
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	// write sends one event (a comment, ":", for none) and flushes it.
	write := func(event, id string, data []byte) {
		var b bytes.Buffer
		switch {
		case event == "":
			b.WriteString(":\n\n")
		case id != "":
			fmt.Fprintf(&b, "event: %s\nid: %s\ndata: %s\n\n", event, id, data)
		default:
			fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, data)
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(b.Bytes())
		_ = flush()
	}
	write("", "", nil)
	keep := time.NewTicker(KeepAlive)
	defer keep.Stop()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-keep.C:
				write("", "", nil)
			}
		}
	}()

	next := func(resp *graphql.Response, id string) {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(err)
		}
		write("next", id, b)
	}
	exec = subscriptionsOnly{exec}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		next(exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs), "")
		write("complete", "", nil)
		return
	}
	ctx = graphql.WithOperationContext(ctx, oc)
	responses, rctx := exec.DispatchOperation(ctx, oc)
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		id := ""
		select {
		case id = <-ids:
		default:
		}
		next(resp, id)
	}
	if errors.Is(context.Cause(ctx), live.ErrShutdown) {
		// No complete: the client takes the end for a lost connection,
		// and reconnects (to another instance) and resumes.
		return
	}
	if err := ended(ctx); err != nil {
		next(&graphql.Response{Errors: gqlerror.List{refused(ctx, apperr.New(apperr.Unauthenticated, "%s", err.Error()))}}, "")
	}
	write("complete", "", nil)
}

// sseParams reads an operation: a POST's JSON body (at most limit bytes)
// or a GET's query string.
func sseParams(w http.ResponseWriter, r *http.Request, limit int64) (*graphql.RawParams, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	p := &graphql.RawParams{}
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, errors.New("malformed query string")
		}
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
			if v := q.Get(name); v != "" && json.Unmarshal([]byte(v), into) != nil {
				return nil, fmt.Errorf("%s must be a JSON object", name)
			}
		}
		return p, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, errors.New("request body too large or unreadable")
	}
	if !wellTyped(body) || json.Unmarshal(body, p) != nil {
		return nil, errors.New("the body must be one request: query, operationName strings, variables and extensions objects")
	}
	return p, nil
}
