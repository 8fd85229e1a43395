package mailbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Sealer encrypts mailbox passwords at rest with AES-256-GCM under a key
// derived from the server's secret (the secret-key setting). A sealed
// value is base64 of nonce || ciphertext; opening it with another key
// fails instead of returning garbage.
type Sealer struct {
	aead cipher.AEAD
}

// ErrNoKey is returned when the server has no secret key and a mailbox
// password would have to be stored or read.
var ErrNoKey = errors.New("mailbox: the server has no secret key (set --secret-key or RAPPORT_SECRET_KEY)")

// NewSealer returns a sealer for secret, or nil when secret is empty.
// The secret may be any string of 16 characters or more; SHA-256 makes a
// 32-byte key of it, so a passphrase serves as well as random bytes.
func NewSealer(secret string) (*Sealer, error) {
	if secret == "" {
		return nil, nil
	}
	if len(secret) < 16 {
		return nil, errors.New("secret-key must be at least 16 characters")
	}
	key := sha256.Sum256([]byte("rapport mailbox secrets\x00" + secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain, bound to context (the mailbox it belongs to), so
// that a sealed password copied to another mailbox's row does not open.
func (s *Sealer) Seal(plain, context string) (string, error) {
	if s == nil {
		return "", ErrNoKey
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal made with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	if s == nil {
		return "", ErrNoKey
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", errors.New("mailbox: the stored password is damaged")
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", errors.New("mailbox: the stored password does not open with this server's secret key")
	}
	return string(plain), nil
}
