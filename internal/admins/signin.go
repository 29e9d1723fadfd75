package admins

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/predicate"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Credentials are what an admin signs in with. Account is needed only by
// someone who administers several accounts with one email.
type Credentials struct {
	Email, Password string
	Account         *pulid.ID
}

// Session is a signed-in admin's token (shown once) and its admin.
type Session struct {
	Token     string
	Admin     *ent.Admin
	ExpiresAt time.Time
}

// errSignIn is the one answer to every sign-in that does not succeed,
// whatever the reason (unknown email, wrong password, disabled admin, no
// password yet), so that it tells nobody which emails are admins'.
var errSignIn = apperr.New(apperr.Unauthenticated, "the email and password do not match an admin who may sign in (an admin of several accounts names the account)")

// SignIn checks an admin's email and password and, when they match an
// enabled admin, creates a session lasting SessionTTL. Every attempt runs
// exactly one argon2id verification (against a dummy hash when there is
// no admin to check), so that a failure takes as long whatever its reason.
// Attempts are limited per client address and per email; a failed one
// stays counted, so c must be the root client: the count commits even
// though the failure writes nothing else.
func (s *Service) SignIn(ctx context.Context, c *ent.Client, in Credentials) (*Session, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(email) > 254 {
		return nil, apperr.Invalid("input.email", "must be at most 254 characters")
	}
	if utf8.RuneCountInString(in.Password) > password.MaxLength {
		return nil, apperr.Invalid("input.password", "must be at most %d characters", password.MaxLength)
	}
	byAddr, wait, ok := s.ByAddress.Attempt(ctx, clientaddr.FromContext(ctx))
	if !ok {
		return nil, rateLimited(wait)
	}
	byEmail, wait, ok := s.ByEmail.AttemptKey(ctx, emailKey(email))
	if !ok {
		return nil, rateLimited(wait)
	}
	sys := auth.SystemContext(ctx)
	// Only admins who may sign in are candidates: another account's
	// owner inviting this email, or disabling it there, must not make the
	// email ambiguous (and lock its admin out until they name an account).
	where := []predicate.Admin{admin.Email(email), admin.Disabled(false), admin.PasswordHashNotNil()}
	if in.Account != nil {
		where = append(where, admin.AccountID(*in.Account))
	}
	found, err := c.Admin.Query().Where(where...).Limit(2).All(sys)
	if err != nil {
		return nil, err
	}
	var a *ent.Admin
	if len(found) == 1 {
		a = found[0]
	}
	if a == nil {
		password.VerifyNone(in.Password)
		// In place of the record a wrong password writes (failed).
		s.ByEmail.Touch(ctx, emailKey(email))
		return nil, errSignIn
	}
	if !password.Verify(*a.PasswordHash, in.Password) {
		return nil, s.failed(ctx, c, a)
	}
	sess, err := s.startSession(ctx, c, a)
	if err != nil {
		return nil, err
	}
	s.ByAddress.Forgive(ctx, byAddr)
	s.ByEmail.Forgive(ctx, byEmail)
	return sess, nil
}

// startSession writes a's new session and last sign-in in one transaction,
// and lets the rest of the request read as a.
func (s *Service) startSession(ctx context.Context, c *ent.Client, a *ent.Admin) (*Session, error) {
	now, sys := s.Now(), auth.SystemContext(ctx)
	ttl := s.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	tx, err := c.Tx(sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	secret, hash := auth.NewToken()
	tok, err := tx.APIToken.Create().
		SetAccountID(a.AccountID).
		SetKind(enum.TokenSession).
		SetAdminID(a.ID).
		SetName("session").
		SetTokenHash(hash).
		SetExpiresAt(now.Add(ttl)).
		Save(sys)
	if err != nil {
		return nil, err
	}
	upd := tx.Admin.UpdateOne(a).SetLastSignInAt(now)
	if a, err = upd.Save(sys); err != nil {
		return nil, err
	}
	tok.Edges.Admin = a
	v, err := auth.ViewerOf(tok)
	if err != nil {
		return nil, err
	}
	// Recorded as the new session; the request becomes it only once it is
	// committed.
	fields, err := audit.Changes(sys, upd.Mutation())
	if err != nil {
		return nil, err
	}
	if err := audit.Record(auth.NewContext(ctx, v), tx.Client(), audit.Entry{Action: enum.AuditSignedIn, Targets: []pulid.ID{a.ID, tok.ID}, Changes: fields, At: now}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	auth.Become(ctx, v)
	return &Session{Token: secret, Admin: a, ExpiresAt: *tok.ExpiresAt}, nil
}

// failed records a wrong password for a, the one admin who may sign in
// with the email, in a statement of its own on c, the root client (the
// request's writes roll back), like the attempts' counts; the server is
// the actor, as the caller proved to be nobody. It returns errSignIn, or
// the record's error. An email that names no such admin records nothing:
// there is nobody to name, and the answer is the same.
func (s *Service) failed(ctx context.Context, c *ent.Client, a *ent.Admin) error {
	err := audit.Record(ctx, c, audit.Entry{Action: enum.AuditSignInFailed, Targets: []pulid.ID{a.ID}, At: s.Now(),
		System: &audit.System{AccountID: a.AccountID, Name: "sign-in"}})
	if err != nil {
		return err
	}
	return errSignIn
}

// emailKey is the rate-limit key of an email: a hash, so that it fits the
// key column and the table holds no addresses.
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func rateLimited(wait time.Duration) error {
	return &apperr.Error{Code: apperr.RateLimited, Message: "too many failed sign-ins; try again later", RetryAfter: max(int(wait.Round(time.Second)/time.Second), 1)}
}
