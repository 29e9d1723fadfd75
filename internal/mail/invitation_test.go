package mail

import (
	htmltemplate "html/template"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/access"
)

const testCode = "7KQ4-M2XD-9PRT-WZ3H"

func ptr(t time.Time) *time.Time { return &t }

func minute(m access.Minute) *access.Minute { return &m }

// testInvitation has a device with an overnight window on workdays in
// Berlin, one with weekend hours until midnight and a validity period in
// Prague, and one without restrictions.
func testInvitation(lang string) Invitation {
	return Invitation{
		Language:    lang,
		AccountName: "Hausverwaltung Schmidt",
		UserName:    "Anna Nováková",
		Devices: []Device{
			{Name: "Haustür", TimeZone: "Europe/Berlin", Restrictions: access.Restrictions{Weekdays: 64 | 32 | 16 | 8 | 4, DailyFrom: minute(22 * 60), DailyUntil: minute(6 * 60)}, RemoteAllowed: true},
			{Name: "Garage", TimeZone: "Europe/Prague", Restrictions: access.Restrictions{Weekdays: 2 | 1, DailyFrom: minute(8*60 + 30), DailyUntil: minute(1440),
				ValidFrom: ptr(time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)), ValidUntil: ptr(time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC))}},
			{Name: "Keller"},
		},
		Code:      testCode,
		Link:      "https://app.example.com/redeem?code=7KQ4M2XD9PRTWZ3H&src=mail",
		ExpiresAt: time.Date(2026, 3, 8, 13, 30, 0, 0, time.UTC), // 14:30 in Berlin
	}
}

// htmlHas reports whether the HTML contains s as html/template escapes text.
func htmlHas(html, s string) bool {
	return strings.Contains(html, htmltemplate.HTMLEscapeString(s)) ||
		strings.Contains(html, strings.ReplaceAll(htmltemplate.HTMLEscapeString(s), "&#43;", "+"))
}

func TestRenderInvitationLanguages(t *testing.T) {
	nb := "\u00a0"
	want := map[string]struct {
		expiry, schedule, garage, validity, none, remote, greeting string
	}{
		"EN": {"on 8 March 2026 at 14:30 (Europe/Berlin)", "Mon–Fri 22:00–06:00 (Europe/Berlin)", "Sat, Sun 08:30–24:00 (Europe/Prague)",
			"Valid from 1 March 2026, 08:00 to 31 March 2026, 18:00 (Europe/Prague)", "No time restrictions", "Remote opening allowed", "Hello Anna Nováková,"},
		"DE": {"am 8. März 2026 um 14:30 Uhr (Europe/Berlin)", "Mo–Fr 22:00–06:00 (Europe/Berlin)", "Sa, So 08:30–24:00 (Europe/Prague)",
			"Gültig vom 1. März 2026, 08:00 Uhr bis 31. März 2026, 18:00 Uhr (Europe/Prague)", "Keine zeitlichen Einschränkungen", "Fernöffnung erlaubt", "Guten Tag Anna Nováková,"},
		"ES": {"el 8 de marzo de 2026 a las 14:30 (Europe/Berlin)", "lun.–vie. de 22:00 a 6:00 (Europe/Berlin)", "sáb., dom. de 8:30 a 24:00 (Europe/Prague)",
			"Válido desde el 1 de marzo de 2026 a las 8:00 hasta el 31 de marzo de 2026 a las 18:00 (Europe/Prague)", "Sin restricciones horarias", "Apertura remota permitida", "Hola, Anna Nováková:"},
		"FR": {"le 8 mars 2026 à 14" + nb + "h" + nb + "30 (Europe/Berlin)", "lun.–ven. de 22" + nb + "h à 6" + nb + "h (Europe/Berlin)", "sam., dim. de 8" + nb + "h" + nb + "30 à 24" + nb + "h (Europe/Prague)",
			"Valable du 1er mars 2026 à 8" + nb + "h au 31 mars 2026 à 18" + nb + "h (Europe/Prague)", "Aucune restriction horaire", "Ouverture à distance autorisée", "Bonjour Anna Nováková,"},
		"IT": {"l’8 marzo 2026 alle ore 14:30 (Europe/Berlin)", "lun–ven 22:00–6:00 (Europe/Berlin)", "sab, dom 8:30–24:00 (Europe/Prague)",
			"Valido dal 1º marzo 2026, ore 8:00, al 31 marzo 2026, ore 18:00 (Europe/Prague)", "Nessuna restrizione di orario", "Apertura da remoto consentita", "Gentile Anna Nováková,"},
		"NL": {"op 8 maart 2026 om 14:30 uur (Europe/Berlin)", "ma–vr 22:00–06:00 (Europe/Berlin)", "za, zo 08:30–24:00 (Europe/Prague)",
			"Geldig van 1 maart 2026, 08:00 uur tot 31 maart 2026, 18:00 uur (Europe/Prague)", "Geen tijdsbeperkingen", "Op afstand openen toegestaan", "Beste Anna Nováková,"},
		"CS": {"do 8. března 2026, 14:30 (Europe/Berlin)", "po–pá 22:00–6:00 (Europe/Berlin)", "so, ne 8:30–24:00 (Europe/Prague)",
			"Platí od 1. března 2026, 8:00 do 31. března 2026, 18:00 (Europe/Prague)", "Bez časových omezení", "Otevření na dálku povoleno", "Dobrý den,"},
		"SK": {"do 8. marca 2026, 14:30 (Europe/Berlin)", "po–pi 22:00–6:00 (Europe/Berlin)", "so, ne 8:30–24:00 (Europe/Prague)",
			"Platí od 1. marca 2026, 8:00 do 31. marca 2026, 18:00 (Europe/Prague)", "Bez časových obmedzení", "Otvorenie na diaľku povolené", "Dobrý deň,"},
	}
	if len(want) != len(Languages) {
		t.Fatalf("test covers %d languages, package has %d", len(want), len(Languages))
	}
	subjects := map[string]string{}
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			w := want[lang]
			inv := testInvitation(lang)
			m, err := RenderInvitation(inv)
			if err != nil {
				t.Fatal(err)
			}
			if m.To != "" || m.ToName != "" {
				t.Errorf("recipient set: %q %q", m.To, m.ToName)
			}
			if !strings.Contains(m.Subject, inv.AccountName) || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject %q", m.Subject)
			}
			if prev, dup := subjects[m.Subject]; dup {
				t.Errorf("subject %q same as in %s", m.Subject, prev)
			}
			subjects[m.Subject] = lang
			for _, s := range []string{
				inv.Code, inv.Link, inv.AccountName, "Haustür", "Garage", "Keller",
				w.expiry, w.schedule, w.garage, w.validity, w.none, w.remote, w.greeting,
			} {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, m.Text)
				}
				if !htmlHas(m.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, m.HTML)
				}
			}
			if !strings.HasPrefix(m.Text, w.greeting+"\n\n") {
				t.Errorf("text does not start with the greeting:\n%s", m.Text)
			}
			if lang != "CS" && lang != "SK" && !strings.Contains(m.Text, inv.UserName) {
				t.Errorf("text does not greet %q", inv.UserName)
			}
			for _, body := range []string{m.Text, m.HTML} {
				for _, bad := range []string{"<no value>", "{{", "%!", "  \n", "\n\n\n"} {
					if strings.Contains(body, bad) {
						t.Errorf("body contains %q:\n%s", bad, body)
					}
				}
			}
			if strings.Contains(m.Text, "<") {
				t.Errorf("text body contains markup:\n%s", m.Text)
			}
			if !strings.Contains(m.HTML, `<html lang="`+strings.ToLower(lang)+`">`) {
				t.Errorf("HTML lacks the language tag")
			}
			if !strings.Contains(m.HTML, `href="https://app.example.com/redeem?code=7KQ4M2XD9PRTWZ3H&amp;src=mail"`) {
				t.Errorf("HTML lacks the link target:\n%s", m.HTML)
			}
		})
	}
}

func TestRenderInvitationLanguageCase(t *testing.T) {
	inv := testInvitation("de")
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "Ihr Einladungscode") {
		t.Errorf("lower-case language not German:\n%s", m.Text)
	}
}

func TestRenderInvitationUnknownLanguage(t *testing.T) {
	for _, lang := range []string{"", "PL", "english", "EN-US", "de_DE"} {
		_, err := RenderInvitation(testInvitation(lang))
		if err == nil {
			t.Errorf("language %q accepted", lang)
		} else if !strings.Contains(err.Error(), "language") {
			t.Errorf("language %q: error %q does not say what is wrong", lang, err)
		}
	}
}

func TestRenderInvitationEscapesHTML(t *testing.T) {
	inv := testInvitation("EN")
	inv.UserName = "<script>alert(1)</script>"
	inv.AccountName = `Smith & "Sons" <b>`
	inv.Devices[0].Name = `<img src=x onerror=alert(1)>`
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>", `"Sons"`, "& "} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML contains unescaped %q:\n%s", bad, m.HTML)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "Smith &amp; &#34;Sons&#34; &lt;b&gt;", "&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("HTML lacks %q:\n%s", good, m.HTML)
		}
	}
	// The text body and the subject are not HTML: names appear as given.
	if !strings.Contains(m.Text, "Hello <script>alert(1)</script>,") || !strings.Contains(m.Subject, `Smith & "Sons" <b>`) {
		t.Errorf("text or subject altered names:\n%s\n%s", m.Subject, m.Text)
	}
}

func TestRenderInvitationNamesStayOnOneLine(t *testing.T) {
	inv := testInvitation("EN")
	inv.AccountName = "Evil\r\nBcc: victim@example.com"
	inv.Devices[0].Name = "Front\ndoor"
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") || !strings.Contains(m.Subject, "Evil Bcc: victim@example.com") {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.Contains(m.Text, "- Front door\n") {
		t.Errorf("device name not on one line:\n%s", m.Text)
	}
}

func TestRenderInvitationLinks(t *testing.T) {
	inv := testInvitation("EN")
	inv.Link = "latchkey://redeem?code=7KQ4M2XD9PRTWZ3H"
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `href="latchkey://redeem?code=7KQ4M2XD9PRTWZ3H"`) {
		t.Errorf("app link not kept:\n%s", m.HTML)
	}

	inv.Link = ""
	m, err = RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "href") || strings.Contains(m.Text, "open this link") || !strings.Contains(m.Text, testCode) {
		t.Errorf("without a link:\n%s\n%s", m.Text, m.HTML)
	}

	for _, bad := range []string{"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "file:///etc/passwd", "/relative", "https://x.example/a b"} {
		inv.Link = bad
		if _, err := RenderInvitation(inv); err == nil {
			t.Errorf("link %q accepted", bad)
		}
	}
}

func TestRenderInvitationErrors(t *testing.T) {
	cases := map[string]func(*Invitation){
		"no code":          func(i *Invitation) { i.Code = " " },
		"no expiry":        func(i *Invitation) { i.ExpiresAt = time.Time{} },
		"no devices":       func(i *Invitation) { i.Devices = nil },
		"unknown zone":     func(i *Invitation) { i.Devices[1].TimeZone = "Mars/Olympus_Mons" },
		"window from 1440": func(i *Invitation) { i.Devices[0].DailyFrom = minute(1440) },
		"window until big": func(i *Invitation) { i.Devices[0].DailyUntil = minute(1441) },
		"negative window":  func(i *Invitation) { i.Devices[0].DailyFrom = minute(-1) },
	}
	for name, change := range cases {
		inv := testInvitation("EN")
		change(&inv)
		if _, err := RenderInvitation(inv); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRenderInvitationExpiryZone(t *testing.T) {
	inv := testInvitation("EN")
	inv.Devices[0].TimeZone = "" // first device without zone: UTC
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "expires on 8 March 2026 at 13:30 (UTC)") {
		t.Errorf("expiry not in UTC:\n%s", m.Text)
	}

	inv = testInvitation("EN")
	inv.Devices[0].TimeZone = "America/New_York"
	inv.ExpiresAt = time.Date(2026, 7, 1, 3, 5, 0, 0, time.UTC) // 23:05 EDT the day before
	m, err = RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "expires on 30 June 2026 at 23:05 (America/New_York)") {
		t.Errorf("expiry not in the first device's zone:\n%s", m.Text)
	}
}

func TestWeekdaysText(t *testing.T) {
	en, de := locales["EN"], locales["DE"]
	cases := []struct {
		mask   access.Weekdays
		en, de string
	}{
		{0, "", ""},
		{127, "", ""},
		{255, "", ""}, // bit 128 is not a day
		{64 | 32 | 16 | 8 | 4, "Mon–Fri", "Mo–Fr"},
		{2 | 1, "Sat, Sun", "Sa, So"},
		{64, "Mon", "Mo"},
		{1, "Sun", "So"},
		{64 | 16 | 4, "Mon, Wed, Fri", "Mo, Mi, Fr"},
		{64 | 32, "Mon, Tue", "Mo, Di"},
		{64 | 32 | 16, "Mon–Wed", "Mo–Mi"},
		{64 | 32 | 16 | 4 | 2 | 1, "Mon–Wed, Fri–Sun", "Mo–Mi, Fr–So"},
		{64 | 1, "Mon, Sun", "Mo, So"},
		{32 | 16 | 8 | 4 | 2 | 1, "Tue–Sun", "Di–So"},
	}
	for _, c := range cases {
		if got := en.weekdaysText(c.mask); got != c.en {
			t.Errorf("EN %07b: %q, want %q", c.mask, got, c.en)
		}
		if got := de.weekdaysText(c.mask); got != c.de {
			t.Errorf("DE %07b: %q, want %q", c.mask, got, c.de)
		}
	}
}

func TestDeviceLines(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	workdays := access.Weekdays(64 | 32 | 16 | 8 | 4)
	cases := []struct {
		lang string
		d    Device
		want []string
	}{
		{"DE", Device{Restrictions: access.Restrictions{Weekdays: workdays, DailyFrom: minute(22 * 60), DailyUntil: minute(6 * 60)}, RemoteAllowed: true},
			[]string{"Mo–Fr 22:00–06:00 (Europe/Berlin)", "Fernöffnung erlaubt"}},
		{"DE", Device{Restrictions: access.Restrictions{DailyFrom: minute(8 * 60), DailyUntil: minute(1440)}},
			[]string{"Täglich 08:00–24:00 (Europe/Berlin)", "Fernöffnung nicht erlaubt"}},
		{"DE", Device{Restrictions: access.Restrictions{Weekdays: 127, DailyFrom: minute(0), DailyUntil: minute(1440)}},
			[]string{"Täglich 00:00–24:00 (Europe/Berlin)", "Fernöffnung nicht erlaubt"}},
		{"EN", Device{Restrictions: access.Restrictions{Weekdays: 2 | 1}},
			[]string{"Sat, Sun (Europe/Berlin)", "Remote opening not allowed"}},
		{"EN", Device{RemoteAllowed: true},
			[]string{"No time restrictions", "Remote opening allowed"}},
		{"EN", Device{Restrictions: access.Restrictions{DailyFrom: minute(23*60 + 30), DailyUntil: minute(30)}},
			[]string{"Daily 23:30–00:30 (Europe/Berlin)", "Remote opening not allowed"}},
		// Validity in the device's zone, summer time included.
		{"EN", Device{Restrictions: access.Restrictions{ValidFrom: ptr(time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC))}},
			[]string{"Valid from 1 July 2026, 08:00 (Europe/Berlin)", "Remote opening not allowed"}},
		{"DE", Device{Restrictions: access.Restrictions{ValidUntil: ptr(time.Date(2026, 12, 31, 22, 59, 0, 0, time.UTC))}},
			[]string{"Gültig bis 31. Dezember 2026, 23:59 Uhr (Europe/Berlin)", "Fernöffnung nicht erlaubt"}},
		{"FR", Device{Restrictions: access.Restrictions{Weekdays: workdays, DailyFrom: minute(22*60 + 15), DailyUntil: minute(1440)}},
			[]string{"lun.–ven. de 22\u00a0h\u00a015 à 24\u00a0h (Europe/Berlin)", "Ouverture à distance non autorisée"}},
		{"FR", Device{Restrictions: access.Restrictions{ValidUntil: ptr(time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC))}},
			[]string{"Valable jusqu’au 1er août 2026 à 10\u00a0h (Europe/Berlin)", "Ouverture à distance non autorisée"}},
		{"IT", Device{Restrictions: access.Restrictions{ValidFrom: ptr(time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)), ValidUntil: ptr(time.Date(2026, 4, 11, 8, 0, 0, 0, time.UTC))}},
			[]string{"Valido dall’8 marzo 2026, ore 9:00, all’11 aprile 2026, ore 10:00 (Europe/Berlin)", "Apertura da remoto non consentita"}},
		{"IT", Device{Restrictions: access.Restrictions{ValidUntil: ptr(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))}},
			[]string{"Valido fino al 1º maggio 2026, ore 10:00 (Europe/Berlin)", "Apertura da remoto non consentita"}},
		{"ES", Device{Restrictions: access.Restrictions{ValidFrom: ptr(time.Date(2026, 1, 15, 0, 15, 0, 0, time.UTC))}},
			[]string{"Válido a partir del 15 de enero de 2026 a la 1:15 (Europe/Berlin)", "Apertura remota no permitida"}},
		{"CS", Device{Restrictions: access.Restrictions{Weekdays: 64 | 8, DailyFrom: minute(7 * 60), DailyUntil: minute(15*60 + 30)}, RemoteAllowed: true},
			[]string{"po, čt 7:00–15:30 (Europe/Berlin)", "Otevření na dálku povoleno"}},
		{"SK", Device{Restrictions: access.Restrictions{Weekdays: 64 | 32 | 16 | 8, ValidUntil: ptr(time.Date(2026, 6, 30, 21, 0, 0, 0, time.UTC))}},
			[]string{"po–št (Europe/Berlin)", "Platí do 30. júna 2026, 23:00 (Europe/Berlin)", "Otvorenie na diaľku nie je povolené"}},
		{"NL", Device{Restrictions: access.Restrictions{Weekdays: 4 | 2 | 1, DailyFrom: minute(18 * 60), DailyUntil: minute(2 * 60)}},
			[]string{"vr–zo 18:00–02:00 (Europe/Berlin)", "Op afstand openen niet toegestaan"}},
	}
	for _, c := range cases {
		got, err := locales[c.lang].deviceLines(c.d, berlin, "Europe/Berlin")
		if err != nil {
			t.Errorf("%s %+v: %v", c.lang, c.d, err)
			continue
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.lang, c.d, got, c.want)
		}
	}
}

// TestLocalesComplete guards against a half-filled locale.
func TestLocalesComplete(t *testing.T) {
	if len(locales) != len(Languages) {
		t.Fatalf("%d locales for %d languages", len(locales), len(Languages))
	}
	for _, lang := range Languages {
		l := locales[lang]
		if l == nil {
			t.Fatalf("no locale %s", lang)
		}
		for _, s := range append(append([]string{l.tag, l.daily, l.window, l.noRestrictions, l.remoteYes, l.remoteNo}, l.weekdays[:]...), l.months[:]...) {
			if s == "" {
				t.Errorf("%s: empty string in locale", lang)
			}
		}
		if l.clock == nil || l.validity == nil || l.date == nil || l.dateTime == nil || l.expires == nil {
			t.Errorf("%s: missing function", lang)
		}
		if l.validity == nil || l.validity(l, nil, nil) != "" {
			t.Errorf("%s: validity without bounds not empty", lang)
		}
	}
}
