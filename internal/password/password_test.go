package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not the encoded form with OWASP's parameters", h)
	}
	if !Verify(h, "correct horse battery staple") {
		t.Error("the password does not verify against its own hash")
	}
	for _, wrong := range []string{"correct horse battery stapl", "Correct horse battery staple", ""} {
		if Verify(h, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	if h2, _ := Hash("correct horse battery staple"); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", strings.Replace(h, "m=19456", "m=99999999", 1), h + "$"} {
		if Verify(bad, "correct horse battery staple") {
			t.Errorf("unreadable hash %q verifies", bad)
		}
	}
	// One password however its characters are composed (NFC on one
	// keyboard, NFD on another).
	if h, _ := Hash("d\u00e9j\u00e0 vu at the caf\u00e9"); !Verify(h, "de\u0301ja\u0300 vu at the cafe\u0301") {
		t.Error("a password composed otherwise does not verify")
	}
	if VerifyNone("correct horse battery staple") {
		t.Error("VerifyNone matched")
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		password string
		want     error
	}{
		{"short pass", ErrTooShort},
		{strings.Repeat("ä", 11), ErrTooShort}, // 22 bytes, 11 characters
		{strings.Repeat("ä", 12), nil},         // characters count, not bytes
		{strings.Repeat("x", MaxLength+1), ErrTooLong},
		{strings.Repeat("x", MaxLength), nil},
		{"123456789012", ErrCommon},
		{"QwErTyUiOpAsDfGhJkL", ErrCommon},   // case is ignored
		{"my cat eats ten green beans", nil}, // a passphrase, nothing required
		{"abc\xffdefghijklm", ErrInvalid},
		// Characters are counted, and the list compared, on the
		// password's normal form (NFKC), without the whitespace that
		// only pads it: 12 code points that compose to 11 characters are
		// too short, and a common password stays common spaced out.
		{"elevenchar" + "e\u0301", ErrTooShort},
		{strings.Repeat("e\u0301", 12), nil},
		{"short" + strings.Repeat(" ", 7), ErrTooShort},
		{"a\t\t\t\t\t\t\t\t\t\tb", ErrTooShort},
		{"password1234 ", ErrCommon},
		{" Pass word\u00a01234", ErrCommon},
		{"\uff30assword1234", ErrCommon}, // a fullwidth P
	} {
		if err := Check(c.password); !errors.Is(err, c.want) {
			t.Errorf("Check(%.20q) = %v, want %v", c.password, err, c.want)
		}
	}
}

func TestCommonListIsLowerCaseAndLongEnough(t *testing.T) {
	if n := len(common()); n < 1000 {
		t.Fatalf("%d common passwords, want the list's 1,361", n)
	}
	for p := range common() {
		if p != strings.ToLower(p) || len([]rune(p)) < MinLength {
			t.Errorf("entry %q can never match", p)
		}
	}
}
