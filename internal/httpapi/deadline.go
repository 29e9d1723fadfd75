package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/observe"
)

// lateMessage answers a request whose handler is still running half a
// second after its deadline.
const lateMessage = "the request took too long; retry shortly"

// unanswered is the answer of an operation of a batch that the request's
// end left unanswered: gqlgen runs nothing, and answers nil, once the
// context has ended.
func unanswered(ctx context.Context) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{observe.WithRequestID(ctx,
		&gqlerror.Error{Message: lateMessage, Extensions: map[string]any{"code": string(apperr.Internal)}})}}
}

// Deadline bounds the work of a request: its context ends after d, and
// should a driver call ignore that (lib/pq waits for a silent server's
// answer without regard to the context), the client still gets a 503
// half a second later, complete (Content-Length) and with "Connection:
// close": the handler runs on until the driver gives up, and whatever it
// writes then is dropped.
//
// Unlike http.TimeoutHandler, the handler runs on the connection's own
// goroutine and writes straight through: no goroutine whose stack grows
// anew for every request, and no copy of every answer; a timer answers
// instead of the handler when it is late.
func Deadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		// Only the late answer keeps this; a handler's own headers win.
		w.Header().Set("Content-Type", "application/json")
		g := &guardedWriter{w: w, r: r, h: make(http.Header)}
		late := time.AfterFunc(d+500*time.Millisecond, g.answerLate)
		defer late.Stop()
		next.ServeHTTP(g, r.WithContext(ctx))
		g.finish()
	})
}

// guardedWriter is the handler's side of a response that the timer of
// Deadline may answer first. Its lock orders the two writers; once
// finish has run, the timer leaves the response alone.
type guardedWriter struct {
	mu       sync.Mutex
	w        http.ResponseWriter
	r        *http.Request
	h        http.Header // the handler's headers, copied to w's at the first write
	wrote    bool        // the handler's status line is out
	timedOut bool        // the timer answered
	done     bool        // the handler returned
}

func (g *guardedWriter) Header() http.Header { return g.h }

func (g *guardedWriter) WriteHeader(code int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writeHeader(code)
}

func (g *guardedWriter) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timedOut {
		return 0, http.ErrHandlerTimeout
	}
	g.writeHeader(http.StatusOK)
	return g.w.Write(b)
}

// Flush sends what the handler has written so far (the parts of a
// streamed answer); once the timer has answered there is nothing to send.
func (g *guardedWriter) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timedOut {
		return
	}
	g.writeHeader(http.StatusOK)
	_ = http.NewResponseController(g.w).Flush()
}

// writeHeader sends the handler's status and headers once; g.mu is held.
func (g *guardedWriter) writeHeader(code int) {
	if g.timedOut || g.wrote {
		return
	}
	g.wrote = true
	dst := g.w.Header()
	for k, v := range g.h {
		dst[k] = v
	}
	g.w.WriteHeader(code)
}

// finish ends the handler's side: a handler that wrote nothing still has
// its headers sent.
func (g *guardedWriter) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writeHeader(http.StatusOK)
	g.done = true
}

// answerLate answers 503 for a handler that has not begun its answer, and
// flushes it: the handler still holds the connection's goroutine.
func (g *guardedWriter) answerLate() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wrote || g.done {
		return
	}
	g.timedOut = true
	g.w.Header().Set("Connection", "close")
	Fail(g.w, g.r, http.StatusServiceUnavailable, string(apperr.Internal), lateMessage)
	_ = http.NewResponseController(g.w).Flush()
}
