package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConformStatusAndData: request errors get 200 for application/json
// clients and lose "data" for application/graphql-response+json clients;
// successful answers pass untouched.
func TestConformStatusAndData(t *testing.T) {
	downstream := func(status int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		})
	}
	const failed = `{"errors":[{"message":"Cannot query field"}],"data":null}`
	cases := []struct {
		name, accept string
		status       int
		body         string
		wantStatus   int
		wantData     bool
	}{
		{"json client, validation error", "application/json", 422, failed, 200, true},
		{"no Accept, validation error", "", 422, failed, 200, true},
		{"graphql-response client, validation error", "application/graphql-response+json", 422, failed, 422, false},
		{"graphql-response client, parse error", "application/graphql-response+json", 400, failed, 400, false},
		{"graphql-response client, success", "application/graphql-response+json", 200, `{"data":{"a":1}}`, 200, true},
		{"json client, success", "application/json", 200, `{"data":null,"errors":[{"message":"x"}]}`, 200, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ a }"}`))
			req.Header.Set("Content-Type", "application/json")
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := httptest.NewRecorder()
			Guard(downstream(c.status, c.body), Options{}).ServeHTTP(rec, req)
			if rec.Code != c.wantStatus || strings.Contains(rec.Body.String(), `"data"`) != c.wantData {
				t.Errorf("got %d %s", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), `"errors"`) && c.status != 200 {
				t.Errorf("errors lost: %s", rec.Body)
			}
		})
	}
}
