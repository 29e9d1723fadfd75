package httpapi

import (
	"net/http"

	"github.com/rs/cors"

	"github.com/latchkey/latchkey/internal/observe"
)

// DefaultAllowedHeaders are the request headers a browser may send
// cross-origin. Besides the ones GraphQL needs, they are those clients
// commonly add on their own, and a preflight that lists a header not
// allowed fails the whole request: W3C trace context and baggage
// (OpenTelemetry's fetch instrumentation), Apollo Client's client
// awareness and CSRF-prevention headers, and request ids.
var DefaultAllowedHeaders = []string{
	"Authorization", "Content-Type", "Accept",
	observe.HeaderRequestID, "X-Correlation-ID",
	"traceparent", "tracestate", "baggage",
	"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight", "x-apollo-operation-name",
}

// CORS answers preflights and marks the answers of the allowed origins
// ("*" for any). extraHeaders are allowed besides DefaultAllowedHeaders
// ("*" allows every header). Scripts may read the request id and
// Retry-After (rate limits) of an answer.
func CORS(origins, extraHeaders []string, next http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: append(append([]string(nil), DefaultAllowedHeaders...), extraHeaders...),
		ExposedHeaders: []string{observe.HeaderRequestID, "Retry-After"},
		MaxAge:         600,
	}).Handler(next)
}
