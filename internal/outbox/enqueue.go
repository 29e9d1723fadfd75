// Package outbox delivers mail through a database table: a mail is written
// in the same transaction as what it announces, and senders on any number
// of instances deliver it with retries, without sending it twice.
package outbox

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/outbox"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/mail"
)

// DefaultLinkTemplate is the activation link: {code} is replaced by the
// code, {base} by the server's public URL.
const DefaultLinkTemplate = "{base}/invite/{code}"

// Invitations writes invitation mails, users' and admins', into the outbox.
type Invitations struct {
	// PublicURL is where the server is reached, e.g. https://locks.example.com.
	PublicURL string
	// LinkTemplate is the activation link; DefaultLinkTemplate if empty.
	LinkTemplate string
	// Keys seal the bodies, which hold the code, until the mail is sent.
	Keys *Keys
}

// Link returns the activation link for a code.
func (q Invitations) Link(code string) string {
	t := q.LinkTemplate
	if t == "" {
		t = DefaultLinkTemplate
	}
	return strings.NewReplacer("{base}", strings.TrimRight(q.PublicURL, "/"), "{code}", url.PathEscape(code)).Replace(t)
}

// Enqueue renders the mail of an invitation and queues it. The invitation's
// user with its account, and its permissions with their devices, must be
// loaded.
func (q Invitations) Enqueue(ctx context.Context, c *ent.Client, inv *ent.Invitation, code string, now time.Time) error {
	u := inv.Edges.User
	acc, err := u.Edges.AccountOrErr()
	if err != nil {
		return err
	}
	m := mail.Invitation{
		Language:    string(inv.Language),
		AccountName: acc.Name,
		UserName:    u.Name,
		Code:        code,
		Link:        q.Link(code),
		ExpiresAt:   inv.ExpiresAt,
	}
	for _, p := range inv.Edges.Permissions {
		if p.Status == enum.PermissionRevoked {
			continue
		}
		m.Devices = append(m.Devices, mail.Device{
			Name:          p.Edges.Device.Name,
			TimeZone:      p.Edges.Device.TimeZone,
			Restrictions:  p.Restrictions(),
			RemoteAllowed: p.RemoteAllowed,
		})
	}
	msg, err := mail.RenderInvitation(m)
	if err != nil {
		return err
	}
	return q.queue(ctx, c.Outbox.Create().SetInvitationID(inv.ID), u.Email, u.Name, msg, now)
}

// AdminLink is the single-use link that sets an admin's password.
func (q Invitations) AdminLink(code string) string {
	return strings.TrimRight(q.PublicURL, "/") + "/admin/set-password/" + url.PathEscape(code)
}

// EnqueueAdmin queues the mail inviting admin a (of the account named
// accountName) to set a password with code, in lang.
func (q Invitations) EnqueueAdmin(ctx context.Context, c *ent.Client, a *ent.Admin, accountName string, lang enum.Language, code string, expires, now time.Time) error {
	msg, err := mail.RenderAdminInvitation(mail.AdminInvitation{
		Language:    string(lang),
		AccountName: accountName,
		AdminName:   a.Name,
		Role:        string(a.Role),
		Link:        q.AdminLink(code),
		ExpiresAt:   expires,
	})
	if err != nil {
		return err
	}
	return q.queue(ctx, c.Outbox.Create(), a.Email, a.Name, msg, now)
}

// queue seals msg's bodies and writes the mail to the outbox with create.
func (q Invitations) queue(ctx context.Context, create *ent.OutboxCreate, to, name string, msg mail.Message, now time.Time) error {
	// The row's ID is chosen here: the sealed body is bound to it.
	id := outbox.DefaultID()
	keyID, sealed, err := q.Keys.seal(id, to, msg.Text, msg.HTML)
	if err != nil {
		return err
	}
	return create.
		SetID(id).
		SetToAddress(to).
		SetToName(name).
		SetSubject(msg.Subject).
		SetKeyID(keyID).
		SetSealedBody(sealed).
		SetNextAttemptAt(now).
		Exec(ctx)
}

// EnqueueWebhookDisabled queues the notice to owner a (of the account
// named accountName, in a's language) that the webhook endpoint at url was
// disabled at when its deliveries kept failing, the last with reason.
func (q Invitations) EnqueueWebhookDisabled(ctx context.Context, c *ent.Client, a *ent.Admin, accountName, url, reason string, at time.Time) error {
	msg, err := mail.RenderWebhookDisabled(mail.WebhookDisabled{
		Language:    string(a.Language),
		AccountName: accountName,
		AdminName:   a.Name,
		URL:         url,
		Reason:      reason,
		DisabledAt:  at,
	})
	if err != nil {
		return err
	}
	return q.queue(ctx, c.Outbox.Create().SetAccountID(a.AccountID), a.Email, a.Name, msg, at)
}
