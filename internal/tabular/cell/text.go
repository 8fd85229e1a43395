package cell

import (
	"net/mail"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// Split reads a cell holding several values (tags, options of a
// multi-select, several e-mails): split at semicolons if it has any, else
// at vertical bars, else at commas; each value trimmed, empty ones and
// repeats dropped.
func Split(s string) []string {
	sep := ","
	switch {
	case strings.Contains(s, ";"):
		sep = ";"
	case strings.Contains(s, "|"):
		sep = "|"
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range strings.Split(s, sep) {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Email checks an e-mail address by the engine's rule (one address whose
// domain has a dot) and returns it in lower case. "Ada <ada@example.com>",
// as address books export it, gives the address.
func Email(s string) (string, error) {
	text := strings.TrimSpace(s)
	addr, err := mail.ParseAddress(text)
	if err != nil || !strings.Contains(addr.Address[strings.LastIndex(addr.Address, "@"):], ".") ||
		addr.Name == "" && addr.Address != text {
		return "", invalid("%q is not an e-mail address like name@example.com", s)
	}
	return strings.ToLower(addr.Address), nil
}

// Phone is a phone number as the engine keeps it.
type Phone struct {
	// Value is the number in E.164 when it is valid, else as typed.
	Value string `json:"value"`
	// Typed is the number as typed, when Value differs from it.
	Typed string `json:"typed,omitempty"`
	Valid bool   `json:"valid"`
}

// ParsePhone normalises a number to E.164 with the engine's own rule
// (records.NormalizePhone, libphonenumber), region being the workspace's
// default country for numbers without a country code. A number that is
// not valid is kept as typed and flagged, with an error saying so, as the
// engine keeps it.
func ParsePhone(s, region string) (Phone, error) {
	typed := strings.TrimSpace(s)
	if typed == "" {
		return Phone{}, invalid("a phone number is empty")
	}
	value, ok := records.NormalizePhone(typed, region)
	p := Phone{Value: value, Valid: ok}
	if value != typed {
		p.Typed = typed
	}
	if !ok {
		return p, invalid("%q is not a valid phone number (default country %s); it is kept as typed", s, region)
	}
	return p, nil
}
