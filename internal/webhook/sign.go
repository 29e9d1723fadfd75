package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts every signing secret, as the Standard Webhooks
// specification writes them; the rest is the key in standard base64.
const SecretPrefix = "whsec_"

// secretBytes is the size of a new key: 32 bytes, within the 24 to 64 the
// specification asks for.
const secretBytes = 32

// NewSecret returns a new signing secret ("whsec_" and the base64 key)
// and its key.
func NewSecret() (string, []byte) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), key
}

// ParseSecret returns the key of a secret that NewSecret wrote.
func ParseSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("webhook: a secret starts with " + SecretPrefix)
	}
	return base64.StdEncoding.DecodeString(b64)
}

// Sign returns the value of the webhook-signature header for a message:
// one "v1,<base64 HMAC-SHA256>" per key, separated by spaces, each over
// "<id>.<timestamp>.<body>", as the Standard Webhooks specification
// defines it. During a rotation two keys sign, and a receiver that knows
// either accepts the message.
func Sign(id string, timestamp int64, body []byte, keys ...[]byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write(strconv.AppendInt(nil, timestamp, 10))
		m.Write([]byte{'.'})
		m.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	return strings.Join(sigs, " ")
}
