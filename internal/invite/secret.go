package invite

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MinSecretLen is the minimum length in bytes of a hashing secret.
const MinSecretLen = 32

// Hasher computes the keyed hash under which a code is stored. Without the
// secret, a leaked database does not allow testing guessed codes offline.
// A Hasher is safe for concurrent use.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher keyed with secret, which must be at least
// MinSecretLen bytes long. The secret is copied.
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("invite: secret is %d bytes, need at least %d", len(secret), MinSecretLen)
	}
	return &Hasher{key: append([]byte(nil), secret...)}, nil
}

// Hash returns the HMAC-SHA256 of a canonical code, hex encoded (64
// characters). Input that Normalize accepts is normalized first, so the
// display form hashes like the canonical form; other input is hashed as is.
func (h *Hasher) Hash(canonical string) string {
	if c, ok := Normalize(canonical); ok {
		canonical = c
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(canonical))
	return hex.EncodeToString(mac.Sum(nil))
}

// ParseSecret decodes a secret given in configuration: hex, or base64 in
// the standard or URL alphabet, with or without padding. The decoded secret
// must be at least MinSecretLen bytes. Errors never contain the secret.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("invite: secret is empty")
	}
	b, err := decodeSecret(s)
	if err != nil {
		return nil, err
	}
	if len(b) < MinSecretLen {
		return nil, fmt.Errorf("invite: secret is %d bytes, need at least %d", len(b), MinSecretLen)
	}
	return b, nil
}

func decodeSecret(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("invite: secret is neither hex nor base64")
}

// LoadOrCreateSecret returns the secret stored in the file at path. If there
// is no such file, it creates one, with its parent folders (mode 0700) as
// needed, holding MinSecretLen random bytes hex encoded, with mode 0600, and
// returns that. The file appears complete or not at all, and if several
// processes race to create it they all end up with the same secret.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := readSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	secret := make([]byte, MinSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("invite: reading random bytes: %w", err)
	}
	content := []byte(hex.EncodeToString(secret) + "\n")
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("invite: creating secret folder: %w", err)
	}
	switch err := createExclusive(path, content); {
	case err == nil:
		return secret, nil
	case errors.Is(err, fs.ErrExist): // someone else was faster
		return readSecret(path)
	default:
		return nil, fmt.Errorf("invite: creating secret file: %w", err)
	}
}

func readSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("invite: reading secret file: %w", err)
	}
	b, err := ParseSecret(string(data))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return b, nil
}

// createExclusive writes a new file at path with mode 0600, failing with
// fs.ErrExist if it exists. It writes a temporary file and hard-links it
// into place, so that readers never see a partial file; where hard links
// are not supported it writes the file in place with O_EXCL.
func createExclusive(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
