package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/webform"
)

// formsPage is the form builder in settings: the workspace's web forms,
// each with its hosted page and embed snippet, and a form to make a new
// one from up to formRows fields, through the inbox service the API
// calls.
type formsPage struct {
	frame
	Forms         []formRow
	Rows          []formFieldRow
	Targets       []formOption
	Types         []formOption
	Pipelines     []formOption
	Users         []formOption
	FormLanguages []formOption
	Typed         map[string]string
	Problems      []string
	Created       bool
}

type formRow struct {
	ID, Name, Hosted, Snippet, Fields string
}

type formFieldRow struct {
	N                            int
	Label, MapsTo, Type, Checked string
}

// formRows is how many fields the builder offers; a form needs at least
// one.
const formRows = 6

// formTarget labels a standard target of a form field.
func formTarget(p *locale.Printer, target string) string {
	switch target {
	case "contact.name":
		return p.T("web.forms.target.contact_name")
	case "contact.first_name":
		return p.T("web.field.first_name")
	case "contact.last_name":
		return p.T("web.field.last_name")
	case "contact.email":
		return p.T("web.forms.target.contact_email")
	case "contact.phone":
		return p.T("web.forms.target.contact_phone")
	case "company.name":
		return p.T("web.forms.target.company_name")
	}
	return p.T("web.forms.target.message")
}

func (s *Server) formsList(w http.ResponseWriter, r *http.Request, v *visit) {
	s.formsShow(w, r, v, http.StatusOK, &formsPage{Created: r.FormValue("created") == "1"})
}

func (s *Server) formsShow(w http.ResponseWriter, r *http.Request, v *visit, status int, data *formsPage) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	forms, err := s.inbox.Forms(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	data.frame = frame{Nav: "settings"}
	for _, f := range forms {
		data.Forms = append(data.Forms, formRow{ID: f.ID, Name: f.Name, Hosted: base + "/f/" + f.PublicID,
			Snippet: webform.Snippet(f, base), Fields: v.p.N("web.forms.fields", len(f.Fields))})
	}
	if data.Typed == nil {
		data.Typed = map[string]string{}
	}
	for i := 0; i < formRows; i++ {
		n := strconv.Itoa(i)
		row := formFieldRow{N: i, Label: data.Typed["f"+n+".label"], MapsTo: data.Typed["f"+n+".maps_to"], Type: data.Typed["f"+n+".type"]}
		if data.Typed["f"+n+".required"] != "" {
			row.Checked = "checked"
		}
		data.Rows = append(data.Rows, row)
	}
	for _, t := range inbox.Targets {
		data.Targets = append(data.Targets, formOption{Value: t, Label: formTarget(v.p, t)})
	}
	for _, object := range []string{"contact", "company", "deal"} {
		fields, err := s.engine.Fields(r.Context(), object)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, f := range fields {
			if f.Custom && !f.ReadOnly {
				data.Targets = append(data.Targets, formOption{Value: object + "." + f.Name, Label: object + ": " + f.Label})
			}
		}
	}
	for _, t := range inbox.FieldTypes {
		data.Types = append(data.Types, formOption{Value: t, Label: formType(v.p, t)})
	}
	if data.Pipelines, err = s.formsPipelines(r); err != nil {
		s.fail(w, r, v, err)
		return
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Status: "active"})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, u := range users {
		data.Users = append(data.Users, formOption{Value: u.ID, Label: u.Name})
	}
	for _, l := range inbox.Languages {
		data.FormLanguages = append(data.FormLanguages, formOption{Value: l, Label: locale.For(l).Name()})
	}
	s.render(w, r, v, status, "settings_forms", data)
}

func formType(p *locale.Printer, t string) string {
	switch t {
	case "email":
		return p.T("web.forms.type.email")
	case "phone":
		return p.T("web.forms.type.phone")
	case "textarea":
		return p.T("web.forms.type.textarea")
	}
	return p.T("web.forms.type.text")
}

func (s *Server) formsPipelines(r *http.Request) ([]formOption, error) {
	stages, err := s.inboxStages(r)
	if err != nil {
		return nil, err
	}
	var out []formOption
	for _, p := range stages {
		for _, st := range p.Stages {
			out = append(out, formOption{Value: st.Value, Label: p.Name + " — " + st.Name})
		}
	}
	return out, nil
}

// formsCreate makes a form from the builder's fields; a refusal shows the
// page again with what was typed and each problem.
func (s *Server) formsCreate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	typed := map[string]string{}
	for k := range r.PostForm {
		typed[k] = r.PostFormValue(k)
	}
	in := inbox.FormInput{Name: typed["name"], Language: typed["language"], ConsentText: typed["consent_text"],
		AssignedUserID: typed["assigned_user_id"], ThankYou: typed["thank_you"], Confirmation: typed["confirmation"], RedirectURL: strings.TrimSpace(typed["redirect_url"]),
		StraightToDeal: typed["straight_to_deal"] != "", ProofOfWork: atoiOr(typed["proof_of_work"], 0)}
	in.PipelineID, in.StageID, _ = strings.Cut(typed["stage"], ":")
	if m := typed["min_fill_seconds"]; m != "" {
		n := atoiOr(m, -1)
		in.MinFillSeconds = &n
	}
	in.AllowedOrigins = strings.Fields(typed["allowed_origins"])
	for i := 0; i < formRows; i++ {
		n := strconv.Itoa(i)
		label := strings.TrimSpace(typed["f"+n+".label"])
		if label == "" {
			continue
		}
		in.Fields = append(in.Fields, inbox.Field{Name: "field" + n, Label: label, MapsTo: typed["f"+n+".maps_to"],
			Type: typed["f"+n+".type"], Required: typed["f"+n+".required"] != ""})
	}
	_, err := s.inbox.CreateForm(r.Context(), in)
	if fe, ok := err.(*fault.Error); ok && fe.Code == fault.EINVALID {
		data := &formsPage{Typed: typed}
		for _, f := range fe.Fields {
			data.Problems = append(data.Problems, f.Field+": "+v.p.FieldError(f))
		}
		s.formsShow(w, r, v, http.StatusBadRequest, data)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/settings/forms?created=1", http.StatusSeeOther)
}

func atoiOr(s string, or int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return or
	}
	return n
}

func (s *Server) formsDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.inbox.DeleteForm(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/settings/forms", http.StatusSeeOther)
}

// exampleForms is the builder with one form and a refused new one, for
// the tests that render every page in every language.
func exampleForms(p *locale.Printer) page {
	data := &formsPage{frame: frame{Nav: "settings"}, Created: true, Typed: map[string]string{"name": "Contact <b>", "f0.label": "E-mail <b>"},
		Problems: []string{"fields[0].maps_to: " + p.FieldError(fault.FieldError{Code: "unknown"})},
		Forms: []formRow{{ID: "1", Name: "Contact us <b>", Hosted: "https://crm.example.com/f/1-abc", Snippet: "<form method=\"post\"></form>",
			Fields: p.N("web.forms.fields", 3)}},
		Targets:   []formOption{{Value: "contact.email", Label: formTarget(p, "contact.email")}},
		Types:     []formOption{{Value: "text", Label: formType(p, "text")}},
		Pipelines: []formOption{{Value: "1:2", Label: "Sales — Lead"}}, Users: []formOption{{Value: "1", Label: "Ada <b>"}},
		FormLanguages: []formOption{{Value: "en", Label: "English"}}}
	for i := 0; i < formRows; i++ {
		data.Rows = append(data.Rows, formFieldRow{N: i})
	}
	return data
}
