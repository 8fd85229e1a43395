package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/sales"
)

// setWorkspacePage is the workspace's own settings: its name, base
// currency, the country phone numbers are read in, the language new
// users start with, and whether stock may go below zero.
type setWorkspacePage struct {
	frame
	settingsForm
	Name, BaseCurrency, PhoneRegion, Language string
	NegativeStock                             bool
	LanguageOptions                           []formOption
	Saved                                     bool
}

func (s *Server) setWorkspacePage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowWorkspace(w, r, v, http.StatusOK, &setWorkspacePage{Saved: r.URL.Query().Get("saved") == "1"})
}

func (s *Server) setShowWorkspace(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setWorkspacePage) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ws, err := s.accounts.Workspace(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	st, err := s.sales.Settings(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	data.Name, data.BaseCurrency, data.PhoneRegion, data.Language = ws.Name, st.BaseCurrency, ws.PhoneRegion, ws.Language
	data.NegativeStock = st.AllowNegativeStock
	data.LanguageOptions = setLanguageOptions()
	s.render(w, r, v, status, "settings_workspace", data)
}

func setLanguageOptions() []formOption {
	var out []formOption
	for _, l := range locale.Languages {
		out = append(out, formOption{Value: l, Label: locale.For(l).Name()})
	}
	return out
}

// setSaveWorkspace saves the form through the account service (name,
// country, language) and the sales service (currency, negative stock),
// as the API does; each refuses what is wrong beside its inputs. Each
// saves its part in a transaction of its own: when the second refuses,
// the first part is saved already, and the form, shown again with what
// was typed, saves it again unchanged.
func (s *Server) setSaveWorkspace(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	name, region, lang := r.PostFormValue("name"), r.PostFormValue("phone_region"), r.PostFormValue("language")
	_, err := s.accounts.UpdateWorkspace(r.Context(), account.WorkspaceChange{Name: &name, PhoneRegion: &region, Language: &lang})
	if err == nil {
		currency := strings.TrimSpace(r.PostFormValue("base_currency"))
		negative := r.PostFormValue("allow_negative_stock") == "true"
		_, err = s.sales.UpdateSettings(r.Context(), sales.SettingsChange{BaseCurrency: &currency, AllowNegativeStock: &negative})
	}
	if err != nil {
		data := &setWorkspacePage{}
		if !data.refuse(v, r, "ws", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowWorkspace(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/workspace?settingsSaved=1")
}
