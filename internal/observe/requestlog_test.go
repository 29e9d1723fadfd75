package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// logLines parses the JSON lines of buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// requestLines returns the request log lines of buf.
func requestLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range logLines(t, buf) {
		if m["msg"] == "http request" {
			out = append(out, m)
		}
	}
	return out
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestRequestLogLine(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, true, slog.LevelDebug)

	var seenID string
	h := RequestLog(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		seenID = RequestID(ctx)
		SetAccount(ctx, "acc_01")
		Annotate(ctx).setGraphQL("ListUsers", "users", OutcomeOK, nil)
		log.InfoContext(ctx, "inner line")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("hello"))
	}))

	req := httptest.NewRequest(http.MethodGet, "/invite/KX7P-QM42-ZZ9A?code=KX7P-QM42-ZZ9A&token=tok_live_123", nil)
	req.Header.Set("Authorization", "Bearer lk_secret_token_value")
	req.Header.Set("Cookie", "session=cookie_secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	id := rec.Header().Get("X-Request-ID")
	if !hex16.MatchString(id) {
		t.Fatalf("X-Request-ID = %q, want 16 hex digits", id)
	}
	if seenID != id {
		t.Fatalf("RequestID in the handler = %q, header %q", seenID, id)
	}

	lines := requestLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("got %d request log lines, want 1:\n%s", len(lines), buf.String())
	}
	l := lines[0]
	want := map[string]any{
		"level":      "INFO",
		"method":     "GET",
		"path":       "/invite/{redacted}",
		"status":     float64(201),
		"bytes":      float64(5),
		"request_id": id,
		"operation":  "ListUsers",
		"root_field": "users",
		"outcome":    "ok",
		"account_id": "acc_01",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("log field %s = %#v, want %#v", k, l[k], v)
		}
	}
	if d, ok := l["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms = %#v, want a non-negative number", l["duration_ms"])
	}
	if _, ok := l["error_codes"]; ok {
		t.Errorf("error_codes present without errors: %#v", l["error_codes"])
	}

	// Other lines logged with the request's context carry its id.
	var inner map[string]any
	for _, m := range logLines(t, &buf) {
		if m["msg"] == "inner line" {
			inner = m
		}
	}
	if inner == nil || inner["request_id"] != id {
		t.Errorf("inner line = %v, want request_id %q", inner, id)
	}

	for _, secret := range []string{"lk_secret_token_value", "Bearer", "KX7P", "QM42", "code=", "tok_live_123", "token", "cookie_secret", "hello"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log contains %q:\n%s", secret, buf.String())
		}
	}
}

func TestRequestLogIncomingID(t *testing.T) {
	cases := []struct {
		in   string
		keep bool
	}{
		{"abc-DEF_123", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"semi;colon", false},
		{"new\nline", false},
		{"ünï", false},
		{"", false},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header["X-Request-Id"] = []string{c.in}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if c.keep && got != c.in {
			t.Errorf("incoming id %q: response id %q, want it kept", c.in, got)
		}
		if !c.keep && !hex16.MatchString(got) {
			t.Errorf("incoming id %q: response id %q, want a new one", c.in, got)
		}
		lines := requestLines(t, &buf)
		if len(lines) != 1 || lines[0]["request_id"] != got || lines[0]["status"] != float64(200) || lines[0]["path"] != "/healthz" {
			t.Errorf("incoming id %q: log %v", c.in, lines)
		}
	}
}

func TestRequestLogUniqueIDs(t *testing.T) {
	h := RequestLog(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	seen := map[string]bool{}
	for range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		id := rec.Header().Get("X-Request-ID")
		if seen[id] {
			t.Fatalf("request id %q given twice", id)
		}
		seen[id] = true
	}
}

func TestRequestLogPanic(t *testing.T) {
	var buf bytes.Buffer
	h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the handler's panic passed on", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/query", nil))
	}()
	lines := requestLines(t, &buf)
	if len(lines) != 1 || lines[0]["status"] != float64(500) || lines[0]["level"] != "ERROR" {
		t.Fatalf("log after a panic: %v", lines)
	}
}

func TestRequestLogTextAndLevel(t *testing.T) {
	var buf bytes.Buffer
	h := RequestLog(NewLogger(&buf, false, slog.LevelWarn), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if buf.Len() != 0 {
		t.Fatalf("an INFO line passed a WARN logger: %s", buf.String())
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/fail", nil))
	out := buf.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "status=503") || !strings.Contains(out, "path=/fail") {
		t.Fatalf("text line = %q", out)
	}
}

// TestRequestLogClientGone: a request whose client hung up is logged at
// WARN with client_gone, even when what followed answered 503; the same
// answer to a client that waited is an ERROR.
func TestRequestLogClientGone(t *testing.T) {
	var buf bytes.Buffer
	started, logged := make(chan struct{}), make(chan struct{})
	h := RequestLog(NewLogger(&buf, true, slog.LevelInfo), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			close(started)
			<-r.Context().Done()
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/wait" {
			close(logged)
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/wait", nil)
	go func() { <-started; cancel() }()
	if res, err := srv.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatal("the canceled request was answered")
	}
	<-logged
	res, err := srv.Client().Get(srv.URL + "/stay")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	lines := requestLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("%d request lines: %v", len(lines), lines)
	}
	gone, stayed := lines[0], lines[1]
	if gone["path"] != "/wait" || gone["level"] != "WARN" || gone["client_gone"] != true {
		t.Errorf("line of the request whose client left: %v", gone)
	}
	if stayed["path"] != "/stay" || stayed["level"] != "ERROR" || stayed["client_gone"] != nil {
		t.Errorf("line of a 503 to a client that waited: %v", stayed)
	}
}

func TestRedactPath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                           "/",
		"/query":                      "/query",
		"/healthz":                    "/healthz",
		"/invite/ABCD-EFGH":           "/invite/{redacted}",
		"/invite/ABCD/more":           "/invite/{redacted}/{redacted}",
		"/query/":                     "/query/",
		"/" + strings.Repeat("x", 40): "/{redacted}",
		"/a b":                        "/{redacted}",
		"":                            "{redacted}",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldsWithoutRequestLog(t *testing.T) {
	ctx := context.Background()
	if RequestID(ctx) != "" || Annotate(ctx) != nil {
		t.Fatal("a bare context has request data")
	}
	// Must not panic.
	SetAccount(ctx, "acc")
	Annotate(ctx).setGraphQL("A", "b", OutcomeError, []string{"INTERNAL"})
}

// The recorder keeps http.ResponseController working through it.
func TestRequestLogFlush(t *testing.T) {
	h := RequestLog(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("a"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !rec.Flushed {
		t.Fatal("the flush did not reach the underlying writer")
	}
}
