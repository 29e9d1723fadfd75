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

// ViewerOf returns the viewer a stored token stands for, with its admin
// loaded for a session. The kind decides where the role comes from; a kind
// unknown here, an owner that does not fit the kind, a role without a name
// or a disabled admin is an error, so that no token gains a role from a
// missing value.
func ViewerOf(t *ent.APIToken) (*Viewer, error) {
	v := &Viewer{AccountID: t.AccountID, TokenID: t.ID, Name: t.Name}
	switch {
	case t.Kind == enum.TokenAPI && t.UserID == nil && t.AdminID == nil && t.Role != nil:
		v.Role = RoleOf(*t.Role)
	case t.Kind == enum.TokenSession && t.UserID == nil && t.AdminID != nil && t.Edges.Admin != nil &&
		t.Edges.Admin.ID == *t.AdminID && !t.Edges.Admin.Disabled:
		v.Role, v.AdminID, v.Name = RoleOf(t.Edges.Admin.Role), t.Edges.Admin.ID, t.Edges.Admin.Name
	case t.Kind == enum.TokenApp && t.UserID != nil && *t.UserID != "" && t.AdminID == nil:
		v.Role, v.UserID = RoleUser, *t.UserID
	}
	if !v.valid() {
		return nil, fmt.Errorf("auth: token %s of kind %q stands for no viewer", t.ID, t.Kind)
	}
	return v, nil
}

// RoleOf is the role of an admin role's name; an unknown name is no role.
func RoleOf(r enum.AdminRole) Role {
	switch r {
	case enum.AdminOwner:
		return RoleOwner
	case enum.AdminAdmin:
		return RoleAdmin
	case enum.AdminViewer:
		return RoleViewer
	}
	return 0
}
