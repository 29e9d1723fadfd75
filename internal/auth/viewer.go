// Package auth knows who is calling: the viewer carried in the request
// context, how API tokens are made and checked, and the Ent privacy rules
// that keep every account's rows to itself.
package auth

import (
	"context"

	"github.com/latchkey/latchkey/internal/pulid"
)

// Role is what a token may do.
type Role int

// Roles.
const (
	// RoleAdmin may do everything within its account.
	RoleAdmin Role = iota + 1
	// RoleUser may read its own user, permissions and devices.
	RoleUser
)

// Viewer is the authenticated caller of a request.
type Viewer struct {
	AccountID pulid.ID
	Role      Role
	// UserID is set for RoleUser viewers.
	UserID pulid.ID
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx, or nil for an anonymous caller.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
