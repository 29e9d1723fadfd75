package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/access"
)

// locale holds what RenderInvitation needs to describe times, dates and
// restrictions in one language. The prose of the mail is in the language's
// template file.
type locale struct {
	tag      string    // BCP 47, for <html lang>
	weekdays [7]string // abbreviations, Monday first
	months   [12]string
	daily    string // window without a weekday restriction
	// clock formats minutes after midnight (1440 is the end of the day).
	clock func(minutes int) string
	// window formats a daily window from the two clock strings.
	window string
	// noRestrictions is the line for a device without time restrictions.
	noRestrictions        string
	remoteYes, remoteNo   string
	validity              func(l *locale, from, until *time.Time) string
	dateTime              func(l *locale, t time.Time) string // "1 March 2026, 08:00"
	expires               func(l *locale, t time.Time) string // "on 1 March 2026 at 08:00"
	date                  func(l *locale, t time.Time) string // "1 March 2026"
	validFromUntil        string                              // fmt with two dateTimes
	validFrom, validUntil string                              // fmt with one dateTime
}

// clock24 formats minutes as "HH:MM", or "H:MM" without pad.
func clock24(pad bool) func(int) string {
	return func(m int) string {
		if pad {
			return fmt.Sprintf("%02d:%02d", m/60, m%60)
		}
		return fmt.Sprintf("%d:%02d", m/60, m%60)
	}
}

// clockFR formats minutes the French way: "8 h", "8 h 30" (no-break spaces).
func clockFR(m int) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d\u00a0h", m/60)
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d", m/60, m%60)
}

func minutesOf(t time.Time) int { return t.Hour()*60 + t.Minute() }

// validityFmt describes a validity period with the locale's three formats.
func validityFmt(l *locale, from, until *time.Time) string {
	switch {
	case from != nil && until != nil:
		return fmt.Sprintf(l.validFromUntil, l.dateTime(l, *from), l.dateTime(l, *until))
	case from != nil:
		return fmt.Sprintf(l.validFrom, l.dateTime(l, *from))
	case until != nil:
		return fmt.Sprintf(l.validUntil, l.dateTime(l, *until))
	}
	return ""
}

// dateDayMonthYear is "1 March 2026" or, with dot, "1. März 2026".
func dateDayMonthYear(dot bool) func(l *locale, t time.Time) string {
	sep := " "
	if dot {
		sep = ". "
	}
	return func(l *locale, t time.Time) string {
		return fmt.Sprintf("%d%s%s %d", t.Day(), sep, l.months[t.Month()-1], t.Year())
	}
}

// dateTimeComma is "<date>, <clock><suffix>".
func dateTimeComma(suffix string) func(l *locale, t time.Time) string {
	return func(l *locale, t time.Time) string {
		return l.date(l, t) + ", " + l.clock(minutesOf(t)) + suffix
	}
}

// Spanish: "a las 14:30", but "a la 1:30".
func esAt(l *locale, t time.Time) string {
	if t.Hour() == 1 {
		return "a la " + l.clock(minutesOf(t))
	}
	return "a las " + l.clock(minutesOf(t))
}

// itDay is an Italian day of the month after the article or articulated
// preposition art ("il", "dal" or "al"), elided before otto and undici:
// "il 3", "l’8", "dal 1º", "dall’8", "al 31", "all’11".
func itDay(art string, t time.Time) string {
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1º" // primo
	}
	if t.Day() == 8 || t.Day() == 11 {
		return strings.TrimSuffix(art, "il") + "l’" + day
	}
	return art + " " + day
}

// itDateTime is "dal 1º marzo 2026, ore 8:00" for art "dal".
func itDateTime(art string, l *locale, t time.Time) string {
	return fmt.Sprintf("%s %s %d, ore %s", itDay(art, t), l.months[t.Month()-1], t.Year(), l.clock(minutesOf(t)))
}

var locales = map[string]*locale{
	"EN": {
		tag:            "en",
		weekdays:       [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
		months:         [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		daily:          "Daily",
		clock:          clock24(true),
		window:         "%s–%s",
		noRestrictions: "No time restrictions",
		remoteYes:      "Remote opening allowed",
		remoteNo:       "Remote opening not allowed",
		validity:       validityFmt,
		date:           dateDayMonthYear(false),
		dateTime:       dateTimeComma(""),
		expires: func(l *locale, t time.Time) string {
			return "on " + l.date(l, t) + " at " + l.clock(minutesOf(t))
		},
		validFromUntil: "Valid from %s to %s",
		validFrom:      "Valid from %s",
		validUntil:     "Valid until %s",
	},
	"DE": {
		tag:            "de",
		weekdays:       [7]string{"Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"},
		months:         [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		daily:          "Täglich",
		clock:          clock24(true),
		window:         "%s–%s",
		noRestrictions: "Keine zeitlichen Einschränkungen",
		remoteYes:      "Fernöffnung erlaubt",
		remoteNo:       "Fernöffnung nicht erlaubt",
		validity:       validityFmt,
		date:           dateDayMonthYear(true),
		dateTime:       dateTimeComma(" Uhr"),
		expires: func(l *locale, t time.Time) string {
			return "am " + l.date(l, t) + " um " + l.clock(minutesOf(t)) + " Uhr"
		},
		validFromUntil: "Gültig vom %s bis %s",
		validFrom:      "Gültig ab %s",
		validUntil:     "Gültig bis %s",
	},
	"ES": {
		tag:            "es",
		weekdays:       [7]string{"lun.", "mar.", "mié.", "jue.", "vie.", "sáb.", "dom."},
		months:         [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		daily:          "Todos los días",
		clock:          clock24(false),
		window:         "de %s a %s",
		noRestrictions: "Sin restricciones horarias",
		remoteYes:      "Apertura remota permitida",
		remoteNo:       "Apertura remota no permitida",
		validity:       validityFmt,
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%d de %s de %d", t.Day(), l.months[t.Month()-1], t.Year())
		},
		dateTime: func(l *locale, t time.Time) string { return l.date(l, t) + " " + esAt(l, t) },
		expires: func(l *locale, t time.Time) string {
			return "el " + l.dateTime(l, t)
		},
		validFromUntil: "Válido desde el %s hasta el %s",
		validFrom:      "Válido a partir del %s",
		validUntil:     "Válido hasta el %s",
	},
	"FR": {
		tag:            "fr",
		weekdays:       [7]string{"lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."},
		months:         [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		daily:          "Tous les jours",
		clock:          clockFR,
		window:         "de %s à %s",
		noRestrictions: "Aucune restriction horaire",
		remoteYes:      "Ouverture à distance autorisée",
		remoteNo:       "Ouverture à distance non autorisée",
		validity:       validityFmt,
		date: func(l *locale, t time.Time) string {
			day := fmt.Sprint(t.Day())
			if t.Day() == 1 {
				day = "1er"
			}
			return fmt.Sprintf("%s %s %d", day, l.months[t.Month()-1], t.Year())
		},
		dateTime: func(l *locale, t time.Time) string { return l.date(l, t) + " à " + l.clock(minutesOf(t)) },
		expires:  func(l *locale, t time.Time) string { return "le " + l.dateTime(l, t) },
		// "du 1er mars 2026 à 8 h au 31 mars 2026 à 18 h"
		validFromUntil: "Valable du %s au %s",
		validFrom:      "Valable à partir du %s",
		validUntil:     "Valable jusqu’au %s",
	},
	"IT": {
		tag:            "it",
		weekdays:       [7]string{"lun", "mar", "mer", "gio", "ven", "sab", "dom"},
		months:         [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		daily:          "Tutti i giorni",
		clock:          clock24(false),
		window:         "%s–%s",
		noRestrictions: "Nessuna restrizione di orario",
		remoteYes:      "Apertura da remoto consentita",
		remoteNo:       "Apertura da remoto non consentita",
		validity: func(l *locale, from, until *time.Time) string {
			switch {
			case from != nil && until != nil:
				return "Valido " + itDateTime("dal", l, *from) + ", " + itDateTime("al", l, *until)
			case from != nil:
				return "Valido a partire " + itDateTime("dal", l, *from)
			case until != nil:
				return "Valido fino " + itDateTime("al", l, *until)
			}
			return ""
		},
		date: func(l *locale, t time.Time) string {
			day := fmt.Sprint(t.Day())
			if t.Day() == 1 {
				day = "1º"
			}
			return fmt.Sprintf("%s %s %d", day, l.months[t.Month()-1], t.Year())
		},
		dateTime: func(l *locale, t time.Time) string { return l.date(l, t) + ", ore " + l.clock(minutesOf(t)) },
		expires: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %s %d alle ore %s", itDay("il", t), l.months[t.Month()-1], t.Year(), l.clock(minutesOf(t)))
		},
	},
	"NL": {
		tag:            "nl",
		weekdays:       [7]string{"ma", "di", "wo", "do", "vr", "za", "zo"},
		months:         [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		daily:          "Dagelijks",
		clock:          clock24(true),
		window:         "%s–%s",
		noRestrictions: "Geen tijdsbeperkingen",
		remoteYes:      "Op afstand openen toegestaan",
		remoteNo:       "Op afstand openen niet toegestaan",
		validity:       validityFmt,
		date:           dateDayMonthYear(false),
		dateTime:       dateTimeComma(" uur"),
		expires: func(l *locale, t time.Time) string {
			return "op " + l.date(l, t) + " om " + l.clock(minutesOf(t)) + " uur"
		},
		validFromUntil: "Geldig van %s tot %s",
		validFrom:      "Geldig vanaf %s",
		validUntil:     "Geldig tot %s",
	},
	"CS": {
		tag:            "cs",
		weekdays:       [7]string{"po", "út", "st", "čt", "pá", "so", "ne"},
		months:         [12]string{"ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října", "listopadu", "prosince"},
		daily:          "Denně",
		clock:          clock24(false),
		window:         "%s–%s",
		noRestrictions: "Bez časových omezení",
		remoteYes:      "Otevření na dálku povoleno",
		remoteNo:       "Otevření na dálku není povoleno",
		validity:       validityFmt,
		date:           dateDayMonthYear(true),
		dateTime:       dateTimeComma(""),
		expires:        func(l *locale, t time.Time) string { return "do " + l.dateTime(l, t) },
		validFromUntil: "Platí od %s do %s",
		validFrom:      "Platí od %s",
		validUntil:     "Platí do %s",
	},
	"SK": {
		tag:            "sk",
		weekdays:       [7]string{"po", "ut", "st", "št", "pi", "so", "ne"},
		months:         [12]string{"januára", "februára", "marca", "apríla", "mája", "júna", "júla", "augusta", "septembra", "októbra", "novembra", "decembra"},
		daily:          "Denne",
		clock:          clock24(false),
		window:         "%s–%s",
		noRestrictions: "Bez časových obmedzení",
		remoteYes:      "Otvorenie na diaľku povolené",
		remoteNo:       "Otvorenie na diaľku nie je povolené",
		validity:       validityFmt,
		date:           dateDayMonthYear(true),
		dateTime:       dateTimeComma(""),
		expires:        func(l *locale, t time.Time) string { return "do " + l.dateTime(l, t) },
		validFromUntil: "Platí od %s do %s",
		validFrom:      "Platí od %s",
		validUntil:     "Platí do %s",
	},
}

// weekdaysText describes a weekday set, Monday first: runs of three or
// more consecutive days as a range ("Mon–Fri"), other days listed ("Sat,
// Sun"). It returns "" for no restriction (0 or every day).
func (l *locale) weekdaysText(days access.Weekdays) string {
	days &= access.EveryDay
	if days == 0 || days == access.EveryDay {
		return ""
	}
	var parts []string
	for i, j := range days.Runs() {
		if j-i >= 2 {
			parts = append(parts, l.weekdays[i]+"–"+l.weekdays[j])
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, l.weekdays[k])
			}
		}
	}
	return strings.Join(parts, ", ")
}

// scheduleText describes the weekday and daily-window restriction of d in
// its zone, e.g. "Mo–Fr 22:00–06:00 (Europe/Berlin)", or "" if there is
// none. A window whose end is before its start crosses midnight.
func (l *locale) scheduleText(d Device, zone string) string {
	days := l.weekdaysText(d.Weekdays)
	var win string
	if from, until, ok := d.Window(); ok {
		win = fmt.Sprintf(l.window, l.clock(from), l.clock(until))
	}
	switch {
	case days != "" && win != "":
		return days + " " + win + " (" + zone + ")"
	case win != "":
		return l.daily + " " + win + " (" + zone + ")"
	case days != "":
		return days + " (" + zone + ")"
	}
	return ""
}
