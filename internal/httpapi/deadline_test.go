package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestDeadlineLateAnswer: a handler that ignores its context's end (as
// lib/pq does for a silent database) still leaves its client with a
// complete 503 half a second after the deadline, on a connection that is
// then closed; what the handler writes afterwards is dropped.
func TestDeadlineLateAnswer(t *testing.T) {
	const d = 100 * time.Millisecond
	release, lateWrite := make(chan struct{}), make(chan error, 1)
	srv := httptest.NewServer(Deadline(d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); !ok {
			t.Error("the handler's context has no deadline")
		}
		<-release
		w.Header().Set("X-Late", "yes")
		_, err := w.Write([]byte(`{"data":{}}`))
		lateWrite <- err
	})))
	defer srv.Close()
	defer close(release)

	start := time.Now()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	want := `{"errors":[{"message":"` + lateMessage + `","extensions":{"code":"INTERNAL"}}]}`
	if err != nil || res.StatusCode != http.StatusServiceUnavailable || string(body) != want || !res.Close {
		t.Fatalf("late answer: %d %q (close %v, read error %v)", res.StatusCode, body, res.Close, err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("late answer's Content-Type %q", ct)
	}
	if took < d+500*time.Millisecond || took > d+3*time.Second {
		t.Errorf("the late answer came after %v (deadline %v)", took, d)
	}
	release <- struct{}{}
	if err := <-lateWrite; !errors.Is(err, http.ErrHandlerTimeout) {
		t.Errorf("the handler's write after the late answer: %v, want ErrHandlerTimeout", err)
	}
}

// TestDeadlineOnTime: a handler that answers in time is passed through as
// it is (status, headers, body), also one that writes nothing, and one
// that began its answer before the deadline and ends it after.
func TestDeadlineOnTime(t *testing.T) {
	const d = 100 * time.Millisecond
	srv := httptest.NewServer(Deadline(d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", r.URL.Path)
		switch r.URL.Path {
		case "/created":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte("made"))
		case "/empty":
		case "/slow":
			_, _ = w.Write([]byte("begun "))
			<-r.Context().Done()
			time.Sleep(700 * time.Millisecond) // past the late answer's time
			_, _ = w.Write([]byte("and ended"))
		}
	})))
	defer srv.Close()
	for _, c := range []struct {
		path, ct string
		status   int
		body     string
	}{
		{"/created", "text/plain", http.StatusCreated, "made"},
		{"/empty", "application/json", http.StatusOK, ""},
		{"/slow", "application/json", http.StatusOK, "begun and ended"},
	} {
		res, err := srv.Client().Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || string(body) != c.body || res.Header.Get("X-Handler") != c.path ||
			res.Header.Get("Content-Type") != c.ct || res.Close {
			t.Errorf("%s: %d %q, headers %v, close %v", c.path, res.StatusCode, body, res.Header, res.Close)
		}
	}
}

// The timer leaves alone a response whose handler has returned.
func TestDeadlineAfterFinish(t *testing.T) {
	rec := httptest.NewRecorder()
	g := &guardedWriter{w: rec, h: make(http.Header)}
	g.h.Set("X-A", "1")
	g.finish()
	g.answerLate()
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("X-A") != "1" {
		t.Errorf("after finish: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}
