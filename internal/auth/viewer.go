// Package auth knows who is calling: the viewer carried in the request
// context, how API tokens are made and checked, and the Ent privacy rules
// that keep every account's rows to itself.
package auth

import (
	"context"
	"sync/atomic"

	"github.com/latchkey/latchkey/internal/pulid"
)

// Role is what a token may do. The zero Role is no role: a viewer with it
// is treated as no viewer at all.
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
	// UserID is set for RoleUser viewers, and only for them.
	UserID pulid.ID
	// TokenID is the token the viewer came with (none for viewers the
	// server makes itself); its cost budget is kept under it.
	TokenID pulid.ID
}

// valid reports whether v is a viewer the rules know: an account, a known
// role, and a user exactly when the role acts as one.
func (v *Viewer) valid() bool {
	if v == nil || v.AccountID == "" {
		return false
	}
	switch v.Role {
	case RoleAdmin:
		return v.UserID == ""
	case RoleUser:
		return v.UserID != ""
	}
	return false
}

// slot holds the viewer of one request. An anonymous request starts with an
// empty slot that Become may fill once (after a redeemed invitation).
type slot struct {
	v atomic.Pointer[Viewer]
}

type slotKey struct{}

// NewContext returns ctx carrying v (nil for an anonymous caller).
func NewContext(ctx context.Context, v *Viewer) context.Context {
	s := &slot{}
	s.v.Store(v)
	return context.WithValue(ctx, slotKey{}, s)
}

// FromContext returns the viewer of ctx, or nil for an anonymous caller.
// A viewer without a known role (or without the user its role needs) comes
// back as nil, so that every check refuses it as it refuses an anonymous
// caller.
func FromContext(ctx context.Context) *Viewer {
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		if v := s.v.Load(); v.valid() {
			return v
		}
	}
	return nil
}

// Become makes an anonymous request act as v from now on, so that the rest
// of its response is read with v's rights. It does nothing to a request
// that already has a viewer.
func Become(ctx context.Context, v *Viewer) {
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		s.v.CompareAndSwap(nil, v)
	}
}
