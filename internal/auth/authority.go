package auth

import (
	"context"

	"github.com/latchkey/latchkey/ent/privacy"
	"github.com/latchkey/latchkey/internal/apperr"
)

// Rule says who may call a root field: the roles it admits, and whether a
// caller without a token may.
type Rule struct {
	anonymous bool
	roles     []Role
}

// admits reports whether r lets v (nil for no token) call its field.
func (r Rule) admits(v *Viewer) bool {
	if v == nil {
		return r.anonymous
	}
	for _, role := range r.roles {
		if role == v.Role {
			return true
		}
	}
	return false
}

// The rules the declaration is written in.
var (
	// anyone may call the field, with or without a token.
	anyone = Rule{anonymous: true, roles: []Role{RoleOwner, RoleAdmin, RoleViewer, RoleUser}}
	// readers are every role; what each sees is narrowed by tenancy
	// (privacy.go's scope).
	readers = Rule{roles: []Role{RoleOwner, RoleAdmin, RoleViewer, RoleUser}}
	// managers change users, devices, permissions and invitations.
	managers = Rule{roles: []Role{RoleOwner, RoleAdmin}}
	// owners manage the account's admins, tokens and settings.
	owners = Rule{roles: []Role{RoleOwner}}
	// users are app tokens acting as their own user.
	users = Rule{roles: []Role{RoleUser}}
	// staff are the account's admins and API tokens, of every role, and
	// not app tokens.
	staff = Rule{roles: []Role{RoleOwner, RoleAdmin, RoleViewer}}
)

// Authority is the one declaration of which role may call which root
// field, keyed "Type.field". It is checked for every root field of an
// operation before any resolver runs; a field it does not name is refused
// to everyone, and a test fails for every field of the served schema
// without a rule.
var Authority = map[string]Rule{
	"Query.__schema":     anyone,
	"Query.__type":       anyone,
	"Query.node":         readers,
	"Query.nodes":        readers,
	"Query.viewer":       readers,
	"Query.users":        readers,
	"Query.devices":      readers,
	"Query.permissions":  readers,
	"Query.invitations":  readers,
	"Query.accessEvents": readers,
	"Query.checkAccess":  readers,

	// The audit trail (issue #15).
	"Query.auditEvents": staff,

	"Mutation.createUser":       managers,
	"Mutation.updateUser":       managers,
	"Mutation.deleteUser":       managers,
	"Mutation.createDevice":     managers,
	"Mutation.updateDevice":     managers,
	"Mutation.deleteDevice":     managers,
	"Mutation.grantPermission":  managers,
	"Mutation.updatePermission": managers,
	"Mutation.revokePermission": managers,
	"Mutation.resendInvitation": managers,
	"Mutation.redeemInvitation": anyone,
	"Mutation.operateDevice":    users,

	// Tokens (issue #15, items 5 and 6).
	"Query.apiTokens":         owners,
	"Mutation.createAPIToken": owners,
	"Mutation.revokeAPIToken": owners,
	"Mutation.revokeAppToken": managers,
	"Mutation.signOut":        readers,

	// Admins and sign-in (issue #15).
	"Query.admins":              owners,
	"Mutation.signIn":           anyone,
	"Mutation.setAdminPassword": anyone,
	"Mutation.inviteAdmin":      owners,
	"Mutation.updateAdmin":      owners,
	"Mutation.deleteAdmin":      owners,

	// Webhooks (issue #17, item 4).
	"Query.webhookEndpoints":          staff,
	"Mutation.createWebhookEndpoint":  managers,
	"Mutation.updateWebhookEndpoint":  managers,
	"Mutation.disableWebhookEndpoint": managers,
	"Mutation.enableWebhookEndpoint":  managers,
	"Mutation.deleteWebhookEndpoint":  managers,
	"Mutation.rotateWebhookSecret":    managers,
	"Mutation.redeliverWebhook":       managers,
	// Live updates (issue #17): every role; an app token receives its own
	// user's changes (internal/live, by the privacy scope).
	"Subscription.changes": readers,
}

// May answers whether v (nil without a token) may call the root field
// ("Type.field"): nil, ErrUnauthenticated for a caller without a token,
// or ErrForbidden.
func May(v *Viewer, field string) *apperr.Error {
	r, ok := Authority[field]
	switch {
	case ok && r.admits(v):
		return nil
	case v == nil:
		return apperr.ErrUnauthenticated
	}
	return apperr.ErrForbidden
}

// Authorize checks every root field of one operation (root is the root
// type's name, "Query", "Mutation" or "Subscription") against the
// Authority for the viewer of ctx, and admits the operation's writes when
// all pass. It is the only place a role is judged.
func Authorize(ctx context.Context, root string, fields []string) *apperr.Error {
	v := FromContext(ctx)
	for _, f := range fields {
		if err := May(v, root+"."+f); err != nil {
			return err
		}
	}
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		s.admitted.Store(true)
	}
	return nil
}

// requireAdmitted refuses a write of an API caller whose operation
// Authorize did not admit, and a write without a viewer.
func requireAdmitted(ctx context.Context) error {
	if FromContext(ctx) == nil {
		return apperr.ErrUnauthenticated
	}
	if s, ok := ctx.Value(slotKey{}).(*slot); ok && s.caller && !s.admitted.Load() {
		return apperr.ErrForbidden
	}
	return privacy.Skip
}
