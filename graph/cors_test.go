package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestCORSBrowserHeaders: a preflight listing the headers browser clients
// add on their own (trace context, Apollo client awareness, request ids)
// is allowed, as is a header the configuration adds; an unknown header is
// not; scripts may read the request id and Retry-After.
func TestCORSBrowserHeaders(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL, func(c *app.Config) { c.AllowedHeaders = []string{"X-Tenant-Hint"} })
		preflight := func(headers string) *http.Response {
			req, _ := http.NewRequest(http.MethodOptions, e.Server.URL+"/query", nil)
			req.Header.Set("Origin", "https://admin.example.com")
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", headers)
			res, err := e.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		for _, h := range []string{
			// Browsers send the names lowercased and sorted.
			"authorization,baggage,content-type,traceparent,tracestate",
			"apollographql-client-name,apollographql-client-version,content-type",
			"apollo-require-preflight,x-apollo-operation-name,x-correlation-id,x-request-id",
			"x-tenant-hint",
		} {
			res := preflight(h)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "https://admin.example.com" {
				t.Errorf("preflight with %s: Access-Control-Allow-Origin %q (status %d)", h, got, res.StatusCode)
			}
		}
		if got := preflight("x-unknown").Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight with an unknown header allowed: %q", got)
		}

		req, _ := http.NewRequest(http.MethodGet, e.Server.URL+"/query?query={__typename}", nil)
		req.Header.Set("Origin", "https://admin.example.com")
		res, err := e.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		exposed := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
		for _, h := range []string{"x-request-id", "retry-after"} {
			if !strings.Contains(exposed, h) {
				t.Errorf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
			}
		}
	})
}
