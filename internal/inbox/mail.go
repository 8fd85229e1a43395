package inbox

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ArriveMail records a letter from an unknown sender to a shared mailbox
// as a request of the email channel, in the transaction ctx carries (see
// store.Within) when it carries one, so that the letter is kept and the
// request made together. payload names the kept letter.
func (s *Service) ArriveMail(ctx context.Context, ws int64, name, email, subject, text string, payload []byte) (string, error) {
	// A letter's text may hold what no request text may (control
	// characters of old mail programs): it is kept out.
	message := printable(strings.TrimSpace(subject+"\n\n"+text), true)
	for utf8.RuneCountInString(message) > MaxMessage {
		message = string([]rune(message)[:MaxMessage])
	}
	in := Input{Channel: "email", Source: "email", Name: clipText(printable(name, false)), Email: clipText(printable(email, false)), Message: message, Payload: payload}
	id, _, err := s.arrive(ctx, ws, 0, in)
	return id, err
}

func clipText(s string) string {
	if utf8.RuneCountInString(s) > MaxText {
		return string([]rune(s)[:MaxText])
	}
	return s
}

// printable drops control characters, keeping line breaks and tabs when
// lines is set.
func printable(s string, lines bool) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t')) {
			return -1
		}
		return r
	}, s)
}
