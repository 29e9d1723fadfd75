package mail

import (
	"errors"
	htmltemplate "html/template"
	"time"
)

// AdminInvitation is what the mail inviting an admin says: who invites,
// with which role, and the single-use link that sets the password.
type AdminInvitation struct {
	// Language is one of Languages (case does not matter).
	Language    string
	AccountName string
	// AdminName greets the invited admin (Czech and Slovak greet without
	// it, as for invitations).
	AdminName string
	Role      string
	// Link sets the password; required, an absolute URL (see checkLink).
	Link string
	// ExpiresAt is when the link stops working, shown in UTC.
	ExpiresAt time.Time
}

// adminTextNames are the admin invitation's templates every language file
// defines (besides "greeting" and "ignore", shared with invitations).
var adminTextNames = []string{"adminSubject", "adminIntro", "adminLinkIntro", "adminButton", "adminExpiry"}

type adminInvitationView struct {
	Lang        string
	AccountName string
	UserName    string
	Role        string
	Link        string
	LinkURL     htmltemplate.URL // Link, checked by checkLink
	Expires     string
	ExpiresZone string
}

// RenderAdminInvitation renders an admin's invitation in inv.Language:
// subject, plain-text and HTML body. The caller sets To and ToName.
func RenderAdminInvitation(inv AdminInvitation) (Message, error) {
	l, t, err := forLanguage(inv.Language)
	if err != nil {
		return Message{}, err
	}
	if inv.Link == "" || inv.ExpiresAt.IsZero() {
		return Message{}, errors.New("mail: an admin invitation needs a link and its expiry")
	}
	if err := checkLink(inv.Link); err != nil {
		return Message{}, err
	}
	return t.render("adminSubject", "admin-invitation", adminInvitationView{
		Lang:        l.tag,
		AccountName: oneLine(inv.AccountName),
		UserName:    oneLine(inv.AdminName),
		Role:        oneLine(inv.Role),
		Link:        inv.Link,
		LinkURL:     htmltemplate.URL(inv.Link),
		Expires:     l.expires(l, inv.ExpiresAt.UTC()),
		ExpiresZone: "UTC",
	})
}
