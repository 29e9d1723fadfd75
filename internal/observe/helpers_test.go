package observe

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// sample is one line of the Prometheus text format.
type sample struct {
	labels map[string]string
	value  float64
}

// scrape returns the text exposition of m.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d\n%s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want the text format", ct)
	}
	return rec.Body.String()
}

// samples returns the samples of the metric name in a text exposition. It
// reads the label values this package writes (no escapes, commas or
// braces inside values).
func samples(t *testing.T, body, name string) []sample {
	t.Helper()
	var out []sample
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			t.Fatalf("bad exposition line %q", line)
		}
		series, val := line[:sp], line[sp+1:]
		metric, labels, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		s := sample{labels: map[string]string{}, value: v}
		labels = strings.TrimSuffix(labels, "}")
		for _, kv := range strings.Split(labels, ",") {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("bad label %q in %q", kv, line)
			}
			s.labels[k] = strings.Trim(v, `"`)
		}
		out = append(out, s)
	}
	return out
}

// value returns the value of the sample of name whose labels include want,
// failing the test when there is none.
func value(t *testing.T, body, name string, want map[string]string) float64 {
	t.Helper()
	for _, s := range samples(t, body, name) {
		if matches(s.labels, want) {
			return s.value
		}
	}
	t.Fatalf("no sample %s%v in the exposition", name, want)
	return 0
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}
