package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of the persisted-document refusals.
const (
	// CodePersistedQueryNotFound is the code Apollo's PersistedQueryLink
	// answers by sending the document along with its hash.
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// CodeTrustedDocumentRequired refuses a document that is not in the
	// manifest of a server that runs only trusted documents.
	CodeTrustedDocumentRequired = "TRUSTED_DOCUMENT_REQUIRED"
	codeBadUserInput            = "BAD_USER_INPUT"
)

// Bounds of the automatic persisted queries, which any client may
// register: 1,000 documents of at most 16 KiB each (the length the query
// cache keeps) hold at most 16 MiB.
const (
	apqEntries      = 1000
	maxRegistered   = 16 << 10
	fieldAPQHash    = "extensions.persistedQuery.sha256Hash"
	fieldDocumentID = "documentId"
)

// Documents resolves the documents a request names instead of sending:
//
//   - trusted documents, from a manifest (a JSON object of id → document,
//     as Relay's persisted queries and graphql-codegen's persisted
//     documents write it), named by documentId or doc_id, or by
//     extensions.persistedQuery.sha256Hash;
//   - automatic persisted queries as Apollo's PersistedQueryLink speaks
//     them: a hash alone is looked up, and answered PERSISTED_QUERY_NOT_FOUND
//     when unknown; a hash with its document registers the document once
//     the operation has been judged acceptable (parsed, validated, within
//     the limits), in a bounded in-memory cache.
//
// With Only set, every other document is refused before it is parsed, and
// nothing is registered.
type Documents struct {
	trusted map[string]string
	only    bool
	apq     *lru.LRU[string]
}

// NewDocuments loads the manifest at path (none if empty). only needs a
// manifest.
func NewDocuments(path string, only bool) (*Documents, error) {
	d := &Documents{only: only, apq: lru.New[string](apqEntries), trusted: map[string]string{hashOf(setPasswordDocument): setPasswordDocument}}
	if path == "" {
		if only {
			return nil, fmt.Errorf("trusted documents only, but no manifest of them (TRUSTED_DOCUMENTS)")
		}
		return d, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var manifest map[string]string
	if err := json.Unmarshal(b, &manifest); err != nil {
		return nil, fmt.Errorf("trusted documents %s: want a JSON object of id to document: %w", path, err)
	}
	// A SHA-256 id is checked, and kept in lowercase without the sha256:
	// prefix (graphql-codegen's) as hashes are looked up.
	for id, doc := range manifest {
		id = strings.TrimPrefix(id, "sha256:")
		if _, err := hex.DecodeString(id); err == nil && len(id) == sha256.Size*2 {
			if id = strings.ToLower(id); hashOf(doc) != id {
				return nil, fmt.Errorf("trusted documents %s: the document of %s does not have that SHA-256 hash", path, id)
			}
		}
		d.trusted[id] = doc
	}
	return d, nil
}

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// resolve sets params.Query from the document the request names
// (documentID from documentId or doc_id, or the APQ extension), or
// refuses it. It returns the hash to register once the operation is
// judged acceptable ("" for none).
func (d *Documents) resolve(ctx context.Context, params *graphql.RawParams, documentID string) (register string, err *gqlerror.Error) {
	hash, err := apqHash(params.Extensions)
	if err != nil {
		return "", err
	}
	switch {
	case documentID != "":
		if params.Query != "" {
			return "", requestError(CodeBadRequest, fieldDocumentID, "send either a document or the id of a trusted one, not both")
		}
		doc, ok := d.trusted[strings.TrimPrefix(documentID, "sha256:")]
		if !ok {
			return "", requestError(CodePersistedQueryNotFound, fieldDocumentID, "no trusted document has this id")
		}
		params.Query = doc
	case hash != "" && params.Query == "":
		doc, ok := d.trusted[hash]
		if !ok && !d.only {
			doc, ok = d.apq.Get(ctx, hash)
		}
		if !ok {
			// Apollo's link tells this answer by its code or this message.
			return "", requestError(CodePersistedQueryNotFound, "", "PersistedQueryNotFound")
		}
		params.Query = doc
	case hash != "":
		if hashOf(params.Query) != hash {
			return "", requestError(codeBadUserInput, fieldAPQHash, "the document's SHA-256 hash is not "+fieldAPQHash)
		}
		if d.only && d.trusted[hash] != params.Query {
			return "", d.untrusted()
		}
		if !d.only && len(params.Query) <= maxRegistered {
			return hash, nil
		}
	case d.only:
		return "", d.untrusted()
	}
	return "", nil
}

// registered keeps a document sent with its hash, once accepted.
func (d *Documents) registered(ctx context.Context, hash, doc string) {
	if hash != "" {
		d.apq.Add(ctx, hash, doc)
	}
}

func (d *Documents) untrusted() *gqlerror.Error {
	return requestError(CodeTrustedDocumentRequired, "", "this server runs only its trusted documents: send documentId, or extensions.persistedQuery.sha256Hash, of one")
}

// apqHash returns the lowercase hex hash of the persistedQuery extension
// (version 1), "" without one.
func apqHash(ext map[string]any) (string, *gqlerror.Error) {
	v, ok := ext["persistedQuery"]
	if !ok || v == nil {
		return "", nil
	}
	pq, ok := v.(map[string]any)
	if !ok {
		return "", requestError(codeBadUserInput, "extensions.persistedQuery", "extensions.persistedQuery must be an object with version 1 and sha256Hash")
	}
	if n, ok := pq["version"].(json.Number); !ok || n.String() != "1" {
		return "", requestError(codeBadUserInput, "extensions.persistedQuery.version", "extensions.persistedQuery.version must be 1")
	}
	hash, ok := pq["sha256Hash"].(string)
	if _, err := hex.DecodeString(hash); !ok || err != nil || len(hash) != sha256.Size*2 {
		return "", requestError(codeBadUserInput, fieldAPQHash, fieldAPQHash+" must be a SHA-256 hash in hex")
	}
	return strings.ToLower(hash), nil
}

// requestError is an error of a request refused before its operation is
// parsed, already in the shape ErrorPresenter gives.
func requestError(code, field, message string) *gqlerror.Error {
	ext := map[string]any{"code": code}
	if field != "" {
		ext["field"] = field
	}
	return &gqlerror.Error{Message: message, Extensions: ext}
}
