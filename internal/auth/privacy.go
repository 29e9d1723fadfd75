package auth

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/privacy"
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
// a user's own token, to that user's rows); only admins write, and a new
// row always belongs to the admin's account.
func TenantPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{filterToViewer},
		Mutation: privacy.MutationPolicy{
			privacy.ContextQueryMutationRule(requireAdmin),
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

func requireAdmin(ctx context.Context) error {
	switch v := FromContext(ctx); {
	case v == nil:
		return apperr.ErrUnauthenticated
	case v.Role != RoleAdmin:
		return apperr.ErrForbidden
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

// filterToViewer narrows every query and update to the rows the viewer may
// see. Rows of other accounts are filtered out, never refused, so a foreign
// ID behaves exactly like one that does not exist.
var filterToViewer = privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
	v := FromContext(ctx)
	if v == nil {
		return apperr.ErrUnauthenticated
	}
	account := entql.StringEQ(string(v.AccountID))
	self := entql.StringEQ(string(v.UserID))
	// A role added later sees nothing until it is named here.
	var user bool
	switch v.Role {
	case RoleAdmin:
	case RoleUser:
		user = true
	default:
		return privacy.Denyf("no rows for role %d", v.Role)
	}
	switch f := f.(type) {
	case *ent.AccountFilter:
		f.WhereID(account)
	case *ent.APITokenFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereUserID(self)
		}
	case *ent.UserFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereID(self)
		}
	case *ent.DeviceFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereHasPermissionsWith(
				permission.UserID(v.UserID),
				permission.StatusNEQ(enum.PermissionRevoked),
			)
		}
	case *ent.PermissionFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereUserID(self)
		}
	case *ent.InvitationFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereUserID(self)
		}
	case *ent.AccessEventFilter:
		f.WhereAccountID(account)
		if user {
			f.WhereUserID(self)
		}
	case *ent.IdempotencyKeyFilter:
		f.WhereAccountID(account)
	case *ent.OutboxFilter:
		f.WhereAccountID(account)
		if user {
			return privacy.Denyf("mail is not readable by users")
		}
	default:
		return privacy.Denyf("no tenant filter for %T", f)
	}
	return privacy.Skip
})
