package main

import (
	"crypto/rand"
	"encoding/base64"
)

// randomPassword returns a password for the demo administrator.
func randomPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
