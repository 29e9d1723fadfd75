// Package admins manages the people who administer an account: inviting
// them, changing and removing them (an account keeps an enabled OWNER),
// the single-use codes that set their passwords, and signing in.
// Each write of the API appends its audit record in its transaction; a
// failed sign-in at an admin's email, in a statement of its own.
package admins

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/admincode"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/ratelimit"
)

// CodeTTL is how long a set-password code works.
const CodeTTL = 48 * time.Hour

// DefaultSessionTTL is a session's absolute lifetime unless configured
// (SESSION_TTL); its idle limit (SESSION_IDLE) is checked where tokens
// are looked up.
const DefaultSessionTTL = 7 * 24 * time.Hour

// Mailer queues the mail that invites an admin to set a password.
type Mailer interface {
	EnqueueAdmin(ctx context.Context, c *ent.Client, a *ent.Admin, accountName string, lang enum.Language, code string, expires, now time.Time) error
}

// Service does the writes of this package.
type Service struct {
	Mailer Mailer
	// ByAddress and ByEmail limit failed sign-ins per client address and
	// per email; both count every attempt until it succeeds.
	ByAddress, ByEmail *ratelimit.Failures
	// SessionTTL is how long a session lasts after sign-in.
	SessionTTL time.Duration
	Now        func() time.Time
}

// errLastOwner refuses a change that would leave the account without an
// enabled OWNER, who alone can manage admins and tokens.
func errLastOwner(field string) error {
	return apperr.Invalid(field, "the account must keep at least one enabled OWNER; make another admin OWNER first")
}

// InviteInput is a new admin: name, email, role, and the language of the
// invitation mail.
type InviteInput struct {
	Name, Email string
	Role        enum.AdminRole
	Language    enum.Language
}

// Invite creates an admin without a password in the viewer's account and
// queues a mail with a link that sets the password once, within CodeTTL.
func (s *Service) Invite(ctx context.Context, c *ent.Client, in InviteInput) (*ent.Admin, error) {
	now := s.Now()
	create := c.Admin.Create().SetName(in.Name).SetEmail(in.Email).SetRole(in.Role)
	if in.Language != "" {
		create.SetLanguage(in.Language)
	}
	a, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	acc, err := c.Account.Get(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	code, expires, err := NewCode(ctx, c, a, now)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: enum.AuditAdminInvited, Targets: []pulid.ID{a.ID}, At: now,
		Changes: []changes.Field{changes.Of("name", nil, a.Name), changes.Of("email", nil, a.Email), changes.Of("role", nil, a.Role)}}); err != nil {
		return nil, err
	}
	return a, s.Mailer.EnqueueAdmin(ctx, c, a, acc.Name, in.Language, code, expires, now)
}

// NewCode issues a set-password code for a, valid for CodeTTL from now;
// the codes a had not used yet stop working. Only the code's hash is kept.
func NewCode(ctx context.Context, c *ent.Client, a *ent.Admin, now time.Time) (string, time.Time, error) {
	sys := auth.SystemContext(ctx)
	if _, err := c.AdminCode.Delete().Where(admincode.AdminID(a.ID), admincode.UsedAtIsNil()).Exec(sys); err != nil {
		return "", time.Time{}, err
	}
	code, hash := auth.NewToken()
	expires := now.Add(CodeTTL)
	err := c.AdminCode.Create().SetAccountID(a.AccountID).SetAdminID(a.ID).SetCodeHash(hash).SetExpiresAt(expires).Exec(sys)
	return code, expires, err
}

// Change is what updateAdmin changes; nil fields stay.
type Change struct {
	Name     *string
	Role     *enum.AdminRole
	Disabled *bool
}

// Update changes an admin of the viewer's account. A change that leaves
// the account without an enabled OWNER is refused.
func (s *Service) Update(ctx context.Context, c *ent.Client, id pulid.ID, ch Change) (*ent.Admin, error) {
	a, err := c.Admin.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	demotes := ch.Role != nil && *ch.Role != enum.AdminOwner
	disables := ch.Disabled != nil && *ch.Disabled
	if demotes || disables {
		field := "input.disabled"
		if demotes {
			field = "input.role"
		}
		if err := keepOwner(ctx, c, a, field); err != nil {
			return nil, err
		}
	}
	b := c.Admin.UpdateOne(a).SetNillableName(ch.Name).SetNillableRole(ch.Role).SetNillableDisabled(ch.Disabled)
	return audit.Save(ctx, c, s.Now(), enum.AuditAdminUpdated, b.Mutation(), b.Save)
}

// Delete removes an admin of the viewer's account, with its sessions and
// codes. The last enabled OWNER cannot be removed.
func (s *Service) Delete(ctx context.Context, c *ent.Client, id pulid.ID) error {
	a, err := c.Admin.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := keepOwner(ctx, c, a, "input.id"); err != nil {
		return err
	}
	if err := c.Admin.DeleteOne(a).Exec(ctx); err != nil {
		return err
	}
	return audit.Record(ctx, c, audit.Entry{Action: enum.AuditAdminDeleted, Targets: []pulid.ID{a.ID}, At: s.Now(),
		Changes: []changes.Field{changes.Of("name", a.Name, nil), changes.Of("email", a.Email, nil), changes.Of("role", a.Role, nil)}})
}

// keepOwner refuses to let a stop being an enabled OWNER when it is the
// account's last who can sign in: an owner invited but without a password
// yet may never accept, so it neither counts nor is kept. It locks the account's enabled owners (PostgreSQL), so
// that two owners demoting each other at once cannot both succeed: the
// second waits, then no longer finds the first.
func keepOwner(ctx context.Context, c *ent.Client, a *ent.Admin, field string) error {
	if a.Role != enum.AdminOwner || a.Disabled || a.PasswordHash == nil {
		return nil
	}
	q := c.Admin.Query().Where(admin.RoleEQ(enum.AdminOwner), admin.Disabled(false), admin.PasswordHashNotNil())
	q.Modify(func(s *sql.Selector) {
		if s.Dialect() != dialect.SQLite { // which writes one transaction at a time
			s.ForUpdate(sql.WithLockTables(admin.Table))
		}
	})
	owners, err := q.IDs(ctx)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if o != a.ID {
			return nil
		}
	}
	return errLastOwner(field)
}

// SetPassword sets the password of the admin a code was issued for, and
// uses the code up. An unknown, used or expired code is refused, and so is
// a password that password.Check refuses; either way nothing is written.
// The admin's sessions end: a new password is often a response to a lost
// one.
func (s *Service) SetPassword(ctx context.Context, c *ent.Client, code, pw string) (*ent.Admin, error) {
	if err := password.Check(pw); err != nil {
		return nil, apperr.Invalid("input.password", "the password %v", err)
	}
	now, sys := s.Now(), auth.SystemContext(ctx)
	ac, err := c.AdminCode.Query().Where(admincode.CodeHash(auth.HashToken(code))).Only(sys)
	switch {
	case ent.IsNotFound(err):
		return nil, apperr.Invalid("input.code", "this link is not valid; ask an owner of the account for a new one")
	case err != nil:
		return nil, err
	case ac.UsedAt != nil:
		return nil, apperr.Invalid("input.code", "this link was already used; ask an owner of the account for a new one")
	case !now.Before(ac.ExpiresAt):
		return nil, apperr.Invalid("input.code", "this link has expired; ask an owner of the account for a new one")
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, err
	}
	// Only one of two uses at once finds the code unused.
	n, err := c.AdminCode.Update().Where(admincode.ID(ac.ID), admincode.UsedAtIsNil()).SetUsedAt(now).Save(sys)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, apperr.Invalid("input.code", "this link was already used; ask an owner of the account for a new one")
	}
	if _, err := c.APIToken.Delete().Where(apitoken.AdminID(ac.AdminID), apitoken.KindEQ(enum.TokenSession)).Exec(sys); err != nil {
		return nil, err
	}
	a, err := c.Admin.UpdateOneID(ac.AdminID).SetPasswordHash(hash).Save(sys)
	if err != nil {
		return nil, err
	}
	// No fields: never the hash or the code.
	return a, audit.Record(as(ctx, a), c, audit.Entry{Action: enum.AuditAdminPasswordSet, Targets: []pulid.ID{a.ID}, At: now})
}

// as is ctx with a as its viewer, without a session, for the record of a
// write whose caller proved to be a by a code rather than by a token.
// Unlike auth.Become it leaves the viewer of the rest of the request as it
// was.
func as(ctx context.Context, a *ent.Admin) context.Context {
	return auth.NewContext(ctx, &auth.Viewer{AccountID: a.AccountID, Role: auth.RoleOf(a.Role), AdminID: a.ID, Name: a.Name})
}
