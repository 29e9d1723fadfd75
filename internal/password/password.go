// Package password hashes admins' passwords with argon2id and states what
// a new password must be (NIST SP 800-63B: long enough, not too long to
// hash, not one of the most common, no composition rules).
package password

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// The argon2id parameters, OWASP's first recommended configuration
// (m=19 MiB, t=2, p=1): tens of milliseconds of one core (a whole sign-in
// took 27 ms here at the quietest),
// and 19 MiB per hash in flight, which slots bounds.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

// Length bounds, counted in characters (runes). The upper bound only
// keeps hashing cheap; it allows long passphrases.
const (
	MinLength = 12
	MaxLength = 256
)

var b64 = base64.RawStdEncoding

// slots bounds the hashes computed at once to the cores (at most 4): one
// argon2id lane uses one core, so more would only hold more memory.
var slots = make(chan struct{}, min(runtime.GOMAXPROCS(0), 4))

func key(password string, salt []byte, m, t uint32, p uint8, n uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey([]byte(password), salt, t, m, p, n)
}

// Hash returns the argon2id hash of password in its encoded (PHC string)
// form: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading random bytes: %w", err)
	}
	sum := key(normal(password), salt, memoryKiB, passes, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// Verify reports whether password matches the encoded hash, comparing in
// constant time. A hash it cannot read matches nothing.
func Verify(encoded, password string) bool {
	var version int
	var m, t uint32
	var p uint8
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<18 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	sum, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(sum) == 0 || len(sum) > 64 {
		return false
	}
	return subtle.ConstantTimeCompare(key(normal(password), salt, m, t, p, uint32(len(sum))), sum) == 1
}

// normal is the form a password is hashed and judged in, its NFKC
// normalization (as NIST SP 800-63B asks): one password typed on keyboards
// that compose its characters differently is one password.
func normal(password string) string { return norm.NFKC.String(password) }

// dummy is a hash of a random password with the current parameters: a
// sign-in without an admin to check verifies against it, so that it takes
// as long as one with a wrong password.
var dummy = sync.OnceValue(func() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	h, err := Hash(b64.EncodeToString(b))
	if err != nil {
		panic(err)
	}
	return h
})

// VerifyNone spends the time of one Verify and matches nothing, for a
// sign-in that has no hash to check.
func VerifyNone(password string) bool {
	Verify(dummy(), password)
	return false
}

// Errors of Check; their messages are the client's.
var (
	ErrTooShort = fmt.Errorf("must be at least %d characters long", MinLength)
	ErrTooLong  = fmt.Errorf("must be at most %d characters long", MaxLength)
	ErrCommon   = errors.New("is one of the most common passwords; choose another")
	ErrInvalid  = errors.New("must be valid UTF-8 text")
)

// Check says whether password may be set as a new password: MinLength to
// MaxLength characters, and not on the list of common passwords (ignoring
// case). Any characters are allowed, spaces included; nothing is required.
// The rules judge its normal form, where padding counts for nothing: the
// length with each run of whitespace as one space and none at the ends,
// the list without whitespace (a common password spaced out is as easily
// guessed). The upper bound counts the characters as sent, which are
// what hashing costs.
func Check(password string) error {
	if !utf8.ValidString(password) {
		return ErrInvalid
	}
	words := strings.Fields(normal(password))
	switch {
	case utf8.RuneCountInString(strings.Join(words, " ")) < MinLength:
		return ErrTooShort
	case utf8.RuneCountInString(password) > MaxLength:
		return ErrTooLong
	}
	if common()[listed(password)] {
		return ErrCommon
	}
	return nil
}

// listed is the form the list of common passwords is compared in: normal,
// lower case, without whitespace.
func listed(password string) string {
	return strings.ToLower(strings.Join(strings.Fields(normal(password)), ""))
}

// commonList holds the most common passwords of at least MinLength
// characters, lower case, one a line (see common.md for its source).
//
//go:embed common.txt
var commonList string

var common = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		set[listed(sc.Text())] = true
	}
	return set
})
