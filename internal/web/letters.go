package web

import (
	"errors"
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

// composePage writes a letter for one record, from a template or not,
// perhaps answering a kept one, and sends it.
type composePage struct {
	frame
	letter.Draft
	Record, Back string
	Templates    []formOption
	Template     string
	Letter       *letter.Letter
	LanguageName string
	Errors       map[string]string
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

// composeLetter shows the letter page of a record: the templates of its
// object, and the letter's subject and body to write, begun from a chosen
// template or, answering a kept letter, from it; with text, the letter as
// it will go.
func (s *Server) composeLetter(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	d := letter.Draft{Object: q.Get("object"), RecordID: q.Get("id")}
	var err error
	switch {
	case q.Get("reply") != "":
		if d, err = s.letters.Reply(r.Context(), q.Get("reply")); err == nil && d.RecordID == "" {
			err = fault.Errorf(fault.ENOTFOUND, "the letter names no contact you may read")
		}
	case q.Get("template") != "":
		d, err = s.letters.Start(r.Context(), q.Get("template"), d.RecordID)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data, ok := s.composeData(w, r, v, d, q.Get("template"))
	if !ok {
		return
	}
	data.Sent = q.Get("done") == "sent"
	if d.Subject != "" {
		s.preview(r, v, data)
	}
	s.render(w, r, v, http.StatusOK, "letter", data)
}

// preview writes the page's draft out as it will go, or names what keeps
// it from going.
func (s *Server) preview(r *http.Request, v *visit, data *composePage) bool {
	l, err := s.letters.Write(r.Context(), data.Draft)
	if err == nil {
		data.Letter, data.LanguageName = &l, locale.For(l.Language).Name()
		return true
	}
	s.refusal(v, data, err)
	return false
}

// refusal puts err on the page: field errors beside their fields, the
// record's lack of an address or of a mail server above.
func (s *Server) refusal(v *visit, data *composePage, err error) {
	switch errs, ok := fieldErrors(v, err); {
	case ok && noEmail(err):
		data.Problem = v.p.T("web.letters.no_email")
	case ok && len(errs) > 0:
		data.Errors = errs
	case fault.Is(err, fault.ECONFLICT):
		data.Problem = v.p.T("web.letters.no_server")
	default:
		data.Problem = v.p.T("web.letters.not_written")
	}
}

// noEmail reports whether err refuses a letter for want of an address.
func noEmail(err error) bool {
	var fe *fault.Error
	return errors.As(err, &fe) && slices.ContainsFunc(fe.Fields, func(f fault.FieldError) bool { return f.Code == "no_email" })
}

func (s *Server) composeData(w http.ResponseWriter, r *http.Request, v *visit, d letter.Draft, template string) (*composePage, bool) {
	if !slices.Contains(letter.Objects, d.Object) {
		s.fail(w, r, v, errNotFound)
		return nil, false
	}
	view := views[d.Object+"s"] // contacts, deals
	rec, err := s.engine.Get(r.Context(), d.Object, d.RecordID, false)
	if err != nil {
		s.fail(w, r, v, fault.Errorf(fault.ENOTFOUND, "no %s %s", d.Object, d.RecordID))
		return nil, false
	}
	list, err := s.letters.List(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	data := &composePage{frame: frame{Nav: view.plural}, Draft: d, Record: str(rec[view.name]),
		Back: "/" + view.plural + "/" + d.RecordID, Template: template, CanSend: s.letters.CanSend(r.Context())}
	if data.From, err = s.letters.From(r.Context()); err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	for _, t := range list {
		if t.Object == d.Object {
			data.Templates = append(data.Templates, formOption{Value: t.ID, Label: t.Name})
		}
	}
	return data, true
}

// sendLetter previews or sends the letter the form holds. A form with a
// template and no text of its own sends the template as it is.
func (s *Server) sendLetter(w http.ResponseWriter, r *http.Request, v *visit) {
	r.ParseForm()
	f := r.PostFormValue
	d := letter.Draft{Object: f("object"), RecordID: f("id"), Subject: f("subject"), Body: f("body"), ReplyTo: f("reply_to")}
	template := f("template")
	data, ok := s.composeData(w, r, v, d, template)
	if !ok {
		return
	}
	done := url.Values{"object": {d.Object}, "id": {d.RecordID}, "done": {"sent"}}
	var err error
	switch {
	case f("action") == "preview":
		status := http.StatusOK
		if !s.preview(r, v, data) {
			status = http.StatusBadRequest
		}
		s.render(w, r, v, status, "letter", data)
		return
	case template != "" && d.Subject == "" && d.Body == "":
		var sent letter.Sent
		if sent, err = s.letters.Send(r.Context(), template, letter.Sending{RecordIDs: []string{d.RecordID}}); err == nil && sent.Queued == 0 {
			err = fault.Field("record_id", "no_email", "the record has no e-mail address you may read")
		}
		done.Set("template", template)
	default:
		_, err = s.letters.SendDraft(r.Context(), d)
	}
	if err == nil {
		http.Redirect(w, r, "/letters/new?"+done.Encode(), http.StatusSeeOther)
		return
	}
	if !fault.Is(err, fault.EINVALID) && !fault.Is(err, fault.ECONFLICT) {
		s.fail(w, r, v, err)
		return
	}
	s.refusal(v, data, err)
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
