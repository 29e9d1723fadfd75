package invite

import (
	"strings"
	"testing"
)

func TestNewCodeShapeAndRoundTrip(t *testing.T) {
	for range 1000 {
		code, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != CodeLength+CodeLength/GroupSize-1 {
			t.Fatalf("code %q has length %d", code, len(code))
		}
		groups := strings.Split(code, string(Separator))
		if len(groups) != CodeLength/GroupSize {
			t.Fatalf("code %q has %d groups", code, len(groups))
		}
		for _, g := range groups {
			if len(g) != GroupSize {
				t.Fatalf("code %q has group %q", code, g)
			}
			for _, c := range g {
				if !strings.ContainsRune(Alphabet, c) {
					t.Fatalf("code %q has %q outside the alphabet", code, c)
				}
			}
		}
		canon, ok := Normalize(code)
		if !ok {
			t.Fatalf("Normalize(%q) failed", code)
		}
		if len(canon) != CodeLength || strings.ContainsRune(canon, Separator) {
			t.Fatalf("Normalize(%q) = %q", code, canon)
		}
		if got := Format(canon); got != code {
			t.Fatalf("Format(Normalize(%q)) = %q", code, got)
		}
		if again, ok := Normalize(canon); !ok || again != canon {
			t.Fatalf("Normalize is not idempotent on %q: %q %v", canon, again, ok)
		}
	}
}

func TestAlphabet(t *testing.T) {
	if len(Alphabet) != 32 {
		t.Fatalf("alphabet has %d characters", len(Alphabet))
	}
	seen := map[rune]bool{}
	for _, c := range Alphabet {
		if seen[c] {
			t.Fatalf("duplicate %q", c)
		}
		seen[c] = true
		if strings.ContainsRune("ILOU", c) {
			t.Fatalf("ambiguous %q in alphabet", c)
		}
	}
	if CodeBits < 60 {
		t.Fatalf("only %d bits", CodeBits)
	}
}

// TestNewCodeEntropy checks that codes do not repeat and that every
// character of the alphabet shows up at every position with about the
// same frequency.
func TestNewCodeEntropy(t *testing.T) {
	const n = 20000
	seen := make(map[string]bool, n)
	var counts [CodeLength][32]int
	for range n {
		code, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if seen[code] {
			t.Fatalf("duplicate code %q after %d codes", code, len(seen))
		}
		seen[code] = true
		canon, _ := Normalize(code)
		for i := range CodeLength {
			counts[i][strings.IndexByte(Alphabet, canon[i])]++
		}
	}
	// Expected n/32 = 625 per cell, standard deviation about 24.6; allow
	// more than 8 standard deviations so the test does not flake.
	for i := range counts {
		for v, c := range counts[i] {
			if c < 425 || c > 825 {
				t.Errorf("position %d character %q occurs %d times in %d codes", i, Alphabet[v], c, n)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	const want = "7KQ4M2XD9PRTWZ3H"
	valid := []string{
		"7KQ4-M2XD-9PRT-WZ3H",
		"7KQ4M2XD9PRTWZ3H",
		"7kq4-m2xd-9prt-wz3h",
		"7kq4m2xd9prtwz3h",
		" 7KQ4 M2XD 9PRT WZ3H ",
		"7KQ4_M2XD.9PRT-WZ3H",
		"7KQ4 - M2XD - 9PRT - WZ3H",
		"7KQ4–M2XD—9PRT\u00a0WZ3H", // dashes and no-break space from a phone keyboard
		"7-K-Q-4-M-2-X-D-9-P-R-T-W-Z-3-H",
		"\t7KQ4-M2XD-9PRT-WZ3H\n",
	}
	for _, in := range valid {
		got, ok := Normalize(in)
		if !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}

	confusables := map[string]string{
		"O0o0-IiLl-1111-AAAA": "0000" + "1111" + "1111" + "AAAA",
		"oooo-iiii-llll-zzzz": "0000" + "1111" + "1111" + "ZZZZ",
		"7KQ4-M2XD-9PRT-WZ3h": "7KQ4M2XD9PRTWZ3H",
	}
	for in, want := range confusables {
		got, ok := Normalize(in)
		if !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}

	invalid := []string{
		"",
		"----",
		"7KQ4-M2XD-9PRT-WZ3",    // too short
		"7KQ4-M2XD-9PRT-WZ3HH",  // too long
		"7KQ4-M2XD-9PRT-WZ3H-7", // too long
		"7KQ4-M2XD-9PRT-WZ3U",   // U is not in the alphabet
		"7KQ4-M2XD-9PRT-WZ3!",
		"7KQ4/M2XD/9PRT/WZ3H", // '/' is not a separator
		"7KQ4-M2XD-9PRT-WZ3É",
		"７KQ4-M2XD-9PRT-WZ3H", // full-width digit
		"7KQ4-M2XD-9PRT-WZ3H\x00",
		strings.Repeat("A", 1000),
		strings.Repeat("-", 1000) + "7KQ4M2XD9PRTWZ3H", // longer than any plausible spelling
	}
	for _, in := range invalid {
		if got, ok := Normalize(in); ok || got != "" {
			t.Errorf("Normalize(%q) = %q, %v; want failure", in, got, ok)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := map[string]string{
		"7KQ4M2XD9PRTWZ3H": "7KQ4-M2XD-9PRT-WZ3H",
		"":                 "",
		"ABC":              "ABC",
		"ABCDE":            "ABCD-E",
	}
	for in, want := range cases {
		if got := Format(in); got != want {
			t.Errorf("Format(%q) = %q, want %q", in, got, want)
		}
	}
	in := "oooo iiii llll zzzz"
	canon, ok := Normalize(in)
	if !ok || Format(canon) != "0000-1111-1111-ZZZZ" {
		t.Errorf("Format(Normalize(%q)) = %q", in, Format(canon))
	}
}
