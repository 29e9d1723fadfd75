package auth

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/accessevent"
	"github.com/latchkey/latchkey/ent/account"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/idempotencykey"
	"github.com/latchkey/latchkey/ent/intercept"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/privacy"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/ent/webhookendpoint"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// SystemContext returns ctx with privacy checks bypassed, for the server's
// own work (token lookup, the account command, background jobs). Never use
// it on behalf of an API caller.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// TenantPolicy is the privacy policy of every entity that belongs to an
// account: reads and writes are filtered to the viewer's account (and, for
// a user's own token, to that user's rows); an API caller writes only in
// an operation the Authority admitted (roles are judged there, not here),
// and a new row always belongs to the viewer's account.
func TenantPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{filterToViewer},
		Mutation: privacy.MutationPolicy{
			privacy.ContextQueryMutationRule(requireAdmitted),
			privacy.OnMutationOperation(privacy.MutationRuleFunc(stampAccount), ent.OpCreate),
			filterToViewer,
		},
	}
}

// SystemOnlyPolicy lets API callers read (filtered like TenantPolicy) but
// leaves every write to SystemContext.
func SystemOnlyPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{filterToViewer},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// AppendOnlyPolicy is the audit trail's: API callers read it (filtered like
// TenantPolicy) and add to their own account's, and nothing changes or
// removes a row but SystemContext (the retention sweep).
func AppendOnlyPolicy() ent.Policy {
	create := func(r privacy.MutationRule) privacy.MutationRule { return privacy.OnMutationOperation(r, ent.OpCreate) }
	return privacy.Policy{
		Query: privacy.QueryPolicy{filterToViewer},
		Mutation: privacy.MutationPolicy{
			create(privacy.ContextQueryMutationRule(requireViewer)),
			create(privacy.MutationRuleFunc(stampAccount)),
			create(privacy.AlwaysAllowRule()),
			privacy.AlwaysDenyRule(),
		},
	}
}

func requireViewer(ctx context.Context) error {
	if FromContext(ctx) == nil {
		return apperr.ErrUnauthenticated
	}
	return privacy.Skip
}

// stampAccount sets the account of a new row to the viewer's, and refuses
// a row that names another account.
func stampAccount(ctx context.Context, m ent.Mutation) error {
	v := FromContext(ctx)
	tm, ok := m.(interface {
		AccountID() (pulid.ID, bool)
		SetAccountID(pulid.ID)
	})
	if !ok {
		return privacy.Denyf("%s has no account", m.Type())
	}
	if id, set := tm.AccountID(); set && id != v.AccountID {
		return apperr.ErrForbidden
	}
	tm.SetAccountID(v.AccountID)
	return privacy.Skip
}

// filterToViewer narrows every query, update and delete to the rows the
// viewer may see. Rows of other accounts are filtered out, never refused,
// so a foreign ID behaves exactly like one that does not exist.
var filterToViewer = viewerFilter{}

type viewerFilter struct{}

func (viewerFilter) EvalQuery(ctx context.Context, q ent.Query) error {
	iq, err := intercept.NewQuery(q)
	if err != nil {
		return privacy.Denyf("no tenant filter: %v", err)
	}
	return narrow(ctx, iq.Type(), iq.WhereP)
}

func (viewerFilter) EvalMutation(ctx context.Context, m ent.Mutation) error {
	w, ok := m.(interface{ WhereP(...func(*sql.Selector)) })
	if !ok {
		return privacy.Denyf("no tenant filter for %s", m.Type())
	}
	return narrow(ctx, m.Type(), w.WhereP)
}

func narrow(ctx context.Context, typ string, where func(...func(*sql.Selector))) error {
	v := FromContext(ctx)
	if v == nil {
		return apperr.ErrUnauthenticated
	}
	ps, err := scope(v, typ)
	if err != nil {
		return err
	}
	where(ps...)
	return privacy.Skip
}

// scope states, for each Ent type, which of its rows v may see: the rows
// of v's account and, for a user's own token, the rows of that user. It is
// the only statement of it: filterToViewer applies it to the root table of
// every query, update and delete, and ScopeEdges to the subquery of every
// edge predicate in a where input. A type without a scope is refused.
func scope(v *Viewer, typ string) ([]func(*sql.Selector), error) {
	if !v.Role.accountWide() && v.Role != RoleUser {
		// A role added later sees nothing until it is named here.
		return nil, privacy.Denyf("no rows for role %d", v.Role)
	}
	switch typ {
	case ent.TypeAccount:
		return rows(v, account.ID(v.AccountID)), nil
	case ent.TypeAPIToken:
		if v.Role == RoleAdmin || v.Role == RoleViewer {
			// Admins and viewers see users' app tokens and their own
			// credential; the account's other credentials are the owners'.
			return []func(*sql.Selector){apitoken.AccountID(v.AccountID),
				apitoken.Or(apitoken.KindEQ(enum.TokenApp), apitoken.ID(v.TokenID))}, nil
		}
		return rows(v, apitoken.AccountID(v.AccountID), apitoken.UserID(v.UserID)), nil
	case ent.TypeAdmin:
		switch v.Role {
		case RoleUser:
			return nil, privacy.Denyf("admins are not readable by users")
		case RoleOwner:
			return rows(v, admin.AccountID(v.AccountID)), nil
		}
		// Only owners manage admins; an ADMIN or VIEWER session sees its
		// own admin, and an API token of those roles none.
		return []func(*sql.Selector){admin.AccountID(v.AccountID), admin.ID(v.AdminID)}, nil
	case ent.TypeUser:
		return rows(v, user.AccountID(v.AccountID), user.ID(v.UserID)), nil
	case ent.TypeDevice:
		return rows(v, device.AccountID(v.AccountID), device.HasPermissionsWith(
			permission.UserID(v.UserID),
			permission.StatusNEQ(enum.PermissionRevoked),
		)), nil
	case ent.TypePermission:
		return rows(v, permission.AccountID(v.AccountID), permission.UserID(v.UserID)), nil
	case ent.TypeInvitation:
		return rows(v, invitation.AccountID(v.AccountID), invitation.UserID(v.UserID)), nil
	case ent.TypeAccessEvent:
		// A user reads the events of permissions it held, not its attempts
		// at devices it never held (which record the device's name).
		return rows(v, accessevent.AccountID(v.AccountID), accessevent.UserID(v.UserID), accessevent.PermissionIDNotNil()), nil
	case ent.TypeAuditEvent:
		// A user's own token reads none of the trail.
		return rows(v, auditevent.AccountID(v.AccountID), auditevent.IDIn()), nil
	case ent.TypeIdempotencyKey:
		return rows(v, idempotencykey.AccountID(v.AccountID)), nil
	case ent.TypeOutbox:
		if v.Role == RoleUser {
			return nil, privacy.Denyf("mail is not readable by users")
		}
		return rows(v, outbox.AccountID(v.AccountID)), nil
	case ent.TypeWebhookEndpoint:
		if v.Role == RoleUser {
			return nil, privacy.Denyf("webhooks are not readable by users")
		}
		return rows(v, webhookendpoint.AccountID(v.AccountID)), nil
	case ent.TypeWebhookDelivery:
		if v.Role == RoleUser {
			return nil, privacy.Denyf("webhooks are not readable by users")
		}
		return rows(v, webhookdelivery.AccountID(v.AccountID)), nil
	}
	return nil, privacy.Denyf("no tenant filter for %s", typ)
}

// ScopeKey names the rows of typ that v may see, so that viewers with the
// same key may share what one of them read (the live updates read each
// changed node once per key): it follows scope, case by case. Account-wide
// roles read the same rows of every type but two: an ADMIN or VIEWER
// reads its own credential and its own admin only.
func ScopeKey(v *Viewer, typ string) string {
	switch {
	case v.Role == RoleUser:
		return "user " + string(v.AccountID) + " " + string(v.UserID)
	case typ == ent.TypeAPIToken && v.Role != RoleOwner:
		return "token " + string(v.AccountID) + " " + string(v.TokenID)
	case typ == ent.TypeAdmin && v.Role != RoleOwner:
		return "admin " + string(v.AccountID) + " " + string(v.AdminID)
	}
	return "account " + string(v.AccountID)
}

// rows is the scope of one type: inAccount always, and own too when v
// acts as one user.
func rows[P ~func(*sql.Selector)](v *Viewer, inAccount P, own ...P) []func(*sql.Selector) {
	ps := []func(*sql.Selector){inAccount}
	if v.Role == RoleUser {
		for _, p := range own {
			ps = append(ps, p)
		}
	}
	return ps
}
