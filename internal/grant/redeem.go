package grant

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Limiter counts failed redemptions per client address. Attempt counts an
// attempt as failed before it is made, or refuses it (ok false) with the
// time to wait; Forgive takes back one that succeeded.
type Limiter interface {
	Attempt(ctx context.Context, addr netip.Addr) (attempt pulid.ID, wait time.Duration, ok bool)
	Forgive(ctx context.Context, attempt pulid.ID)
}

// errInvalidCode is the one answer to every code that does not redeem, so
// that a guesser learns nothing about why.
var errInvalidCode = apperr.New(apperr.InvitationInvalid, "the invitation code is not valid")

// Redemption is what redeeming a code gives the app.
type Redemption struct {
	// Token acts as the user: it reads the user's own data and nothing else.
	Token       string
	User        *ent.User
	Permissions []*ent.Permission
}

// Redeem activates the permissions of the invitation with this code and
// issues a token scoped to its user. Single use is decided by one
// conditional UPDATE, so of two concurrent redemptions exactly one wins.
// c must not be in a transaction: Redeem runs its own, so that a failure
// is recorded even though nothing else is written.
func (s *Service) Redeem(ctx context.Context, c *ent.Client, code string) (*Redemption, error) {
	attempt, wait, ok := s.Failures.Attempt(ctx, clientaddr.FromContext(ctx))
	if !ok {
		s.redeemed("rate_limited")
		secs := int(wait.Round(time.Second) / time.Second)
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: "too many invalid codes from this address; try again later", RetryAfter: max(secs, 1)}
	}
	hashes, ok := s.Codes.Hashes(code)
	if !ok {
		return nil, s.invalid()
	}
	tx, err := c.Tx(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.redeem(ctx, tx.Client(), hashes)
	if err != nil {
		_ = tx.Rollback()
		if errors.Is(err, errInvalidCode) {
			return nil, s.invalid()
		}
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.Failures.Forgive(ctx, attempt)
	// The rest of this response is read with the new token's rights.
	auth.Become(ctx, &auth.Viewer{AccountID: res.User.AccountID, Role: auth.RoleUser, UserID: res.User.ID})
	s.redeemed("ok")
	return res, nil
}

// invalid answers a code that did not redeem; its attempt stays counted.
func (s *Service) invalid() error {
	s.redeemed("invalid")
	return errInvalidCode
}

// redeem does the writes of a redemption in the transaction of c.
func (s *Service) redeem(ctx context.Context, c *ent.Client, hashes []string) (*Redemption, error) {
	now := s.Now()
	sys := auth.SystemContext(ctx)
	n, err := c.Invitation.Update().
		Where(
			invitation.CodeHashIn(hashes...),
			invitation.StatusEQ(enum.InvitationPending),
			invitation.ExpiresAtGT(now),
		).
		SetStatus(enum.InvitationRedeemed).
		SetRedeemedAt(now).
		Save(sys)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errInvalidCode
	}
	inv, err := c.Invitation.Query().Where(invitation.CodeHashIn(hashes...)).WithUser().Only(sys)
	if err != nil {
		return nil, err
	}
	if _, err := c.Permission.Update().
		Where(permission.InvitationID(inv.ID), permission.StatusEQ(enum.PermissionPending)).
		SetStatus(enum.PermissionActive).
		Save(sys); err != nil {
		return nil, err
	}
	perms, err := c.Permission.Query().
		Where(permission.InvitationID(inv.ID), permission.StatusEQ(enum.PermissionActive)).
		WithDevice().
		Order(ent.Asc(permission.FieldID)).
		All(sys)
	if err != nil {
		return nil, err
	}
	if len(perms) == 0 {
		// Everything it covered is gone: the code gives nothing.
		return nil, errInvalidCode
	}
	secret, tokenHash := auth.NewToken()
	token, err := c.APIToken.Create().
		SetAccountID(inv.AccountID).
		SetKind(enum.TokenApp).
		SetUserID(inv.UserID).
		SetName("app").
		SetTokenHash(tokenHash).
		Save(sys)
	if err != nil {
		return nil, err
	}
	if err := recordRedemption(ctx, c, now, inv, perms, token.ID); err != nil {
		return nil, err
	}
	return &Redemption{Token: secret, User: inv.Edges.User, Permissions: perms}, nil
}

// recordRedemption appends the redemption's audit record. Its caller has
// no token, only the code, so the actor is the server (SYSTEM), acting for
// whoever held the code; the targets name the invitation, its user, the
// permissions it activated and the app token it issued, so that the token
// can be found and revoked.
func recordRedemption(ctx context.Context, c *ent.Client, now time.Time, inv *ent.Invitation, perms []*ent.Permission, token pulid.ID) error {
	targets := make([]pulid.ID, 0, 3+len(perms))
	targets = append(targets, inv.ID, inv.UserID)
	for _, p := range perms {
		targets = append(targets, p.ID)
	}
	return audit.Record(ctx, c, audit.Entry{
		Action:  enum.AuditInvitationRedeemed,
		Targets: append(targets, token),
		Changes: []changes.Field{changes.Of("status", enum.InvitationPending, enum.InvitationRedeemed)},
		At:      now,
		System:  &audit.System{AccountID: inv.AccountID, Name: "invitation code"},
	})
}

// Resend issues a new code and a new 48-hour window for a pending or
// expired invitation, optionally in another language; the old code stops
// working and mail not yet sent with it is withdrawn.
func (s *Service) Resend(ctx context.Context, c *ent.Client, id pulid.ID, lang *enum.Language, method *enum.DeliveryMethod) (*Result, error) {
	// Locked before it is read, as a redemption's update locks it: a
	// redemption that commits first leaves it REDEEMED for the read below.
	if _, err := lockInvitations(ctx, c, invitation.ID(id)); err != nil {
		return nil, err
	}
	inv, err := c.Invitation.Query().
		Where(invitation.ID(id)).
		WithUser(func(q *ent.UserQuery) { q.WithAccount() }).
		WithPermissions(func(q *ent.PermissionQuery) {
			q.Where(permission.StatusNEQ(enum.PermissionRevoked)).WithDevice().Order(ent.Asc(permission.FieldID))
		}).
		Only(ctx)
	if err != nil {
		return nil, err
	}
	if inv.Status != enum.InvitationPending {
		return nil, apperr.New(apperr.Conflict, "invitation %s is %s; only a pending or expired invitation can be resent", id, inv.Status)
	}
	now := s.Now()
	code, hash, err := s.Codes.Issue()
	if err != nil {
		return nil, err
	}
	byCaller, delivery := deliveryOf(method)
	upd := c.Invitation.UpdateOne(inv).
		SetCodeHash(hash).
		SetExpiresAt(expiry(now)).
		SetDelivery(delivery)
	if lang != nil {
		upd.SetLanguage(*lang)
	}
	updated, err := upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := recordResend(ctx, c, now, upd.Mutation()); err != nil {
		return nil, err
	}
	updated.Edges = inv.Edges
	if err := c.Outbox.Update().
		Where(outbox.InvitationID(id), outbox.StatusEQ(enum.DeliveryQueued)).
		SetStatus(enum.DeliveryFailed).
		SetLastError("superseded by a resent invitation").
		ClearSealedBody().
		SetTextBody("").
		SetHTMLBody("").
		Exec(ctx); err != nil {
		return nil, err
	}
	res := &Result{Permissions: inv.Edges.Permissions, Invitation: updated}
	if byCaller {
		res.Code = &code
		return res, nil
	}
	return res, s.Mailer.Enqueue(ctx, c, updated, code, now)
}

// recordResend appends a resend's audit record: the new expiry, and the
// language and delivery where they changed (never the code).
func recordResend(ctx context.Context, c *ent.Client, now time.Time, m *ent.InvitationMutation) error {
	fields, err := audit.Changes(ctx, m)
	if err != nil {
		return err
	}
	id, _ := m.ID()
	userID, err := m.OldUserID(ctx)
	if err != nil {
		return err
	}
	return audit.Record(ctx, c, audit.Entry{Action: enum.AuditInvitationResent, Targets: []pulid.ID{id, userID}, Changes: fields, At: now})
}
