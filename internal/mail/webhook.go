package mail

import (
	"errors"
	"time"
)

// WebhookDisabled is what the notice to an account's owner says when the
// server disabled a webhook endpoint after its deliveries failed for
// about a day.
type WebhookDisabled struct {
	// Language is one of Languages (case does not matter).
	Language    string
	AccountName string
	// AdminName greets the owner (Czech and Slovak greet without it).
	AdminName string
	URL       string
	// Reason is the last attempt's error.
	Reason     string
	DisabledAt time.Time
}

// webhookTextNames are the notice's templates every language file
// defines (besides "greeting").
var webhookTextNames = []string{"webhookSubject", "webhookIntro", "webhookReason", "webhookAction"}

type webhookDisabledView struct {
	Lang        string
	AccountName string
	UserName    string
	URL         string
	Reason      string
	DisabledAt  string
	Zone        string
}

// RenderWebhookDisabled renders the notice in n.Language: subject,
// plain-text and HTML body. The caller sets To and ToName.
func RenderWebhookDisabled(n WebhookDisabled) (Message, error) {
	l, t, err := forLanguage(n.Language)
	if err != nil {
		return Message{}, err
	}
	if n.URL == "" || n.DisabledAt.IsZero() {
		return Message{}, errors.New("mail: a webhook notice needs the endpoint's URL and when it was disabled")
	}
	return t.render("webhookSubject", "webhook-disabled", webhookDisabledView{
		Lang:        l.tag,
		AccountName: oneLine(n.AccountName),
		UserName:    oneLine(n.AdminName),
		URL:         oneLine(n.URL),
		Reason:      oneLine(n.Reason),
		// One form in every language: the sentence around it says "on"
		// or "since".
		DisabledAt: n.DisabledAt.UTC().Format("2006-01-02 15:04"),
		Zone:       "UTC",
	})
}
