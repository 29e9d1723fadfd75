// Package invite creates, normalizes and hashes invitation codes.
//
// An invitation code is shown to a person once (in the invitation email) and
// typed on a phone, so it uses an unambiguous upper-case alphabet and is
// displayed in groups. Only a keyed hash of the canonical form (see Hasher)
// is ever stored.
package invite

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// TTL is how long an invitation code can be redeemed after it was issued.
const TTL = 48 * time.Hour

// Alphabet is the set of characters a canonical code is made of: Crockford's
// base32 digits (0-9 and A-Z without I, L, O and U). On input, O is read as 0
// and I and L are read as 1; U is rejected.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	// CodeLength is the number of characters in a canonical code.
	CodeLength = 16
	// CodeBits is the entropy of a code: 5 bits for each character.
	CodeBits = CodeLength * 5
	// GroupSize is the number of characters between two separators in
	// the display form.
	GroupSize = 4
	// Separator separates the groups of the display form.
	Separator = '-'
)

// decode maps an input byte to its value in Alphabet, or -1. It accepts
// lower case and the usual confusables.
var decode = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		c := Alphabet[i]
		t[c] = int8(i)
		if c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = int8(i)
		}
	}
	for _, c := range "oO" {
		t[c] = 0
	}
	for _, c := range "iIlL" {
		t[c] = 1
	}
	return t
}()

// NewCode returns a new random code of CodeBits bits from crypto/rand, in
// display form (for example "7KQ4-M2XD-9PRT-WZ3H").
func NewCode() (string, error) {
	var b [CodeBits / 8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("invite: reading random bytes: %w", err)
	}
	var out [CodeLength]byte
	var acc uint32 // bit buffer
	n, j := 0, 0   // bits in acc, next output index
	for _, x := range b {
		acc = acc<<8 | uint32(x)
		n += 8
		for n >= 5 {
			n -= 5
			out[j] = Alphabet[(acc>>n)&31]
			j++
		}
	}
	return Format(string(out[:])), nil
}

// isSeparator reports whether r may appear between the characters of a code
// as typed by a person: spaces, hyphens and the dashes phone keyboards
// substitute for them, underscores and dots.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '-', '_', '.',
		'\u00a0', '\u2009', '\u202f', // no-break, thin and narrow no-break space
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212': // hyphens, dashes, minus
		return true
	}
	return false
}

// Normalize turns a code as a person typed it into its canonical form:
// CodeLength characters of Alphabet, without separators. It ignores case and
// separators (see isSeparator) and reads O as 0 and I and L as 1. It reports
// false, with an empty string, if the input cannot be a code: a character
// outside the alphabet (such as U) or the wrong number of characters.
func Normalize(input string) (string, bool) {
	if len(input) > 8*CodeLength { // far more than any plausible spelling
		return "", false
	}
	var out [CodeLength]byte
	n := 0
	for _, r := range input {
		if isSeparator(r) {
			continue
		}
		if r >= 128 || decode[r] < 0 || n == CodeLength {
			return "", false
		}
		out[n] = Alphabet[decode[r]]
		n++
	}
	if n != CodeLength {
		return "", false
	}
	return string(out[:]), true
}

// Format returns the display form of a canonical code: groups of GroupSize
// characters joined by Separator. It does not validate its input.
func Format(canonical string) string {
	var sb strings.Builder
	sb.Grow(len(canonical) + len(canonical)/GroupSize)
	for i := 0; i < len(canonical); i += GroupSize {
		if i > 0 {
			sb.WriteByte(Separator)
		}
		sb.WriteString(canonical[i:min(i+GroupSize, len(canonical))])
	}
	return sb.String()
}
