package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/locale"
)

// The mail templates in settings, the page that writes a letter from one
// for a contact or a deal, and the user's signature
// (docs/decisions/0056-mail-templates.md).

// lettersPage lists the workspace's mail templates.
type lettersPage struct {
	frame
	Templates       []letterRow
	Notice, Problem string
}

type letterRow struct {
	ID, Name, Object, Languages string
}

// letterEditPage writes or changes one template: a subject and a body in
// each UI language; a language left empty has no version.
type letterEditPage struct {
	frame
	ID, Name, Object string
	Version          int64
	Objects          []formOption
	Versions         []letterVersion
	Errors           map[string]string
	Problem          string
}

type letterVersion struct {
	Lang, Label, Subject, Body string
}

// composePage writes a template out for one record and sends it.
type composePage struct {
	frame
	Object, RecordID, Record, Back string
	Templates                      []formOption
	Template                       string
	Letter                         *letter.Letter
	LanguageName                   string
	// From is the writer's own mailbox the letter goes through; empty
	// when it goes from the workspace's address.
	From    string
	CanSend bool
	Sent    bool
	Problem string
}

// signaturePage edits the user's signature.
type signaturePage struct {
	frame
	Signature string
	Errors    map[string]string
	Saved     bool
}

// letterObjectLabel names the object a template is written for.
func letterObjectLabel(p *locale.Printer, object string) string {
	switch object {
	case "contact":
		return p.T("object.contacts.name")
	case "deal":
		return p.T("object.deals.name")
	}
	return object
}

func (s *Server) lettersList(w http.ResponseWriter, r *http.Request, v *visit) {
	list, err := s.letters.List(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &lettersPage{frame: frame{Nav: "settings"}}
	for _, t := range list {
		var langs []string
		for _, l := range locale.Languages {
			if _, ok := t.Versions[l]; ok {
				langs = append(langs, locale.For(l).Name())
			}
		}
		data.Templates = append(data.Templates, letterRow{ID: t.ID, Name: t.Name, Object: letterObjectLabel(v.p, t.Object),
			Languages: strings.Join(langs, ", ")})
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		data.Notice = v.p.T("web.letters.saved")
	case "deleted":
		data.Notice = v.p.T("web.letters.deleted")
	}
	s.render(w, r, v, http.StatusOK, "settings_letters", data)
}

// letterEdit shows the form of a new template (no id) or of one to change.
func (s *Server) letterEdit(w http.ResponseWriter, r *http.Request, v *visit) {
	t := letter.Template{Object: "contact", Versions: map[string]letter.Version{}}
	if id := r.PathValue("id"); id != "" {
		var err error
		if t, err = s.letters.Get(r.Context(), id); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	s.render(w, r, v, http.StatusOK, "settings_letter", letterForm(v, t))
}

func letterForm(v *visit, t letter.Template) *letterEditPage {
	data := &letterEditPage{frame: frame{Nav: "settings"}, ID: t.ID, Name: t.Name, Object: t.Object, Version: t.Version}
	for _, o := range letter.Objects {
		data.Objects = append(data.Objects, formOption{Value: o, Label: letterObjectLabel(v.p, o)})
	}
	// The user's own language first: the version most often written.
	langs := append([]string{v.lang}, slices.DeleteFunc(slices.Clone(locale.Languages), func(l string) bool { return l == v.lang })...)
	for _, l := range langs {
		data.Versions = append(data.Versions, letterVersion{Lang: l, Label: locale.For(l).Name(),
			Subject: t.Versions[l].Subject, Body: t.Versions[l].Body})
	}
	return data
}

// letterSave creates or changes a template from the form.
func (s *Server) letterSave(w http.ResponseWriter, r *http.Request, v *visit) {
	r.ParseForm()
	name, object := r.PostFormValue("name"), r.PostFormValue("object")
	versions := map[string]letter.Version{}
	for _, l := range locale.Languages {
		subject, body := r.PostFormValue("subject_"+l), r.PostFormValue("body_"+l)
		if strings.TrimSpace(subject) != "" || strings.TrimSpace(body) != "" {
			versions[l] = letter.Version{Subject: subject, Body: body}
		}
	}
	in := letter.Input{Name: &name, Versions: &versions}
	var err error
	var t letter.Template
	if id := r.PathValue("id"); id != "" {
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		in.Version = &version
		t, err = s.letters.Update(r.Context(), id, in)
	} else {
		in.Object = &object
		t, err = s.letters.Create(r.Context(), in)
	}
	if err == nil {
		http.Redirect(w, r, "/settings/mail-templates?done=saved", http.StatusSeeOther)
		return
	}
	data := letterForm(v, letter.Template{ID: r.PathValue("id"), Name: name, Object: object, Versions: versions, Version: t.Version})
	if data.ID != "" {
		data.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if old, gerr := s.letters.Get(r.Context(), data.ID); gerr == nil {
			data.Object = old.Object
		}
	}
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 {
		data.Errors = errs
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_letter", data)
}

func (s *Server) letterDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.letters.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/settings/mail-templates?done=deleted", http.StatusSeeOther)
}

// composeLetter shows the letter page of a record: the templates of its object
// and, with one chosen, the letter as it will go.
func (s *Server) composeLetter(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	data, ok := s.composeData(w, r, v, q.Get("object"), q.Get("id"), q.Get("template"))
	if !ok {
		return
	}
	data.Sent = q.Get("done") == "sent"
	s.render(w, r, v, http.StatusOK, "letter", data)
}

func (s *Server) composeData(w http.ResponseWriter, r *http.Request, v *visit, object, id, template string) (*composePage, bool) {
	if !slices.Contains(letter.Objects, object) {
		s.fail(w, r, v, errNotFound)
		return nil, false
	}
	view := views[object+"s"] // contacts, deals
	rec, err := s.engine.Get(r.Context(), object, id, false)
	if err != nil {
		s.fail(w, r, v, fault.Errorf(fault.ENOTFOUND, "no %s %s", object, id))
		return nil, false
	}
	list, err := s.letters.List(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	data := &composePage{frame: frame{Nav: view.plural}, Object: object, RecordID: id, Record: str(rec[view.name]),
		Back: "/" + view.plural + "/" + id, Template: template, CanSend: s.letters.CanSend(r.Context())}
	if data.From, err = s.letters.From(r.Context()); err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	for _, t := range list {
		if t.Object == object {
			data.Templates = append(data.Templates, formOption{Value: t.ID, Label: t.Name})
		}
	}
	if template != "" {
		l, err := s.letters.Render(r.Context(), template, id)
		if err != nil {
			s.fail(w, r, v, err)
			return nil, false
		}
		data.Letter, data.LanguageName = &l, locale.For(l.Language).Name()
	}
	return data, true
}

// send queues the letter the page showed.
func (s *Server) sendLetter(w http.ResponseWriter, r *http.Request, v *visit) {
	r.ParseForm()
	object, id, template := r.PostFormValue("object"), r.PostFormValue("id"), r.PostFormValue("template")
	data, ok := s.composeData(w, r, v, object, id, template)
	if !ok {
		return
	}
	sent, err := s.letters.Send(r.Context(), template, letter.Sending{RecordIDs: []string{id}})
	switch {
	case err == nil && sent.Queued == 1:
		q := url.Values{"object": {object}, "id": {id}, "template": {template}, "done": {"sent"}}
		http.Redirect(w, r, "/letters/new?"+q.Encode(), http.StatusSeeOther)
		return
	case err == nil:
		data.Problem = v.p.T("web.letters.no_email")
	case fault.Is(err, fault.ECONFLICT):
		data.Problem = v.p.T("web.letters.no_server")
	default:
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "letter", data)
}

func (s *Server) signatureForm(w http.ResponseWriter, r *http.Request, v *visit) {
	sig, err := s.letters.Signature(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "signature", &signaturePage{Signature: sig, Saved: r.URL.Query().Get("done") == "saved"})
}

func (s *Server) saveSignature(w http.ResponseWriter, r *http.Request, v *visit) {
	r.ParseForm()
	sig := r.PostFormValue("signature")
	err := s.letters.SetSignature(r.Context(), sig)
	if err == nil {
		http.Redirect(w, r, "/me/signature?done=saved", http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "signature", &signaturePage{Signature: sig, Errors: errs})
}
