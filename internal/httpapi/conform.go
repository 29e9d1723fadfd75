package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// conformWriter brings gqlgen's answers to requests that fail before
// execution in line with the GraphQL-over-HTTP specification: a client
// that accepts only application/json gets 200 (gqlgen says 422), and one
// that accepts application/graphql-response+json gets no "data" entry
// (gqlgen writes "data": null).
type conformWriter struct {
	http.ResponseWriter
	graphQLResponse bool
	buffered        *bytes.Buffer
	status          int
}

func (w *conformWriter) WriteHeader(status int) {
	switch {
	case status == http.StatusUnprocessableEntity && !w.graphQLResponse:
		status = http.StatusOK
	case status >= 400 && w.graphQLResponse:
		// Hold the (small) error document back to drop its data entry.
		w.buffered, w.status = new(bytes.Buffer), status
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *conformWriter) Write(p []byte) (int, error) {
	if w.buffered != nil {
		return w.buffered.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// finish writes a held-back error document without its data entry.
func (w *conformWriter) finish() {
	if w.buffered == nil {
		return
	}
	body := w.buffered.Bytes()
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) == nil && string(doc["data"]) == "null" {
		delete(doc, "data")
		if b, err := json.Marshal(doc); err == nil {
			body = b
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}
