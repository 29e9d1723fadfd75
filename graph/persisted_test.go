package graph_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

const gqlResponse = "application/graphql-response+json"

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func apq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// TestAutomaticPersistedQueries: the exchange of Apollo's
// PersistedQueryLink. A hash alone is PERSISTED_QUERY_NOT_FOUND until the
// document has been sent with it; then the hash alone runs it, over POST
// and GET (queries only). A wrong hash is BAD_USER_INPUT; a document that
// fails validation, or is longer than the cache keeps, is not registered.
func TestAutomaticPersistedQueries(t *testing.T) {
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		e := testenv.Start(t, databaseURL)
		a := e.Account("Acme")
		const doc = `query Role { viewer { role } }`
		hash := sha(doc)

		for accept, status := range map[string]int{gqlResponse: 400, "application/json": 200} {
			ans := sendRaw(t, e, a.Token, accept, "", map[string]any{"extensions": apq(hash)})
			if r := ans.one(t); r.Code() != "PERSISTED_QUERY_NOT_FOUND" || ans.Status != status || ans.hasData() {
				t.Errorf("unknown hash, Accept %s: %d %s", accept, ans.Status, ans.Body)
			}
		}
		r := sendRaw(t, e, a.Token, "", "", map[string]any{"query": doc, "extensions": apq(sha("{ other }"))}).one(t)
		if r.Code() != "BAD_USER_INPUT" || r.Field() != "extensions.persistedQuery.sha256Hash" {
			t.Errorf("hash of another document: %s", r.Body)
		}
		for _, ext := range []map[string]any{
			{"persistedQuery": map[string]any{"version": 2, "sha256Hash": hash}},
			{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "abc"}},
			{"persistedQuery": "yes"},
		} {
			if r := sendRaw(t, e, a.Token, "", "", map[string]any{"extensions": ext}).one(t); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("extensions %v: %s", ext, r.Body)
			}
		}

		want := `{"viewer":{"role":"OWNER"}}`
		if ans := sendRaw(t, e, a.Token, "", "", map[string]any{"query": doc, "extensions": apq(hash)}); ans.data() != want {
			t.Fatalf("registration: %s", ans.Body)
		}
		if ans := sendRaw(t, e, a.Token, "", "", map[string]any{"extensions": apq(hash)}); ans.data() != want {
			t.Errorf("POST by hash: %s", ans.Body)
		}
		ext, _ := json.Marshal(apq(hash))
		if ans := sendRaw(t, e, a.Token, "", url.Values{"extensions": {string(ext)}}.Encode(), nil); ans.data() != want {
			t.Errorf("GET by hash: %d %s", ans.Status, ans.Body)
		}

		// A mutation registers over POST and is refused over GET by its hash.
		mutation := `mutation M($n: String!) { createDevice(input: {name: $n, timeZone: "UTC"}) { device { id } } }`
		if r := sendRaw(t, e, a.Token, "", "", map[string]any{"query": mutation, "variables": map[string]any{"n": "Door"}, "extensions": apq(sha(mutation))}).one(t); len(r.Errors) > 0 {
			t.Fatalf("mutation registration: %s", r.Body)
		}
		before := e.Tables()
		ext, _ = json.Marshal(apq(sha(mutation)))
		if ans := sendRaw(t, e, a.Token, "", url.Values{"extensions": {string(ext)}, "variables": {`{"n":"Door 2"}`}}.Encode(), nil); ans.Status != 405 {
			t.Errorf("GET of a registered mutation: %d %s", ans.Status, ans.Body)
		}
		unchanged(t, e, before, "a GET mutation by hash")

		for name, bad := range map[string]string{
			"invalid":  `{ viewer { nope } }`,
			"too long": `{ viewer { role } } # ` + strings.Repeat("x", 17<<10),
		} {
			sendRaw(t, e, a.Token, "", "", map[string]any{"query": bad, "extensions": apq(sha(bad))})
			if r := sendRaw(t, e, a.Token, "", "", map[string]any{"extensions": apq(sha(bad))}).one(t); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
				t.Errorf("%s document registered: %s", name, r.Body)
			}
		}
	})
}

// TestTrustedDocuments: a manifest as Relay and graphql-codegen write it
// (id → document) names documents by documentId, doc_id or the APQ hash;
// with TrustedDocumentsOnly every other document is refused before it is
// parsed, and nothing is registered or written.
func TestTrustedDocuments(t *testing.T) {
	const role = `query Role { viewer { role } }`
	const device = `mutation Device($n: String!) { createDevice(input: {name: $n, timeZone: "UTC"}) { device { name } } }`
	manifest := filepath.Join(t.TempDir(), "persisted-documents.json")
	const typename = `query T { __typename }`
	// graphql-codegen's client preset writes its ids with a sha256: prefix.
	const kind = `query K { viewer { account { name } } }`
	b, _ := json.Marshal(map[string]string{sha(role): role, "relay-7f3a": device, strings.ToUpper(sha(typename)): typename, "sha256:" + sha(kind): kind})
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Each(t, func(t *testing.T, databaseURL string) {
		for _, only := range []bool{false, true} {
			e := testenv.Start(t, databaseURL, func(c *app.Config) { c.TrustedDocuments, c.TrustedDocumentsOnly = manifest, only })
			a := e.Account("Acme")
			want := `{"viewer":{"role":"OWNER"}}`
			for name, body := range map[string]any{
				"documentId":      map[string]any{"documentId": sha(role)},
				"sha256: prefix":  map[string]any{"documentId": "sha256:" + sha(role)},
				"APQ hash":        map[string]any{"extensions": apq(sha(role))},
				"APQ with query":  map[string]any{"query": role, "extensions": apq(sha(role))},
				"batch of doc_id": []any{map[string]any{"doc_id": sha(role)}},
			} {
				ans := sendRaw(t, e, a.Token, "", "", body)
				if ans.data() != want {
					t.Errorf("only=%v, %s: %s", only, name, ans.Body)
				}
			}
			if ans := sendRaw(t, e, a.Token, "", "", map[string]any{"extensions": apq(sha(typename))}); ans.data() != `{"__typename":"Query"}` {
				t.Errorf("only=%v, an uppercase id in the manifest: %s", only, ans.Body)
			}
			for name, body := range map[string]any{
				"documentId":            map[string]any{"documentId": "sha256:" + sha(kind)},
				"documentId, no prefix": map[string]any{"documentId": sha(kind)},
				"APQ hash":              map[string]any{"extensions": apq(sha(kind))},
			} {
				if ans := sendRaw(t, e, a.Token, "", "", body); ans.data() != `{"viewer":{"account":{"name":"Acme"}}}` {
					t.Errorf("only=%v, a sha256:-prefixed id in the manifest, by %s: %s", only, name, ans.Body)
				}
			}
			if ans := sendRaw(t, e, a.Token, "", url.Values{"documentId": {sha(role)}}.Encode(), nil); ans.data() != want {
				t.Errorf("only=%v, GET documentId: %s", only, ans.Body)
			}
			if r := sendRaw(t, e, a.Token, "", "", map[string]any{"doc_id": "relay-7f3a", "variables": map[string]any{"n": "Front"}}).one(t); string(r.Data) != `{"createDevice":{"device":{"name":"Front"}}}` {
				t.Errorf("only=%v, doc_id of a mutation: %s", only, r.Body)
			}

			before := e.Tables()
			for name, c := range map[string]struct {
				body any
				code string
			}{
				"unknown id":   {map[string]any{"documentId": sha("{ x }")}, "PERSISTED_QUERY_NOT_FOUND"},
				"id and query": {map[string]any{"documentId": sha(role), "query": role}, "BAD_REQUEST"},
				"unknown hash": {map[string]any{"extensions": apq(sha("{ x }"))}, "PERSISTED_QUERY_NOT_FOUND"},
				"wrong hash":   {map[string]any{"query": device, "extensions": apq(sha(role))}, "BAD_USER_INPUT"},
			} {
				if r := sendRaw(t, e, a.Token, gqlResponse, "", c.body).one(t); r.Code() != c.code || r.Status != 400 {
					t.Errorf("only=%v, %s: %d %s", only, name, r.Status, r.Body)
				}
			}
			unchanged(t, e, before, "a refused persisted document")

			other := `mutation { createDevice(input: {name: "Other", timeZone: "UTC"}) { device { id } } }`
			for name, body := range map[string]map[string]any{
				"plain":        {"query": other},
				"registration": {"query": other, "extensions": apq(sha(other))},
				"unparsable":   {"query": `mutation { createDevice(`},
			} {
				before := e.Tables()
				r := sendRaw(t, e, a.Token, gqlResponse, "", body).one(t)
				refused := r.Code() == "TRUSTED_DOCUMENT_REQUIRED" && r.Status == 400 && r.Data == nil
				if refused != only {
					t.Errorf("only=%v, %s document: %d %s", only, name, r.Status, r.Body)
				}
				if only {
					unchanged(t, e, before, "an untrusted document")
				}
			}
			if only {
				if r := sendRaw(t, e, a.Token, "", "", map[string]any{"extensions": apq(sha(other))}).one(t); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
					t.Errorf("a refused registration was kept: %s", r.Body)
				}
			}
		}
	})
}

// TestTrustedDocumentsConfig: a manifest whose SHA-256 id does not match
// its document, one that is not an object of strings, and "only" without a
// manifest stop the server from starting.
func TestTrustedDocumentsConfig(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		manifest string
		only     bool
	}{
		"hash mismatch":          {`{"` + sha("{ a }") + `": "{ b }"}`, false},
		"prefixed hash mismatch": {`{"sha256:` + sha("{ a }") + `": "{ b }"}`, false},
		"not strings":            {`{"a": 1}`, false},
		"only, none":             {"", true},
	} {
		path := ""
		if c.manifest != "" {
			path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cfg := app.Config{DatabaseURL: filepath.Join(dir, "unused.db"), InviteSecret: make([]byte, 32), TrustedDocuments: path, TrustedDocumentsOnly: c.only}
		if a, err := app.New(context.Background(), cfg); err == nil {
			_ = a.Close()
			t.Errorf("%s: the server started", name)
		}
	}
}
