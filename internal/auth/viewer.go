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

// Roles. The first three are an admin's (or an API token's) and see the
// whole account; RoleUser acts as one user.
const (
	// RoleOwner may do everything within its account, including admins,
	// tokens and account settings.
	RoleOwner Role = iota + 1
	// RoleAdmin manages users, devices, permissions and invitations.
	RoleAdmin
	// RoleViewer reads the account and writes nothing.
	RoleViewer
	// RoleUser may read its own user, permissions and devices.
	RoleUser
)

// accountWide reports whether r sees every row of its account.
func (r Role) accountWide() bool { return r == RoleOwner || r == RoleAdmin || r == RoleViewer }

// Viewer is the authenticated caller of a request.
type Viewer struct {
	AccountID pulid.ID
	Role      Role
	// UserID is set for RoleUser viewers, and only for them.
	UserID pulid.ID
	// TokenID is the credential the request came with (empty for the
	// server's own work on an account's behalf).
	TokenID pulid.ID
	// AdminID is the signed-in admin of a session; empty for API and app
	// tokens.
	AdminID pulid.ID
	// Name is the actor as the audit trail shows it: the admin's name for
	// a session, the token's name for an API token.
	Name string
}

// valid reports whether v is a viewer the rules know: an account, a known
// role, and a user exactly when the role acts as one.
func (v *Viewer) valid() bool {
	if v == nil || v.AccountID == "" {
		return false
	}
	switch {
	case v.Role.accountWide():
		return v.UserID == ""
	case v.Role == RoleUser:
		return v.UserID != "" && v.AdminID == ""
	}
	return false
}

// slot holds the viewer of one request. An anonymous request starts with an
// empty slot that Become may fill once (after a redeemed invitation).
type slot struct {
	v atomic.Pointer[Viewer]
	// caller marks an API request: its writes need admitted, which
	// Authorize sets once the operation's every root field passed the
	// Authority.
	caller   bool
	admitted atomic.Bool
}

type slotKey struct{}

// NewContext returns ctx carrying v (nil for an anonymous caller), for the
// server's own work on v's behalf (commands, seeding, tests): its writes
// are judged by tenancy alone.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	s := &slot{}
	s.v.Store(v)
	return context.WithValue(ctx, slotKey{}, s)
}

// NewCallerContext returns ctx carrying v (nil for an anonymous caller) of
// an API request: the privacy rules refuse its every write until Authorize
// admits its operation, so that no write escapes the Authority.
func NewCallerContext(ctx context.Context, v *Viewer) context.Context {
	s := &slot{caller: true}
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
