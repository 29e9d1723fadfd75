package observe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/clientaddr"
)

// HeaderRequestID carries the request id, in requests (optional) and in
// every response.
const HeaderRequestID = "X-Request-ID"

// maxRequestIDLen is the longest incoming request id that is kept.
const maxRequestIDLen = 64

// maxFieldLen bounds the length of a value set through Fields.
const maxFieldLen = 128

// request is what RequestLog puts in the context of a request.
type request struct {
	id     string
	fields *Fields
}

type requestKey struct{}

func fromContext(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// RequestID returns the id RequestLog gave the request of ctx, or "".
func RequestID(ctx context.Context) string {
	if r := fromContext(ctx); r != nil {
		return r.id
	}
	return ""
}

// Fields are facts about a request that the layers behind RequestLog learn
// and RequestLog writes into the request's log line. All methods are safe
// for concurrent use and do nothing on a nil *Fields.
//
// Only identifiers belong here: never a token, an invitation code, a
// password, a GraphQL variable or any part of a request body.
type Fields struct {
	mu        sync.Mutex
	operation string   // the client's GraphQL operation name
	field     string   // the first root field of the operation
	outcome   string   // OutcomeOK, OutcomeError or OutcomeClientGone
	account   string   // the id of the caller's account
	errors    []string // the extensions.code of each error, bounded
}

// Annotate returns the Fields of the request of ctx, or nil when the
// request did not pass through RequestLog (the methods of a nil *Fields do
// nothing).
func Annotate(ctx context.Context) *Fields {
	if r := fromContext(ctx); r != nil {
		return r.fields
	}
	return nil
}

// SetAccount notes the id of the caller's account in the request log line
// of ctx; the authentication layer calls it once it knows the account.
func SetAccount(ctx context.Context, accountID string) {
	Annotate(ctx).SetAccount(accountID)
}

// SetAccount notes the id of the caller's account.
func (f *Fields) SetAccount(accountID string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.account = clip(accountID)
	f.mu.Unlock()
}

// setGraphQL notes everything the GraphQL extension learns at once: the
// operation name (as written in the parsed document, never a raw request
// parameter), its first root field, the outcome and the error codes.
func (f *Fields) setGraphQL(name, rootField, outcome string, codes []string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.operation, f.field, f.outcome = clip(name), clip(rootField), outcome
	f.errors = append(f.errors, codes...)
	f.mu.Unlock()
}

// addErrors notes the outcome and error codes of a later (deferred)
// payload.
func (f *Fields) addErrors(outcome string, codes []string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.outcome = outcome
	f.errors = append(f.errors, codes...)
	f.mu.Unlock()
}

// attrs returns the log attributes of the fields that are set.
func (f *Fields) attrs() []slog.Attr {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []slog.Attr
	add := func(k, v string) {
		if v != "" {
			out = append(out, slog.String(k, v))
		}
	}
	add("operation", f.operation)
	add("root_field", f.field)
	add("outcome", f.outcome)
	add("account_id", f.account)
	if len(f.errors) > 0 {
		out = append(out, slog.Any("error_codes", append([]string(nil), f.errors...)))
	}
	return out
}

func clip(s string) string {
	if len(s) > maxFieldLen {
		return s[:maxFieldLen]
	}
	return s
}

// RequestLog gives every request an id and writes one log line per request
// once it is answered.
//
// The id is the request's X-Request-ID header when that is 1 to 64
// characters of [A-Za-z0-9_-], else 16 random hex digits. It is sent back in
// the X-Request-ID response header and is available to the handlers behind
// through RequestID; Annotate gives them the Fields of the line.
//
// The line (message "http request", level ERROR for 5xx answers, INFO
// otherwise, WARN with client_gone=true when the client closed the
// connection before the answer) holds method, path, status, duration_ms,
// bytes (of the response body), request_id, client (the address
// clientaddr found, when RequestLog runs behind its Handler) and, when set
// through Fields, operation, root_field, outcome, account_id and
// error_codes. It holds no header, no
// query string and no body. Only the first segment of the path is written
// as it is; the later ones are replaced by {redacted}, since they may be
// secrets (GET /invite/{code} is logged as /invite/{redacted}).
//
// Put RequestLog in front of CORS and authentication (behind only
// clientaddr's Handler, which never answers), so that every answer is
// logged, preflights and refusals included.
func RequestLog(log *slog.Logger, next http.Handler) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		req := &request{id: id, fields: &Fields{}}
		rec := &recorder{ResponseWriter: w}

		defer func() {
			p := recover()
			status := rec.status
			if status == 0 {
				status = http.StatusOK
				if p != nil {
					status = http.StatusInternalServerError
				}
			}
			attrs := []slog.Attr{
				slog.String("method", clip(r.Method)),
				slog.String("path", redactPath(r.URL.Path)),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int64("bytes", rec.bytes),
				slog.String("request_id", id),
			}
			if a := clientaddr.FromContext(r.Context()); a.IsValid() {
				attrs = append(attrs, slog.String("client", a.String()))
			}
			attrs = append(attrs, req.fields.attrs()...)
			level := slog.LevelInfo
			switch {
			case r.Context().Err() != nil:
				// The client closed the connection before the answer: what
				// failed after that (a 5xx among them) is no fault of ours.
				attrs = append(attrs, slog.Bool("client_gone", true))
				level = slog.LevelWarn
			case status >= 500:
				level = slog.LevelError
			}
			// The request's own context carries no request id: the id is
			// in attrs already, and contextHandler must not add it twice.
			log.LogAttrs(r.Context(), level, "http request", attrs...)
			if p != nil {
				panic(p)
			}
		}()

		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestKey{}, req)))
	})
}

// validRequestID reports whether an incoming request id may be kept.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b[:])
}

// redactPath keeps the first segment of p when it looks like a route name
// and replaces every other non-empty segment by "{redacted}".
func redactPath(p string) string {
	if p == "" || p[0] != '/' {
		return "{redacted}"
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "" || (i == 0 && routeSegment(s)) {
			continue
		}
		segs[i] = "{redacted}"
	}
	return "/" + strings.Join(segs, "/")
}

func routeSegment(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// recorder notes the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	// 1xx answers other than 101 are informational: the final status follows.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// NewLogger returns a logger writing JSON lines (production) or
// logfmt-style text (development) to w, from level up. Records logged with
// the context of a request that passed through RequestLog get its
// request_id attribute (inside the logger's group, if it has one), so that
// the lines a request causes can be found from its id.
func NewLogger(w io.Writer, json bool, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if json {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{h})
}

// contextHandler adds the request id of the record's context.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
