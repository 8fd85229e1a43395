package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// settingsLink is one page of the settings index: its address and the
// catalogue key of its title, which the page itself uses as its heading.
type settingsLink struct {
	Href, Key string
}

// settingsSection is a titled group of links on the settings index.
type settingsSection struct {
	Key   string // the catalogue key of its title
	Title string // its title in the visit's language
	Links []settingsLink
}

// sectionTitle is the title of a section of the settings index.
func sectionTitle(v *visit, key string) string {
	switch key {
	case "web.settings.sales":
		return v.p.T("web.settings.sales")
	case "web.settings.people":
		return v.p.T("web.settings.people")
	}
	return v.p.T(key)
}

// settingsSections are the settings index's sections, one per area. The
// people side of settings (users, teams, roles, tokens, the audit trail,
// jobs) lists its pages in peopleSettings, in a file of its own.
var settingsSections = []settingsSection{
	{Key: "web.settings.sales", Links: []settingsLink{
		{Href: "/settings/workspace", Key: "web.settings.workspace.title"},
		{Href: "/settings/pipelines", Key: "web.settings.pipelines.title"},
		{Href: "/settings/loss-reasons", Key: "web.settings.loss.title"},
		{Href: "/settings/fields", Key: "web.settings.fields.title"},
		{Href: "/settings/lists", Key: "web.settings.lists.title"},
		{Href: "/settings/currencies", Key: "web.settings.currencies.title"},
		{Href: "/settings/price-lists", Key: "web.settings.prices.title"},
		{Href: "/settings/stock", Key: "web.settings.stock.title"},
		{Href: "/settings/duplicates", Key: "web.dupes.settings.title"},
		{Href: "/settings/scores", Key: "web.scores.title"},
		{Href: "/settings/spend", Key: "web.goals.spend.title"},
		{Href: "/imports", Key: "web.import.log.title"},
		{Href: "/settings/forms", Key: "web.forms.title"}, // inbox
		{Href: "/settings/assignment", Key: "web.assign.title"},
		{Href: "/settings/phone", Key: "web.phone.title"}, // phone
		{Href: "/settings/chat", Key: "web.chat.title"},
	}},
	{Key: "web.settings.people", Links: peopleSettings},
}

// settingsPage is the settings index.
type settingsPage struct {
	frame
	Sections []settingsSection
}

func (s *Server) settingsIndex(w http.ResponseWriter, r *http.Request, v *visit) {
	data := &settingsPage{frame: frame{Nav: "settings"}}
	for _, sec := range settingsSections {
		if sec.Key == "web.settings.sales" && s.letters != nil {
			sec.Links = append(slices.Clip(sec.Links), settingsLink{Href: "/settings/mail-templates", Key: "web.letters.title"})
		}
		if len(sec.Links) > 0 {
			sec.Title = sectionTitle(v, sec.Key)
			data.Sections = append(data.Sections, sec)
		}
	}
	s.render(w, r, v, http.StatusOK, "settings", data)
}

// administrators wraps a settings page or action: only an administrator (whose
// role may manage roles) reaches it; everyone else gets the not-found
// page, as for a record out of reach, so that settings do not announce
// themselves. The services still check every change themselves.
func (s *Server) administrators(h handler) http.Handler {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, v *visit) {
		if !s.administers(r) {
			s.fail(w, r, v, errNotFound)
			return
		}
		h(w, r, v)
	})
}

// administers reports whether the request's actor is an administrator:
// their role manages roles, as the account service decides who may act on
// administrators. The policy keeps roles cached, so asking costs no query.
func (s *Server) administers(r *http.Request) bool {
	a, err := access.ActorFrom(r.Context())
	if err != nil || s.db == nil {
		return false
	}
	ok, err := s.roles().Administers(r.Context(), a)
	return err == nil && ok
}

// settingsForm is what a settings page needs to show one of its forms
// again after it was refused: which form failed, what was typed in it and
// each field's error. A page holds several forms (one per stage, say),
// named so that their inputs and errors stay apart.
type settingsForm struct {
	Failed  string            // the name of the form that was refused
	Errors  map[string]string // by "<form>.<field>"; "<form>." is the form's own
	Problem string            // what went wrong that no form shows
	typed   url.Values
}

// Val is what the input shows: what was typed when its form was
// refused, else the saved value.
func (f *settingsForm) Val(form, name, settingsSaved string) string {
	if f.Failed == form && f.typed != nil {
		return f.typed.Get(name)
	}
	return settingsSaved
}

// Checked says whether a checkbox is ticked: as posted when its form was
// refused, else as saved.
func (f *settingsForm) Checked(form, name, value string, settingsSaved bool) bool {
	if f.Failed == form && f.typed != nil {
		for _, v := range f.typed[name] {
			if v == value {
				return true
			}
		}
		return false
	}
	return settingsSaved
}

// Err is the error of one input of a form, for the field_error partial;
// its id is what the input names in aria-describedby.
func (f *settingsForm) Err(form, name string) fieldProblem {
	id := form + "-" + name + "-error"
	if name == "" {
		id = form + "-error"
	}
	return fieldProblem{ID: id, Text: f.Errors[form+"."+name]}
}

// setIndexPath turns an engine path of a list's value (options[2],
// required_fields[0]) into the input that holds the whole list.
var setIndexPath = regexp.MustCompile(`\[\d+\].*$`)

// refuse puts err beside the inputs of form and reports whether the page
// can show it: invalid input field by field, and a conflict (a stale
// version, a pipeline that still has deals) as the form's own error in
// the words of conflict. A record out of reach, a forbidden change or a
// broken database are for s.fail.
func (f *settingsForm) refuse(v *visit, r *http.Request, form string, err error, conflict string) bool {
	f.Failed, f.typed, f.Errors = form, r.PostForm, map[string]string{}
	if errs, ok := fieldErrors(v, err); ok {
		for path, msg := range errs {
			key := form + "." + setIndexPath.ReplaceAllString(path, "")
			if _, seen := f.Errors[key]; !seen {
				f.Errors[key] = msg
			}
		}
		if len(errs) == 0 {
			f.Errors[form+"."] = v.p.T("web.form.invalid")
		}
		return true
	}
	if fault.Is(err, fault.ECONFLICT) {
		// A conflict about one input (stock that would go below zero)
		// shows beside it.
		at := ""
		var fe *fault.Error
		if errors.As(err, &fe) && len(fe.Fields) > 0 {
			at = setIndexPath.ReplaceAllString(fe.Fields[0].Field, "")
		}
		f.Errors[form+"."+at] = conflict
		return true
	}
	return false
}

// settingsSaved answers a settings change that went through: back to the page,
// which shows it.
func settingsSaved(w http.ResponseWriter, r *http.Request, page string) {
	http.Redirect(w, r, page, http.StatusSeeOther)
}

// setFormVersion is the version of a record a settings form was filled
// from; 0, which the engine refuses as stale, when it carries none.
func setFormVersion(r *http.Request) int64 {
	return setParseInt(r.PostFormValue("version"))
}

// setParseInt reads an id or a version from a form; 0 when it is none.
func setParseInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// setOptionalInt is a typed whole number as the engine reads it: nil for an
// empty input, so that clearing it clears the value.
func setOptionalInt(s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return json.Number(s)
}

// settingsInput is one input of a settings form: its id, name, value
// and error.
type settingsInput struct {
	ID, Name, Value string
	Problem         fieldProblem
}

// In is the input name of form, showing saved unless the form was
// refused with something else typed.
func (f *settingsForm) In(form, name, settingsSaved string) settingsInput {
	return settingsInput{ID: form + "-" + name, Name: name, Value: f.Val(form, name, settingsSaved), Problem: f.Err(form, name)}
}
