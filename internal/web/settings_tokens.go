package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
)

// tokensPage lists the user's own API tokens, with a form to make one.
// Secret is a token just made: shown this once, never stored.
type tokensPage struct {
	frame
	Tokens  []tokenRow
	Name    string
	Scope   string
	Errors  map[string]string
	Secret  string
	Notice  string
	Problem string
}

// tokenRow is one token as the list shows it.
type tokenRow struct {
	ID, Name, Scope, Created, LastUsed, Expires string
}

func (s *Server) tokensList(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.tokensData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_tokens", data)
}

func (s *Server) tokensData(r *http.Request, v *visit) (*tokensPage, error) {
	tokens, err := s.accounts.ListTokens(r.Context())
	if err != nil {
		return nil, err
	}
	data := &tokensPage{frame: frame{Nav: "settings"}, Scope: account.ScopeReadWrite}
	for _, t := range tokens {
		row := tokenRow{ID: t.ID, Name: t.Name, Scope: scopeLabel(v, t.Scope), Created: v.moment(t.CreatedAt)}
		if t.LastUsedAt != nil {
			row.LastUsed = v.moment(*t.LastUsedAt)
		}
		if t.ExpiresAt != nil {
			row.Expires = v.moment(*t.ExpiresAt)
		}
		data.Tokens = append(data.Tokens, row)
	}
	return data, nil
}

// addToken makes a token for the user, as POST /api/v1/tokens does, and
// shows it this once, on the page the post answers: never in an address,
// which browsers keep in their history.
func (s *Server) addToken(w http.ResponseWriter, r *http.Request, v *visit) {
	name, scope := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("scope")
	_, secret, err := s.accounts.IssueToken(r.Context(), account.NewToken{Name: name, Scope: scope})
	data, derr := s.tokensData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	if err == nil {
		data.Secret = secret
		s.render(w, r, v, http.StatusCreated, "settings_tokens", data)
		return
	}
	data.Name, data.Scope = name, scope
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 {
		data.Errors = errs
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_tokens", data)
}

// revokeToken revokes one of the user's tokens at once.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.accounts.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	doneAt(w, r, "/settings/tokens", "revoked")
}

func scopeLabel(v *visit, scope string) string {
	if scope == account.ScopeRead {
		return v.p.T("web.people.tokens.read")
	}
	return v.p.T("web.people.tokens.read_write")
}
