package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // device zones must resolve on hosts without a zone database
	"unicode"

	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/zone"
)

// Languages lists the languages RenderInvitation supports.
var Languages = []string{"EN", "DE", "ES", "FR", "IT", "NL", "CS", "SK"}

// Invitation is what the invitation email says.
type Invitation struct {
	// Language is one of Languages (case does not matter).
	Language string
	// AccountName names the account that grants access.
	AccountName string
	// UserName greets the invited user; may be empty. Czech and Slovak
	// greet without the name, which would have to be in the vocative.
	UserName string
	// Devices are the devices the user gets access to, at least one.
	Devices []Device
	// Code is the invitation code in display form ("7KQ4-M2XD-9PRT-WZ3H").
	Code string
	// Link opens the app to redeem the code; may be empty. Any absolute
	// URL except javascript:, vbscript:, data: and file: ones.
	Link string
	// ExpiresAt is when the code stops working. The mail shows it in the
	// zone of the first device (UTC if that has none), naming the zone.
	ExpiresAt time.Time
}

// Device is one device of an invitation with the restrictions of the
// user's permission on it. Times of day and weekdays are in the device's
// zone.
type Device struct {
	Name string
	// TimeZone is the device's IANA zone ("Europe/Berlin"); "" means UTC.
	TimeZone string
	// Restrictions are shown in the device's zone; weekdays 127, like 0,
	// are no weekday restriction.
	access.Restrictions
	RemoteAllowed bool
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// textNames are the templates every language file defines.
var textNames = []string{"subject", "greeting", "intro", "codeLabel", "linkIntro", "linkButton", "fallback", "expiry", "ignore"}

type langTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// parsedTemplates parses the layouts with each language's texts once.
var parsedTemplates = sync.OnceValues(func() (map[string]langTemplates, error) {
	out := make(map[string]langTemplates, len(Languages))
	for _, lang := range Languages {
		file := "templates/" + strings.ToLower(lang) + ".tmpl"
		tt, err := texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/invitation.txt.tmpl", "templates/admin-invitation.txt.tmpl", "templates/webhook-disabled.txt.tmpl", file)
		if err != nil {
			return nil, fmt.Errorf("mail: parsing %s: %w", file, err)
		}
		ht, err := htmltemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/invitation.html.tmpl", "templates/admin-invitation.html.tmpl", "templates/webhook-disabled.html.tmpl", file)
		if err != nil {
			return nil, fmt.Errorf("mail: parsing %s: %w", file, err)
		}
		for _, name := range slices.Concat(textNames, adminTextNames, webhookTextNames) {
			if tt.Lookup(name) == nil {
				return nil, fmt.Errorf("mail: %s does not define %q", file, name)
			}
		}
		out[lang] = langTemplates{text: tt, html: ht}
	}
	return out, nil
})

type deviceView struct {
	Name  string
	Lines []string
}

type invitationView struct {
	Lang        string
	AccountName string
	UserName    string
	Devices     []deviceView
	Code        string
	Link        string
	LinkURL     htmltemplate.URL // Link, checked by checkLink
	Expires     string           // "on 3 March 2026 at 14:30"
	ExpiresZone string
}

// RenderInvitation renders the invitation email in inv.Language: subject,
// plain-text and HTML body. The caller sets To and ToName.
func RenderInvitation(inv Invitation) (Message, error) {
	l, t, err := forLanguage(inv.Language)
	if err != nil {
		return Message{}, err
	}

	if strings.TrimSpace(inv.Code) == "" {
		return Message{}, errors.New("mail: invitation has no code")
	}
	if inv.ExpiresAt.IsZero() {
		return Message{}, errors.New("mail: invitation has no expiry time")
	}
	if len(inv.Devices) == 0 {
		return Message{}, errors.New("mail: invitation lists no devices")
	}
	if err := checkLink(inv.Link); err != nil {
		return Message{}, err
	}

	v := invitationView{
		Lang:        l.tag,
		AccountName: oneLine(inv.AccountName),
		UserName:    oneLine(inv.UserName),
		Code:        oneLine(inv.Code),
		Link:        inv.Link,
		LinkURL:     htmltemplate.URL(inv.Link),
	}
	expiryLoc, expiryZone := time.UTC, "UTC"
	for i, d := range inv.Devices {
		loc, zone, err := deviceZone(d.TimeZone)
		if err != nil {
			return Message{}, fmt.Errorf("mail: device %q: %w", d.Name, err)
		}
		if i == 0 {
			expiryLoc, expiryZone = loc, zone
		}
		lines, err := l.deviceLines(d, loc, zone)
		if err != nil {
			return Message{}, fmt.Errorf("mail: device %q: %w", d.Name, err)
		}
		v.Devices = append(v.Devices, deviceView{Name: oneLine(d.Name), Lines: lines})
	}
	v.Expires = l.expires(l, inv.ExpiresAt.In(expiryLoc))
	v.ExpiresZone = expiryZone

	return t.render("subject", "invitation", v)
}

// forLanguage returns the locale and the templates of a language, in any
// case.
func forLanguage(language string) (*locale, langTemplates, error) {
	lang := strings.ToUpper(strings.TrimSpace(language))
	l := locales[lang]
	if l == nil {
		return nil, langTemplates{}, fmt.Errorf("mail: unsupported language %q (want one of %s)", language, strings.Join(Languages, ", "))
	}
	tmpl, err := parsedTemplates()
	if err != nil {
		return nil, langTemplates{}, err
	}
	return l, tmpl[lang], nil
}

// render executes a mail's subject template and its two layouts
// (<layout>.txt.tmpl, <layout>.html.tmpl) with v.
func (t langTemplates) render(subjectName, layout string, v any) (Message, error) {
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, subjectName, v); err != nil {
		return Message{}, fmt.Errorf("mail: rendering subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&text, layout+".txt.tmpl", v); err != nil {
		return Message{}, fmt.Errorf("mail: rendering text: %w", err)
	}
	if err := t.html.ExecuteTemplate(&html, layout+".html.tmpl", v); err != nil {
		return Message{}, fmt.Errorf("mail: rendering HTML: %w", err)
	}
	return Message{
		Subject: oneLine(subject.String()),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// deviceLines describes the restrictions of d: its weekdays and daily
// window, or that it has no time restrictions; its validity period; and
// whether it may be opened remotely.
func (l *locale) deviceLines(d Device, loc *time.Location, zone string) ([]string, error) {
	if from, until, ok := d.Window(); ok {
		if from < 0 || from >= 24*60 || until < 0 || until > 24*60 {
			return nil, fmt.Errorf("daily window %d–%d is not within a day (0–1440 minutes)", from, until)
		}
	}
	var lines []string
	schedule := l.scheduleText(d, zone)
	if schedule != "" {
		lines = append(lines, schedule)
	}
	if d.ValidFrom != nil || d.ValidUntil != nil {
		var from, until *time.Time
		if d.ValidFrom != nil {
			t := d.ValidFrom.In(loc)
			from = &t
		}
		if d.ValidUntil != nil {
			t := d.ValidUntil.In(loc)
			until = &t
		}
		lines = append(lines, l.validity(l, from, until)+" ("+zone+")")
	} else if schedule == "" {
		lines = append(lines, l.noRestrictions)
	}
	if d.RemoteAllowed {
		lines = append(lines, l.remoteYes)
	} else {
		lines = append(lines, l.remoteNo)
	}
	return lines, nil
}

func deviceZone(name string) (*time.Location, string, error) {
	if name == "" || name == "UTC" {
		return time.UTC, "UTC", nil
	}
	loc, err := zone.Load(name)
	if err != nil || name == "Local" {
		return nil, "", fmt.Errorf("unknown time zone %q", name)
	}
	return loc, name, nil
}

// checkLink accepts "" or an absolute URL with a scheme that cannot run
// code or read files.
func checkLink(link string) error {
	if link == "" {
		return nil
	}
	if strings.IndexFunc(link, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return errors.New("mail: invitation link contains spaces or control characters")
	}
	u, err := url.Parse(link)
	if err != nil {
		return errors.New("mail: invitation link is not a URL")
	}
	if u.Scheme == "" {
		return fmt.Errorf("mail: invitation link %q is not absolute", link)
	}
	if slices.Contains([]string{"javascript", "vbscript", "data", "file"}, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("mail: invitation link has the forbidden scheme %q", u.Scheme)
	}
	return nil
}

// oneLine replaces runs of white space and control characters with one
// space and trims the result, so that names cannot break the layout or
// a header.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}
