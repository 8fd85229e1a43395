package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

// setUpPage is the first-run form: the workspace and its first
// administrator. Errors hold each field's message, in the visit's
// language.
type setUpPage struct {
	frame
	Form   setUpForm
	Errors map[string]string
}

// setUpForm is what the set-up form posts.
type setUpForm struct {
	Workspace, BaseCurrency, PhoneRegion, Language, Name, Email string
}

// currencies are the base currency the set-up form suggests for each
// language; anyone may change it.
var currencies = map[string]string{"en": "EUR", "ru": "RUB", "ro": "RON", "pl": "PLN", "lt": "EUR", "kk": "KZT"}

// newSetUpPage is the empty set-up form. It suggests the country for
// phone numbers that the server was started with, which the services use
// (the workspace keeps the choice; see docs/decisions/0018-web-app.md).
func newSetUpPage(lang, region string) *setUpPage {
	cur := currencies[lang]
	if cur == "" {
		cur = "EUR"
	}
	return &setUpPage{Form: setUpForm{BaseCurrency: cur, PhoneRegion: strings.ToUpper(region), Language: lang}}
}

func parseSetUp(r *http.Request) (setUpForm, string) {
	f := setUpForm{}
	for field, dst := range map[string]*string{"workspace": &f.Workspace, "base_currency": &f.BaseCurrency,
		"phone_region": &f.PhoneRegion, "language": &f.Language, "name": &f.Name, "email": &f.Email} {
		*dst = strings.TrimSpace(r.PostFormValue(field))
	}
	return f, r.PostFormValue("password")
}

// setUp creates the workspace's first administrator and signs them in. It
// is refused once anyone has done so.
func (s *Server) setUp(w http.ResponseWriter, r *http.Request, v *visit) {
	form, password := parseSetUp(r)
	admin, err := s.accounts.SetUp(r.Context(), defaultWorkspace, account.FirstRun{Workspace: form.Workspace,
		BaseCurrency: form.BaseCurrency, PhoneRegion: form.PhoneRegion, Language: form.Language,
		Name: form.Name, Email: form.Email, Password: password})
	if errs, ok := fieldErrors(v, err); ok {
		s.render(w, r, v, http.StatusBadRequest, "setup", &setUpPage{Form: form, Errors: errs})
		return
	}
	switch {
	case fault.Is(err, fault.ECONFLICT):
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	case err != nil:
		s.fail(w, r, v, err)
		return
	}
	// The workspace is usable without its first pipeline, which an
	// administrator can add by hand: a failure here is logged, not shown.
	if err := s.firstPipeline(r.Context(), admin, locale.For(form.Language)); err != nil {
		s.logger(r).Error("first pipeline", "err", err)
	}
	if err := s.attempt(w, r, form.Email, password, "", "/"); err != nil {
		s.fail(w, r, v, err)
	}
}
