// Package text holds the rules for the text Latchkey takes from clients:
// no NUL in any input, and for names and other text that people read (in
// the admin apps, in mail headers and bodies) nothing that can hide or
// rewrite what is shown.
package text

import (
	"errors"
	"strings"
	"unicode"
)

var (
	// ErrNUL reports a NUL character, which PostgreSQL cannot store in text.
	ErrNUL = errors.New("must not contain NUL characters")
	// ErrBlank reports text made only of white space, or none.
	ErrBlank = errors.New("must not be blank")
	// ErrControl reports a control or line-break character.
	ErrControl = errors.New("must not contain control characters or line breaks")
	// ErrBidi reports a bidirectional formatting character.
	ErrBidi = errors.New("must not contain bidirectional formatting characters")
)

// CheckNUL refuses s if it contains a NUL character. Every string and ID
// input passes it.
func CheckNUL(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

// Check is the rule for names and other text that people read: not blank
// (nor made only of characters that show as nothing), no control
// characters (Unicode Cc: NUL, CR, LF, TAB, DEL, C1), no line or paragraph
// separators, and no bidirectional formatting characters (the
// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 and
// the marks U+200E, U+200F and U+061C), which can make a name display as
// something else, or a header that a mail reader splits.
func Check(s string) error {
	blank := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cc, r) || r == '\u2028' || r == '\u2029':
			return ErrControl
		case isBidi(r):
			return ErrBidi
		case !unicode.IsSpace(r) && !invisible(r):
			blank = false
		}
	}
	if blank {
		return ErrBlank
	}
	return nil
}

// invisible reports a character that shows as nothing (the zero-width
// space, the byte order mark, the Hangul fillers, variation selectors): a
// name of only these reads as blank. Within a name they may stay, as
// joiners are part of some scripts and emoji.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

func isBidi(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' ||
		r == '\u200E' || r == '\u200F' || r == '\u061C'
}
