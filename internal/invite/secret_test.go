package invite

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testSecret(b byte) []byte { return bytes.Repeat([]byte{b}, MinSecretLen) }

func TestHasher(t *testing.T) {
	if _, err := NewHasher(make([]byte, MinSecretLen-1)); err == nil {
		t.Fatal("NewHasher accepted a short secret")
	}
	if _, err := NewHasher(nil); err == nil {
		t.Fatal("NewHasher accepted no secret")
	}
	secret := testSecret(1)
	h1, err := NewHasher(secret)
	if err != nil {
		t.Fatal(err)
	}
	secret[0] = 99 // the hasher keeps its own copy
	h1again, _ := NewHasher(testSecret(1))
	h2, _ := NewHasher(testSecret(2))

	const code = "7KQ4M2XD9PRTWZ3H"
	a := h1.Hash(code)
	if len(a) != 64 {
		t.Fatalf("hash %q is not 64 hex characters", a)
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Fatalf("hash %q is not hex: %v", a, err)
	}
	if strings.Contains(a, code) {
		t.Fatal("hash contains the code")
	}
	if h1.Hash(code) != a || h1again.Hash(code) != a {
		t.Fatal("hash is not deterministic")
	}
	if h2.Hash(code) == a {
		t.Fatal("hash does not depend on the secret")
	}
	if h1.Hash("7KQ4M2XD9PRTWZ3J") == a {
		t.Fatal("different codes hash alike")
	}
	for _, spelling := range []string{"7KQ4-M2XD-9PRT-WZ3H", "7kq4 m2xd 9prt wz3h"} {
		if h1.Hash(spelling) != a {
			t.Errorf("Hash(%q) differs from the hash of the canonical form", spelling)
		}
	}
}

func TestParseSecret(t *testing.T) {
	raw := make([]byte, 48)
	for i := range raw {
		raw[i] = byte(i*7 + 250) // includes bytes that need '+', '/' or '-', '_'
	}
	good := map[string]string{
		"hex":          hex.EncodeToString(raw),
		"HEX":          strings.ToUpper(hex.EncodeToString(raw)),
		"base64":       base64.StdEncoding.EncodeToString(raw),
		"base64 raw":   base64.RawStdEncoding.EncodeToString(raw[:32]),
		"base64url":    base64.URLEncoding.EncodeToString(raw),
		"base64urlraw": base64.RawURLEncoding.EncodeToString(raw[:32]),
		"spaces":       "  " + hex.EncodeToString(raw) + "\n",
	}
	for name, s := range good {
		b, err := ParseSecret(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(b, raw[:len(b)]) || len(b) < MinSecretLen {
			t.Errorf("%s: decoded %x", name, b)
		}
	}
	bad := map[string]string{
		"empty":        "",
		"blank":        "   \n",
		"short hex":    hex.EncodeToString(raw[:31]),
		"short base64": base64.StdEncoding.EncodeToString(raw[:31]),
		"not encoded":  "this is a passphrase, not an encoded key!",
	}
	for name, s := range bad {
		_, err := ParseSecret(s)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if s != "" && strings.TrimSpace(s) != "" && strings.Contains(err.Error(), strings.TrimSpace(s)) {
			t.Errorf("%s: error %q contains the secret", name, err)
		}
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "nested", "invite.secret")

	first, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != MinSecretLen {
		t.Fatalf("secret has %d bytes", len(first))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", perm)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("secret folder mode %v is open to others", perm)
	}
	data, _ := os.ReadFile(path)
	if got := strings.TrimSpace(string(data)); got != hex.EncodeToString(first) {
		t.Fatalf("file holds %q, want the hex secret", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the secret file", len(entries))
	}

	// A restart reads the same secret back and leaves the file alone.
	second, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("secret changed on the second load")
	}
	data2, _ := os.ReadFile(path)
	if !bytes.Equal(data, data2) {
		t.Fatal("secret file was rewritten")
	}

	// Another path gets another secret.
	other, err := LoadOrCreateSecret(filepath.Join(dir, "other.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, other) {
		t.Fatal("two new secrets are equal")
	}
}

func TestLoadOrCreateSecretExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "given.secret")
	want := testSecret(7)
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(want)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}

	// A file that is there but unusable is an error, never overwritten.
	bad := filepath.Join(dir, "bad.secret")
	if err := os.WriteFile(bad, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(bad); err == nil {
		t.Fatal("accepted an unusable secret file")
	}
	if data, _ := os.ReadFile(bad); string(data) != "too short" {
		t.Fatal("unusable secret file was overwritten")
	}
}

func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.secret")
	const n = 8
	results := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = LoadOrCreateSecret(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(results[i], results[0]) {
			t.Fatal("concurrent callers got different secrets")
		}
	}
}
