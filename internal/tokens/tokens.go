// Package tokens is the lifecycle of credentials: creating API tokens,
// revoking any token, and how long each kind works (Lifetimes).
package tokens

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// NewAPIToken is what createAPIToken asks for.
type NewAPIToken struct {
	Name      string
	Role      enum.AdminRole
	ExpiresAt *time.Time
}

// CreateAPI creates an API token for the account of ctx's viewer, who is
// recorded as its creator, and returns it with its secret (which only its
// hash is kept of). An expiry must be after now.
func CreateAPI(ctx context.Context, c *ent.Client, in NewAPIToken, now time.Time) (*ent.APIToken, string, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, "", apperr.ErrUnauthenticated
	}
	creator := v.AdminID
	if creator == "" {
		creator = v.TokenID
	}
	create := c.APIToken.Create().
		SetKind(enum.TokenAPI).
		SetName(in.Name).
		SetRole(in.Role).
		SetNillableExpiresAt(in.ExpiresAt)
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		// With the fields' own errors, so that every invalid field is
		// named at once.
		return nil, "", errors.Join(create.Mutation().FieldErrors(), apperr.Invalid("input.expiresAt", "must be in the future"))
	}
	secret, hash := auth.NewToken()
	t, err := create.
		SetTokenHash(hash).
		SetCreatedByID(creator).
		SetCreatedByName(v.Name).
		Save(ctx)
	if err != nil {
		return nil, "", err
	}
	// Never the secret or its hash.
	err = audit.Record(ctx, c, audit.Entry{Action: enum.AuditAPITokenCreated, Targets: []pulid.ID{t.ID}, Changes: described(t, enum.AuditAPITokenCreated), At: now})
	return t, secret, err
}

// Revoke deletes the token id, if it is of one of kinds and the viewer of
// ctx may see it (tenancy decides; another account's token is NOT_FOUND
// like a missing one), and returns it as it was. The token cache's hooks
// make it stop at once on this instance. The account's last owner
// credential (an OWNER API token, unexpired at now, or an enabled OWNER
// admin with a password: an invited one may never set it) is not
// revoked: nobody could manage the account after it.
func Revoke(ctx context.Context, c *ent.Client, now time.Time, id pulid.ID, kinds ...enum.TokenKind) (*ent.APIToken, error) {
	return revoke(ctx, c, now, "", id, kinds...)
}

// revoke is Revoke, recorded as action, or "" for the revocation of the
// token's kind (APP_TOKEN_REVOKED of an app token, API_TOKEN_REVOKED of
// an API token or a session).
func revoke(ctx context.Context, c *ent.Client, now time.Time, action enum.AuditAction, id pulid.ID, kinds ...enum.TokenKind) (*ent.APIToken, error) {
	t, err := c.APIToken.Query().Where(apitoken.ID(id), apitoken.KindIn(kinds...)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "id", Message: "no such token"}
	}
	if err != nil {
		return nil, err
	}
	owner := t.Kind == enum.TokenAPI && t.Role != nil && *t.Role == enum.AdminOwner
	sys := auth.SystemContext(ctx)
	if owner {
		// Two owner tokens revoking each other at once must not both go:
		// the second waits for the first's lock (PostgreSQL), then counts
		// without the first's token.
		if err := lockOwnerTokens(sys, c, t.AccountID); err != nil {
			return nil, err
		}
	}
	if err := c.APIToken.DeleteOne(t).Exec(ctx); err != nil {
		return nil, err
	}
	if owner {
		// Counted after the delete, in the operation's transaction, which
		// the error rolls back.
		tokens, err := c.APIToken.Query().Where(apitoken.AccountID(t.AccountID), apitoken.KindEQ(enum.TokenAPI), apitoken.RoleEQ(enum.AdminOwner),
			apitoken.Or(apitoken.ExpiresAtIsNil(), apitoken.ExpiresAtGT(now))).Exist(sys)
		if err != nil {
			return nil, err
		}
		admins, err := c.Admin.Query().Where(admin.AccountID(t.AccountID), admin.RoleEQ(enum.AdminOwner), admin.Disabled(false), admin.PasswordHashNotNil()).Exist(sys)
		if err != nil {
			return nil, err
		}
		if !tokens && !admins {
			return nil, apperr.New(apperr.Conflict, "this is the account's last owner credential: create another OWNER token (or admin) first")
		}
	}
	if action == "" {
		action = enum.AuditAPITokenRevoked
		if t.Kind == enum.TokenApp {
			action = enum.AuditAppTokenRevoked
		}
	}
	targets := []pulid.ID{t.ID}
	for _, owner := range []*pulid.ID{t.AdminID, t.UserID} {
		if owner != nil {
			targets = append(targets, *owner)
		}
	}
	return t, audit.Record(ctx, c, audit.Entry{Action: action, Targets: targets, Changes: described(t, action), At: now})
}

// lockOwnerTokens locks the account's OWNER API tokens until the
// transaction ends (SQLite writes one transaction at a time anyway).
func lockOwnerTokens(ctx context.Context, c *ent.Client, account pulid.ID) error {
	q := c.APIToken.Query().Where(apitoken.AccountID(account), apitoken.KindEQ(enum.TokenAPI), apitoken.RoleEQ(enum.AdminOwner)).
		Order(ent.Asc(apitoken.FieldID))
	q.Modify(func(s *sql.Selector) {
		if s.Dialect() != dialect.SQLite {
			s.ForUpdate(sql.WithLockTables(apitoken.Table))
		}
	})
	_, err := q.IDs(ctx)
	return err
}

// SignOut revokes the credential the request of ctx came with, whatever
// its kind, and returns its ID.
func SignOut(ctx context.Context, c *ent.Client, now time.Time) (pulid.ID, error) {
	v := auth.FromContext(ctx)
	if v == nil || v.TokenID == "" {
		return "", apperr.ErrUnauthenticated
	}
	_, err := revoke(ctx, c, now, enum.AuditSignedOut, v.TokenID, enum.TokenAPI, enum.TokenSession, enum.TokenApp)
	return v.TokenID, err
}

// described is what the trail keeps of t, as after a create or before a
// revoke: its name and kind, and for an API token's action also its role
// and expiry (none of a session's role).
func described(t *ent.APIToken, action enum.AuditAction) []changes.Field {
	field := func(name string, v any) changes.Field {
		if action == enum.AuditAPITokenCreated {
			return changes.Of(name, nil, v)
		}
		return changes.Of(name, v, nil)
	}
	out := []changes.Field{field("name", t.Name), field("kind", t.Kind)}
	if action == enum.AuditAPITokenCreated || action == enum.AuditAPITokenRevoked {
		var expires any
		if t.ExpiresAt != nil {
			expires = t.ExpiresAt.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, field("role", t.Role), field("expiresAt", expires))
	}
	return out
}

// Lifetimes bound how long tokens work, beyond their own expiry.
type Lifetimes struct {
	// SessionIdle ends a session not used for this long (SESSION_IDLE).
	SessionIdle time.Duration
	// AppTTL ends an app token this long after it was issued
	// (APP_TOKEN_TTL); 0 for no limit.
	AppTTL time.Duration
}

// Life is when one token stops working: at End (zero for never), or when
// it has not been used for Idle (0 for never) since its last use.
type Life struct {
	End  time.Time
	Idle time.Duration
}

// Of returns the life of t: its own expiry, its kind's lifetime, and a
// session's idle window.
func (l Lifetimes) Of(t *ent.APIToken) Life {
	var life Life
	if t.ExpiresAt != nil {
		life.End = *t.ExpiresAt
	}
	switch t.Kind {
	case enum.TokenSession:
		life.Idle = l.SessionIdle
	case enum.TokenApp:
		if l.AppTTL > 0 {
			life.End = earliest(life.End, t.CreatedAt.Add(l.AppTTL))
		}
	}
	return life
}

// LastUse is when t was last used as far as its row says: its last use,
// or its creation when it was never used.
func LastUse(t *ent.APIToken) time.Time {
	if t.LastUsedAt != nil && t.LastUsedAt.After(t.CreatedAt) {
		return *t.LastUsedAt
	}
	return t.CreatedAt
}

// Alive reports whether a token of this life, last used at lastUse, still
// works at now.
func (l Life) Alive(now, lastUse time.Time) bool {
	if !l.End.IsZero() && !now.Before(l.End) {
		return false
	}
	return l.Idle <= 0 || now.Before(lastUse.Add(l.Idle))
}

// earliest is the earlier of a (zero for none) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// UseInterval is how often a token's last use is written: at most once per
// interval, not on every request.
const UseInterval = time.Minute

// Touch records that the token id was used at now, unless a use within
// UseInterval is on record already (another instance may have written
// it).
func Touch(ctx context.Context, c *ent.Client, id pulid.ID, now time.Time) error {
	return c.APIToken.Update().
		Where(apitoken.ID(id), apitoken.Or(apitoken.LastUsedAtIsNil(), apitoken.LastUsedAtLTE(now.Add(-UseInterval)))).
		SetLastUsedAt(now).
		Exec(auth.SystemContext(ctx))
}
