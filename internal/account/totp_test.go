package account

import (
	"encoding/base32"
	"testing"
	"time"
)

// TestTOTPVectors checks the code generator against the SHA-1 test vectors
// of RFC 6238, appendix B (eight digits), and the six digits apps show.
func TestTOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		at := time.Unix(v.unix, 0)
		if got := hotp(key, uint64(totpStep(at)), 8); got != v.code {
			t.Errorf("T=%d: %s, want %s", v.unix, got, v.code)
		}
		six, err := TOTPCode(secret, at)
		if err != nil || six != v.code[2:] {
			t.Errorf("T=%d: six digits %s (%v), want %s", v.unix, six, err, v.code[2:])
		}
	}
}

func TestTOTPWindowAndReplay(t *testing.T) {
	secret := "JBSWY3DPEHPK3PXP"
	now := time.Unix(1700000000, 0)
	step := totpStep(now)
	code := func(d time.Duration) string { c, _ := TOTPCode(secret, now.Add(d)); return c }
	for _, c := range []struct {
		name string
		code string
		last int64
		ok   bool
	}{
		{"now", code(0), 0, true},
		{"one step behind (clock drift)", code(-30 * time.Second), 0, true},
		{"one step ahead", code(30 * time.Second), 0, true},
		{"two steps behind", code(-60 * time.Second), 0, false},
		{"already used", code(0), step, false},
		{"earlier than the last used", code(-30 * time.Second), step, false},
		{"later than the last used", code(30 * time.Second), step, true},
		{"garbage", "12345", 0, false},
		{"letters", "abcdef", 0, false},
	} {
		if _, ok := matchTOTP(secret, c.code, c.last, now); ok != c.ok {
			t.Errorf("%s: accepted %v, want %v", c.name, ok, c.ok)
		}
	}
}
