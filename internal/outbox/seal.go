package outbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/pulid"
)

// PlainKey is the key id of a mail queued in plain text by a version
// before bodies were sealed (the column's default). The sender still
// sends such a mail from its text_body and html_body.
const PlainKey = "plain"

// HKDF labels: the mail key and its id are derived from the secret, so
// that neither reveals it nor the key that hashes invitation codes.
const (
	keyInfo   = "latchkey outbox mail key v1"
	keyIDInfo = "latchkey outbox mail key id v1"
)

// errUnknownKey is the failure of a mail sealed under a key this
// instance was not given (INVITE_SECRET_PREVIOUS lists old secrets).
var errUnknownKey = errors.New("outbox: mail sealed under an unknown key")

// errUnsealable is a body that does not open under its key: altered, or
// moved from another row. It will never open, so the mail is given up.
var errUnsealable = errors.New("outbox: mail body does not open under its key (altered or moved)")

// Keys seal mail bodies at rest with AES-256-GCM under a key derived from
// the invitation secret, and open them in the sender under that key or
// one derived from a previous secret. Keys is safe for concurrent use.
type Keys struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeys derives the sealing key from secret, and keys for opening mails
// sealed under each previous secret.
func NewKeys(secret []byte, previous ...[]byte) (*Keys, error) {
	k := &Keys{aeads: map[string]cipher.AEAD{}}
	for i, s := range append([][]byte{secret}, previous...) {
		id, aead, err := deriveKey(s)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			k.current = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

func deriveKey(secret []byte) (string, cipher.AEAD, error) {
	if len(secret) == 0 {
		return "", nil, errors.New("outbox: empty mail secret")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, keyInfo, 32)
	if err != nil {
		return "", nil, err
	}
	id, err := hkdf.Key(sha256.New, secret, nil, keyIDInfo, 8)
	if err != nil {
		return "", nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(id), aead, nil
}

// bodies is what a sealed body holds.
type bodies struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// additionalData binds a sealed body to its row, its key and its
// recipient: a body copied to another row, or a row sent elsewhere, does
// not open.
func additionalData(id pulid.ID, keyID, to string) []byte {
	return fmt.Appendf(nil, "latchkey mail\x00%s\x00%s\x00%s", id, keyID, to)
}

// seal encrypts the bodies of mail id to the address to under the current
// key, returning the key id and the sealed body (nonce, then ciphertext).
func (k *Keys) seal(id pulid.ID, to string, text, html string) (string, []byte, error) {
	plain, err := json.Marshal(bodies{Text: text, HTML: html})
	if err != nil {
		return "", nil, err
	}
	sealed, err := k.sealUnder(plain, additionalData(id, k.current, to))
	return k.current, sealed, err
}

// sealUnder encrypts plain under the current key, bound to ad: the
// nonce, then the ciphertext.
func (k *Keys) sealUnder(plain, ad []byte) ([]byte, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, ad), nil
}

// openUnder opens what sealUnder sealed under keyID with ad.
func (k *Keys) openUnder(keyID string, sealed, ad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", errUnknownKey, keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errUnsealable
	}
	nonce, ciphertext := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, ciphertext, ad)
	if err != nil {
		return nil, errUnsealable
	}
	return plain, nil
}

// secretData binds a sealed secret to its purpose, its row and its key,
// apart from every mail body (whose data starts "latchkey mail").
func secretData(purpose string, id pulid.ID, keyID string) []byte {
	return fmt.Appendf(nil, "latchkey secret\x00%s\x00%s\x00%s", purpose, id, keyID)
}

// SealSecret seals a secret the server must read back (a webhook
// endpoint's signing key) under the current key, bound to its purpose and
// its row: it opens for that row only. It returns the key id and the
// sealed bytes.
func (k *Keys) SealSecret(purpose string, id pulid.ID, secret []byte) (string, []byte, error) {
	sealed, err := k.sealUnder(secret, secretData(purpose, id, k.current))
	return k.current, sealed, err
}

// OpenSecret opens what SealSecret sealed for the same purpose and row.
func (k *Keys) OpenSecret(purpose string, id pulid.ID, keyID string, sealed []byte) ([]byte, error) {
	return k.openUnder(keyID, sealed, secretData(purpose, id, keyID))
}

// open returns the message a queued mail holds.
func (k *Keys) open(m *ent.Outbox) (mail.Message, error) {
	msg := mail.Message{To: m.ToAddress, ToName: m.ToName, Subject: m.Subject}
	if m.KeyID == PlainKey {
		msg.Text, msg.HTML = m.TextBody, m.HTMLBody
		return msg, nil
	}
	plain, err := k.openUnder(m.KeyID, m.SealedBody, additionalData(m.ID, m.KeyID, m.ToAddress))
	if err != nil {
		return msg, err
	}
	var b bodies
	if err := json.Unmarshal(plain, &b); err != nil {
		return msg, errUnsealable
	}
	msg.Text, msg.HTML = b.Text, b.HTML
	return msg, nil
}
