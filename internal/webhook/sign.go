package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a signing secret as the Standard Webhooks
// specification writes them: whsec_ and the key in base64.
const secretPrefix = "whsec_"

// NewSecret returns a fresh signing secret of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key decodes a whsec_ secret to the HMAC key.
func key(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(b) == 0 {
		return nil, errors.New("webhook: a secret is whsec_ and base64")
	}
	return b, nil
}

// Sign returns the webhook-signature header of a message: for each secret,
// v1, and the base64 HMAC-SHA256 of "id.timestamp.body", separated by
// spaces. A receiver accepts the message when any one matches, so during
// a rotation both the new and the old secret sign.
func Sign(secrets []string, id string, at time.Time, body []byte) (string, error) {
	ts := strconv.FormatInt(at.Unix(), 10)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		k, err := key(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Verify reports whether header, a webhook-signature, holds a v1
// signature of the message by secret. It is what a receiver does, and the
// tests' receivers use it.
func Verify(secret, header, id string, at time.Time, body []byte) bool {
	want, err := Sign([]string{secret}, id, at, body)
	if err != nil {
		return false
	}
	for _, sig := range strings.Fields(header) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}
