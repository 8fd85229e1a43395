package web

import (
	"context"
	"html/template"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/records"
)

// mailboxesPage lists the user's mailboxes and the shared ones with their
// sync state, the form that connects one, and the user's list of
// addresses and domains never filed.
type mailboxesPage struct {
	frame
	Mailboxes  []mailboxRow
	CanConnect bool // the server has a secret key to keep passwords
	MayShare   bool // an administrator, who connects shared mailboxes
	Form       mailboxForm
	Ignore     string // one address or domain a line
	Errors     map[string]string
	Notice     string
	Problem    string
}

// mailboxForm is what was typed in the connect form; never the password.
type mailboxForm struct {
	Address, Host, Port, Security, Username, Folders string
	Shared                                           bool
	outgoingForm
}

// outgoingForm is a mailbox's SMTP server as typed: optional when
// connecting, changed later on its own page.
type outgoingForm struct {
	SMTPHost, SMTPPort, SMTPSecurity string
}

// read takes the form's fields, and notes a port that is no number.
func (f *outgoingForm) read(r *http.Request, v *visit, errs map[string]string) mailbox.Outgoing {
	f.SMTPHost, f.SMTPPort, f.SMTPSecurity = r.PostFormValue("smtp_host"), strings.TrimSpace(r.PostFormValue("smtp_port")), r.PostFormValue("smtp_security")
	out := mailbox.Outgoing{SMTPHost: f.SMTPHost, SMTPSecurity: f.SMTPSecurity}
	if f.SMTPPort != "" {
		port, err := strconv.Atoi(f.SMTPPort)
		if err != nil {
			errs["smtp_port"] = v.p.T("error.type")
		}
		out.SMTPPort = port
	}
	if strings.TrimSpace(f.SMTPHost) == "" && out.SMTPPort == 0 {
		// The security select always sends a value; alone it means no
		// outgoing server.
		out.SMTPSecurity = ""
	}
	return out
}

// mailboxOutgoingPage sets the SMTP server of one of the user's mailboxes.
type mailboxOutgoingPage struct {
	frame
	ID, Address string
	Form        outgoingForm
	Errors      map[string]string
}

// mailboxRow is one mailbox as the list shows it.
type mailboxRow struct {
	ID, Address, Kind, Folders, State, Error, Messages string
	Sends                                              string // the SMTP server its owner's letters go out through
	Failing, MayRemove, MaySend                        bool
}

func (s *Server) mailboxesData(r *http.Request, v *visit) (*mailboxesPage, error) {
	list, err := s.mailboxes.List(r.Context())
	if err != nil {
		return nil, err
	}
	ignores, err := s.mailboxes.Ignores(r.Context())
	if err != nil {
		return nil, err
	}
	admin := s.administers(r)
	data := &mailboxesPage{frame: frame{Nav: "settings"}, CanConnect: s.mailboxes.CanConnect(), MayShare: admin,
		Form: mailboxForm{Security: "tls", Folders: strings.Join(mailbox.DefaultFolders, ", "), outgoingForm: outgoingForm{SMTPSecurity: "tls"}}, Ignore: strings.Join(ignores, "\n")}
	for _, m := range list {
		data.Mailboxes = append(data.Mailboxes, mailboxRowOf(v, m, admin))
	}
	return data, nil
}

func mailboxRowOf(v *visit, m mailbox.Mailbox, admin bool) mailboxRow {
	row := mailboxRow{ID: m.ID, Address: m.Address, Folders: strings.Join(m.Folders, ", "), Messages: v.p.Number(float64(m.Messages), 0),
		Kind: v.p.T("web.mailboxes.personal"), MayRemove: !m.Shared || admin, MaySend: !m.Shared}
	if m.Shared {
		row.Kind = v.p.T("web.mailboxes.shared")
	}
	if m.SMTPHost != "" {
		row.Sends = v.p.T("web.mailboxes.sends", "server", net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort)))
	}
	switch {
	case m.Status == "failing":
		row.State, row.Error, row.Failing = v.p.T("web.mailboxes.failing"), m.LastError, true
	case m.SyncedAt != nil:
		row.State = v.p.T("web.mailboxes.synced", "when", v.moment(*m.SyncedAt))
	default:
		row.State = v.p.T("web.mailboxes.waiting")
	}
	return row
}

func (s *Server) mailboxesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	data, err := s.mailboxesData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = mailboxNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_mailboxes", data)
}

func mailboxNotice(v *visit, code string) string {
	switch code {
	case "connected":
		return v.p.T("web.mailboxes.done.connected")
	case "syncing":
		return v.p.T("web.mailboxes.done.syncing")
	case "disconnected":
		return v.p.T("web.mailboxes.done.disconnected")
	case "saved":
		return v.p.T("web.people.done.saved")
	case "outgoing":
		return v.p.T("web.mailboxes.done.outgoing")
	}
	return ""
}

// connectMailbox connects a mailbox; the password is sealed and never
// shown again, not even on a form refused for another field.
func (s *Server) connectMailbox(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	r.ParseForm()
	f := mailboxForm{Address: r.PostFormValue("address"), Host: r.PostFormValue("host"), Port: strings.TrimSpace(r.PostFormValue("port")),
		Security: r.PostFormValue("security"), Username: r.PostFormValue("username"), Folders: r.PostFormValue("folders"),
		Shared: r.PostFormValue("shared") == "on"}
	errs := map[string]string{}
	out := f.outgoingForm.read(r, v, errs)
	in := mailbox.Input{Shared: f.Shared, Address: f.Address, Host: f.Host, Security: f.Security, Username: f.Username,
		Password: r.PostFormValue("password"), Folders: splitList(f.Folders),
		SMTPHost: out.SMTPHost, SMTPPort: out.SMTPPort, SMTPSecurity: out.SMTPSecurity}
	if f.Port != "" {
		port, err := strconv.Atoi(f.Port)
		if err != nil {
			errs["port"] = v.p.T("error.type")
		}
		in.Port = port
	}
	var err error
	if len(errs) == 0 {
		_, err = s.mailboxes.Connect(r.Context(), in)
		if err == nil {
			doneAt(w, r, "/settings/mailboxes", "connected")
			return
		}
	}
	data, derr := s.mailboxesData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Form = f
	if fe, ok := fieldErrors(v, err); ok {
		errs = fe
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Errors = errs
	s.render(w, r, v, http.StatusBadRequest, "settings_mailboxes", data)
}

// mailboxOutgoing shows the form of a mailbox's SMTP server.
func (s *Server) mailboxOutgoing(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	m, err := s.mailboxes.Get(r.Context(), r.PathValue("id"))
	if err != nil || m.Shared {
		s.fail(w, r, v, errNotFound)
		return
	}
	f := outgoingForm{SMTPHost: m.SMTPHost, SMTPSecurity: m.SMTPSecurity}
	if m.SMTPHost == "" {
		f.SMTPSecurity = "tls"
	} else {
		f.SMTPPort = strconv.Itoa(m.SMTPPort)
	}
	s.render(w, r, v, http.StatusOK, "settings_mailbox_outgoing", &mailboxOutgoingPage{frame: frame{Nav: "settings"}, ID: m.ID, Address: m.Address, Form: f})
}

// saveMailboxOutgoing sets a mailbox's SMTP server; an empty server has
// the user's letters go out through the workspace's mail server again.
func (s *Server) saveMailboxOutgoing(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	r.ParseForm()
	data := &mailboxOutgoingPage{frame: frame{Nav: "settings"}, ID: r.PathValue("id"), Errors: map[string]string{}}
	out := data.Form.read(r, v, data.Errors)
	if len(data.Errors) == 0 {
		_, err := s.mailboxes.SetOutgoing(r.Context(), data.ID, out)
		if err == nil {
			doneAt(w, r, "/settings/mailboxes", "outgoing")
			return
		}
		errs, ok := fieldErrors(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Errors = errs
	}
	m, err := s.mailboxes.Get(r.Context(), data.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Address = m.Address
	s.render(w, r, v, http.StatusBadRequest, "settings_mailbox_outgoing", data)
}

func (s *Server) saveIgnores(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	r.ParseForm()
	text := r.PostFormValue("ignore")
	err := s.mailboxes.SetIgnores(r.Context(), strings.FieldsFunc(text, func(c rune) bool { return c == '\n' || c == ',' }))
	if err == nil {
		doneAt(w, r, "/settings/mailboxes", "saved")
		return
	}
	data, derr := s.mailboxesData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	errs, ok := fieldErrors(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	data.Ignore, data.Errors = text, errs
	s.render(w, r, v, http.StatusBadRequest, "settings_mailboxes", data)
}

func (s *Server) syncMailbox(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	s.mailboxAction(w, r, v, s.mailboxes.SyncNow, "syncing")
}

func (s *Server) disconnectMailbox(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	s.mailboxAction(w, r, v, s.mailboxes.Disconnect, "disconnected")
}

func (s *Server) mailboxAction(w http.ResponseWriter, r *http.Request, v *visit, act func(context.Context, string) error, done string) {
	if err := act(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	doneAt(w, r, "/settings/mailboxes", done)
}

// mailPage shows one letter, its HTML sanitised; remote images only when
// the reader asks (?images=1), and then the page's own policy lets them
// load too.
type mailPage struct {
	frame
	Subject, From, To, Cc, When string
	Body                        template.HTML // sanitised
	Text                        string        // when the letter has no HTML
	Held                        bool          // remote images were held back
	ShowImages                  string        // the address that shows them
	Problem                     string
	Attachments                 []mailAttachmentRow
	Filed                       []mailLinkRow
	// Reply opens the letter page answering it; empty when letters
	// cannot be written here.
	Reply string
}

type mailAttachmentRow struct {
	Href, Name, Size string
	Stored           bool
}

type mailLinkRow struct {
	Href, Name, Kind string
}

func (s *Server) mailPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	m, err := s.mailboxes.Message(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	images := r.URL.Query().Get("images") == "1"
	data := &mailPage{frame: frame{Nav: ""}, Subject: m.Subject, From: m.From.Email, To: strings.Join(m.To, ", "),
		Cc: strings.Join(m.Cc, ", "), When: v.moment(m.SentAt), Problem: m.Problem}
	if m.From.Name != "" {
		data.From = m.From.Name + " <" + m.From.Email + ">"
	}
	if m.HTML != "" {
		body, held := mailbox.Sanitise(m.HTML, m.Inline(), images)
		data.Body, data.Held = template.HTML(body), held
		data.ShowImages = "/mail/" + m.ID + "?images=1"
	} else {
		data.Text = m.Text
	}
	for _, at := range m.Attachments {
		data.Attachments = append(data.Attachments, mailAttachmentRow{Href: "/mail/" + m.ID + "/attachments/" + strconv.Itoa(at.Position),
			Name: at.Filename, Size: v.p.T("web.mailboxes.kb", "n", strconv.FormatInt((at.Size+1023)/1024, 10)), Stored: at.Stored})
	}
	var about []records.Record
	for _, l := range m.Links {
		about = append(about, records.Record{"record_type": l.Object, "record_id": l.ID})
	}
	n, err := s.namesOf(r, map[string]*records.Field{"record_id": {Name: "record_id"}}, []string{"record_id"}, about)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, l := range m.Links {
		if rv := viewOf(l.Object); rv != nil {
			name := n.records[l.Object][l.ID]
			if name == "" {
				name = "#" + l.ID
			}
			data.Filed = append(data.Filed, mailLinkRow{Href: "/" + rv.plural + "/" + l.ID, Name: name, Kind: objectKind(v, l.Object)})
		}
	}
	if s.letters != nil {
		data.Reply = "/letters/new?reply=" + m.ID
	}
	if images {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentPolicy, "img-src 'self' data:", "img-src 'self' data: https: http:", 1))
	}
	s.render(w, r, v, http.StatusOK, "mail_message", data)
}

func objectKind(v *visit, object string) string {
	switch object {
	case "contact":
		return v.p.T("web.mailboxes.filed.contact")
	case "company":
		return v.p.T("web.mailboxes.filed.company")
	}
	return v.p.T("web.mailboxes.filed.deal")
}

// mailAttachment sends a stored attachment: images the browser shows
// inline (an inline image of the letter), the rest as a download, each in
// a sandbox so that nothing in it runs as the app.
func (s *Server) mailAttachment(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.mailboxes == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	at, content, err := s.mailboxes.Attachment(r.Context(), r.PathValue("id"), r.PathValue("n"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	disposition := "attachment"
	switch at.Type {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		disposition = "inline"
		h.Set("Content-Type", at.Type)
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": at.Filename}))
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}
