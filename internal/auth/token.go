package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/enum"
)

// tokenPrefix marks Latchkey secrets so that secret scanners and people can
// recognise a leaked one.
const tokenPrefix = "lk_"

// NewToken returns a new random secret (256 bits) and the hash to store.
func NewToken() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token. A plain SHA-256 suffices:
// the secret has 256 random bits, so there is nothing to brute-force.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// ViewerOf returns the viewer a stored token stands for. The kind decides
// the role; a kind unknown here, or an owner that does not fit the kind, is
// an error, so that no token gains a role from a missing value.
func ViewerOf(t *ent.APIToken) (*Viewer, error) {
	switch {
	case t.Kind == enum.TokenAdmin && t.UserID == nil:
		return &Viewer{AccountID: t.AccountID, Role: RoleAdmin, TokenID: t.ID}, nil
	case t.Kind == enum.TokenApp && t.UserID != nil && *t.UserID != "":
		return &Viewer{AccountID: t.AccountID, Role: RoleUser, UserID: *t.UserID, TokenID: t.ID}, nil
	}
	return nil, fmt.Errorf("auth: token %s of kind %q stands for no viewer", t.ID, t.Kind)
}
