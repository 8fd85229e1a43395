package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// TOTP parameters: RFC 6238's defaults, the only ones every authenticator
// app supports.
const (
	totpPeriod = 30 * time.Second
	totpDigits = 6
	// totpSkew is how many steps either side of now a code may be from,
	// for phones whose clocks drift.
	totpSkew = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226's HMAC-based one-time password: HMAC-SHA-1 of the
// counter, dynamically truncated to digits decimal digits.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	binary.Write(mac, binary.BigEndian, counter)
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStep is the RFC 6238 time step that t falls in.
func totpStep(t time.Time) int64 { return t.Unix() / int64(totpPeriod/time.Second) }

// TOTPCode returns the six-digit code an authenticator app shows at time t
// for a base32 secret. The server checks codes with it; tests and tools
// use it to act as the app.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	return hotp(key, uint64(totpStep(t)), totpDigits), nil
}

// matchTOTP returns the step of the window around now whose code is code
// and that comes after lastStep, so that a code is accepted once at most.
func matchTOTP(secret, code string, lastStep int64, now time.Time) (int64, bool) {
	key, err := b32.DecodeString(secret)
	if err != nil || len(code) != totpDigits {
		return 0, false
	}
	step := totpStep(now)
	for s := step - totpSkew; s <= step+totpSkew; s++ {
		if s <= lastStep || s < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s), totpDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPEnrolment is what a user scans into their authenticator app.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// errTOTPCode is the answer to a wrong, stale or replayed code.
var errTOTPCode = &fault.Error{Code: fault.EUNAUTHORIZED, Message: "the two-factor code is wrong",
	Fields: []fault.FieldError{{Field: "totp_code", Code: "invalid", Message: "is wrong, expired or already used"}}}

// BeginTOTP starts two-factor enrolment for the actor: it makes a new
// secret, which takes effect only once ConfirmTOTP sees a code from it.
func (s *Service) BeginTOTP(ctx context.Context) (TOTPEnrolment, error) {
	a, err := self(ctx)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	u, err := s.loadUser(ctx, s.db.Reader(), a.WorkspaceID, a.UserID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if u.TwoFactor {
		return TOTPEnrolment{}, fault.Errorf(fault.ECONFLICT, "two-factor sign-in is already on; turn it off first to enrol a new device")
	}
	key := make([]byte, 20) // RFC 4226 recommends 160 bits
	if _, err := rand.Read(key); err != nil {
		return TOTPEnrolment{}, err
	}
	secret := b32.EncodeToString(key)
	err = s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE users SET totp_pending = ? WHERE workspace_id = ? AND id = ?`, secret, a.WorkspaceID, a.UserID)
		return err
	})
	return TOTPEnrolment{Secret: secret, URL: OTPAuthURL(u.Email, secret)}, err
}

// OTPAuthURL is the key URI that authenticator apps read from a QR code.
func OTPAuthURL(account, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {"Rapport"}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(totpDigits)}, "period": {fmt.Sprint(int(totpPeriod / time.Second))}}
	return "otpauth://totp/" + url.PathEscape("Rapport:"+account) + "?" + v.Encode()
}

// ConfirmTOTP turns two-factor sign-in on once code proves that the
// actor's app holds the secret from BeginTOTP.
func (s *Service) ConfirmTOTP(ctx context.Context, code string) error {
	a, err := self(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		var pending sql.NullString
		err := q.QueryRowContext(ctx, `SELECT totp_pending FROM users WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, a.UserID).Scan(&pending)
		if err != nil {
			return err
		}
		if !pending.Valid {
			return fault.Errorf(fault.ECONFLICT, "start enrolment with POST /api/v1/me/totp first")
		}
		step, ok := matchTOTP(pending.String, strings.TrimSpace(code), 0, s.now())
		if !ok {
			return fault.Field("code", "invalid", "is not the code your app shows now")
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?
			WHERE workspace_id = ? AND id = ?`, step, a.WorkspaceID, a.UserID); err != nil {
			return err
		}
		return s.audit(ctx, q, a.WorkspaceID, event{object: "user", id: formatID(a.UserID), action: ActionTOTPEnable,
			actor: a.UserID, address: a.Address})
	})
}

// DisableTOTP turns two-factor sign-in off for the actor, who proves it is
// them with their password.
func (s *Service) DisableTOTP(ctx context.Context, password string) error {
	a, err := self(ctx)
	if err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, a.WorkspaceID, a.UserID, password); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE workspace_id = ? AND id = ?`,
			a.WorkspaceID, a.UserID); err != nil {
			return err
		}
		return s.audit(ctx, q, a.WorkspaceID, event{object: "user", id: formatID(a.UserID), action: ActionTOTPDisable,
			actor: a.UserID, address: a.Address})
	})
}

// useTOTP accepts code for user uid at most once: the step it matched is
// stored, and a later code must come from a later step. The conditional
// update makes two concurrent sign-ins with one code admit only one.
func (s *Service) useTOTP(ctx context.Context, q store.Querier, ws, uid int64, secret, code string, lastStep int64) error {
	step, ok := matchTOTP(secret, strings.TrimSpace(code), lastStep, s.now())
	if !ok {
		return errTOTPCode
	}
	res, err := q.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE workspace_id = ? AND id = ? AND totp_last_step < ?`,
		step, ws, uid, step)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errTOTPCode
	}
	return nil
}

// errCurrentPassword answers a wrong current password.
var errCurrentPassword = fault.Field("current_password", "wrong", "is not your current password")

// IsWrongPassword reports whether err says that a password given to prove
// who the caller is was wrong, which the API counts like a failed
// sign-in.
func IsWrongPassword(err error) bool {
	return errors.Is(err, errCurrentPassword) || errors.Is(err, errSignIn) || errors.Is(err, errTOTPCode)
}

// checkCurrentPassword verifies the password of user uid.
func (s *Service) checkCurrentPassword(ctx context.Context, ws, uid int64, password string) error {
	var hash string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT password_hash FROM users WHERE workspace_id = ? AND id = ?`, ws, uid).Scan(&hash)
	if err != nil {
		return err
	}
	if ok, _ := CheckPassword(hash, password); !ok {
		return errCurrentPassword
	}
	return nil
}
