package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
)

// maxMentions bounds the colleagues the mention picker offers at once.
const maxMentions = 8

// mentionOption is a colleague the mention picker offers.
type mentionOption struct {
	ID, Name, Email string
}

// mentions answers the options of the composer's mention picker. The
// directory of a workspace is hundreds of people at most, read whole as
// every page that names owners reads it.
func (s *Server) mentions(w http.ResponseWriter, r *http.Request, v *visit) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	if runes := []rune(q); len(runes) > 100 {
		q = string(runes[:100]) // longer than any name
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Status: "active"})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &recordPage{}
	for _, u := range users {
		if u.ID == v.user.ID || len(data.Mentions) == maxMentions {
			continue
		}
		if q == "" || strings.Contains(strings.ToLower(u.Name), q) || strings.HasPrefix(strings.ToLower(u.Email), q) {
			data.Mentions = append(data.Mentions, mentionOption{ID: u.ID, Name: firstNonEmpty(u.Name, u.Email), Email: u.Email})
		}
	}
	s.fragment(w, r, v, "record", "mention_options", data)
}
