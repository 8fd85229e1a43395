// Package webform serves the public face of web forms: the hosted page
// /f/{public id}, the post that works without JavaScript (a plain form
// post answered by a thank-you page or a redirect) and with fetch (a JSON
// answer, CORS only for the form's allowed sites), the token and proof of
// work the optional script asks for, and the embed snippet. What a
// submission becomes is the inbox's business (inbox.Service.Submit).
// docs/decisions/0046-inbox-and-web-forms.md has the reasons.
package webform

import (
	_ "embed"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/limit"
	"github.com/rapport-crm/rapport/internal/locale"
)

// Options configure the handler.
type Options struct {
	Inbox *inbox.Service
	Log   *slog.Logger
	// ClientIPHeader names the header of a trusted reverse proxy that
	// holds the client's address, as for the API.
	ClientIPHeader string
	// PerMinute and Burst bound the posts one address makes; zero means
	// 10 a minute after a burst of 5.
	PerMinute float64
	Burst     int
	// Now is the clock of the tokens; nil means time.Now.
	Now func() time.Time
}

// Handler serves /f/.
type Handler struct {
	o       Options
	buckets *limit.Buckets
	mux     *http.ServeMux
}

//go:embed embed.js
var script string

//go:embed page.html
var pageText string

var page = template.Must(template.New("page").Funcs(template.FuncMap{"t": func(string) string { return "" }}).Parse(pageText))

// execute renders v with the page's words in lang.
func execute(w http.ResponseWriter, lang string, v view) error {
	t, err := page.Clone()
	if err != nil {
		return err
	}
	p := locale.For(lang)
	return t.Funcs(template.FuncMap{"t": func(k string) string { return p.T(k) }}).Execute(w, v)
}

// New returns the handler of the public form routes.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.PerMinute == 0 {
		o.PerMinute = 10
	}
	if o.Burst == 0 {
		o.Burst = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{o: o, buckets: limit.NewBuckets(o.PerMinute/60, o.Burst), mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /f/embed.js", h.embedScript)
	h.mux.HandleFunc("GET /f/{id}", h.show)
	h.mux.HandleFunc("POST /f/{id}", h.submit)
	h.mux.HandleFunc("OPTIONS /f/{id}", h.preflight)
	h.mux.HandleFunc("GET /f/{id}/token", h.token)
	h.mux.HandleFunc("OPTIONS /f/{id}/token", h.preflight)
	h.mux.HandleFunc("GET /f/{id}/embed", h.snippet)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// form reads the form of the path, answering 404 when there is none.
func (h *Handler) form(w http.ResponseWriter, r *http.Request) (inbox.Form, bool) {
	f, err := h.o.Inbox.PublicForm(r.Context(), r.PathValue("id"))
	if err != nil {
		if !fault.Is(err, fault.ENOTFOUND) {
			h.o.Log.Error("web form", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return f, false
		}
		http.NotFound(w, r)
		return f, false
	}
	return f, true
}

// self is the origin the request was made to.
func self(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// allowed reports whether a request from origin may post to f: its own
// pages and the sites it lists. A request without Origin is not from a
// browser's script or cross-site form (browsers send it on every
// cross-origin POST), so it passes.
func allowed(f inbox.Form, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || origin == self(r) || slices.Contains(f.AllowedOrigins, origin)
}

// cors lets an allowed other site read the answer.
func cors(w http.ResponseWriter, f inbox.Form, r *http.Request) {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin")
	if origin != "" && origin != self(r) && slices.Contains(f.AllowedOrigins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
}

func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	if !allowed(f, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	cors(w, f, r)
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Accept")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// view is what the page template shows.
type view struct {
	Lang, Title, Action, Token, Consent, ThankYou string
	Fields                                        []fieldView
	Hidden                                        map[string]string
	Errors                                        []string
	Done, Proof                                   bool
	Script                                        string
}

type fieldView struct {
	Name, Label, Type, Value, Error string
	Required, Long                  bool
}

// show serves the hosted page: the form with a fresh token and the UTM
// tags of the page's address.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	h.render(w, r, f, http.StatusOK, url.Values{}, nil)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, f inbox.Form, status int, posted url.Values, fe []fault.FieldError) {
	p := locale.For(f.Language)
	v := view{Lang: f.Language, Title: f.Name, Action: "/f/" + f.PublicID, Token: f.Token(h.o.Now()), Consent: f.ConsentText,
		Hidden: map[string]string{}, Proof: f.ProofOfWork > 0, Script: "/f/embed.js"}
	errs := map[string]string{}
	for _, e := range fe {
		errs[e.Field] = p.FieldError(e)
		v.Errors = append(v.Errors, p.FieldError(e))
	}
	q := r.URL.Query()
	for _, name := range []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "_referrer"} {
		if val := firstNonEmpty(posted.Get(name), q.Get(name)); val != "" {
			v.Hidden[name] = val
		}
	}
	if _, ok := v.Hidden["_referrer"]; !ok && r.Referer() != "" {
		v.Hidden["_referrer"] = r.Referer()
	}
	for _, fl := range f.Fields {
		v.Fields = append(v.Fields, fieldView{Name: fl.Name, Label: fl.Label, Type: inputType(fl.Type), Value: posted.Get(fl.Name),
			Error: errs[fl.Name], Required: fl.Required, Long: fl.Type == "textarea"})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors *")
	w.WriteHeader(status)
	if err := execute(w, f.Language, v); err != nil {
		h.o.Log.Warn("web form page", "err", err)
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func inputType(t string) string {
	switch t {
	case "email":
		return "email"
	case "phone":
		return "tel"
	}
	return "text"
}

// wantsJSON reports whether the post came from a script that reads JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// submit takes a post. Refusals: a site the form does not allow (403), a
// flood from one address (429 with Retry-After), a body too large (413),
// fields missing or wrong (400 naming them, the page shown again with
// the values). Spam is answered as a success: a bot learns nothing.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	js := wantsJSON(r)
	if !allowed(f, r) {
		h.refuse(w, r, js, http.StatusForbidden, "this site may not post to the form")
		return
	}
	cors(w, f, r)
	addr := api.ClientAddress(r, h.o.ClientIPHeader)
	if ok, retry := h.buckets.Take(f.PublicID + "|" + addr); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		h.refuse(w, r, js, http.StatusTooManyRequests, locale.For(f.Language).T("webform.too_many"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, inbox.MaxSubmit+16<<10)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, js, http.StatusRequestEntityTooLarge, "the submission is too large")
			return
		}
		h.refuse(w, r, js, http.StatusBadRequest, "the submission is not a form")
		return
	}
	res, err := h.o.Inbox.Submit(r.Context(), f, inbox.Submission{Values: r.PostForm, Address: addr, Referrer: r.Referer()})
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Code == fault.EINVALID {
		if js {
			writeJSON(w, http.StatusBadRequest, map[string]any{"status": "invalid", "errors": fe.Fields})
			return
		}
		h.render(w, r, f, http.StatusBadRequest, r.PostForm, fe.Fields)
		return
	}
	if err != nil {
		h.o.Log.Error("web form submission", "form", f.PublicID, "err", err)
		h.refuse(w, r, js, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError))
		return
	}
	if res.Spam {
		h.o.Log.Info("web form submission kept as spam", "form", f.PublicID, "request", res.RequestID)
	}
	p := locale.For(f.Language)
	thanks := firstNonEmpty(f.ThankYou, p.T("webform.thanks"))
	if js {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "thank_you": thanks, "redirect_url": f.RedirectURL})
		return
	}
	if f.RedirectURL != "" {
		http.Redirect(w, r, f.RedirectURL, http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	execute(w, f.Language, view{Lang: f.Language, Title: f.Name, ThankYou: thanks, Done: true})
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, js bool, status int, msg string) {
	if js {
		writeJSON(w, status, map[string]any{"status": "refused", "message": msg})
		return
	}
	http.Error(w, msg, status)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// token answers a fresh token and the proof of work asked, for the
// embed script; CORS lets the form's sites read it.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	if !allowed(f, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	cors(w, f, r)
	writeJSON(w, http.StatusOK, map[string]any{"token": f.Token(h.o.Now()), "proof_of_work": f.ProofOfWork})
}

func (h *Handler) embedScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write([]byte(script))
}

// snippet answers the HTML to paste into a site: a plain form that posts
// without JavaScript, and the optional script that adds the token, the
// proof of work and the campaign tags.
func (h *Handler) snippet(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(Snippet(f, self(r))))
}

// Snippet is the embed code of f served from base (e.g.
// https://crm.example.com).
func Snippet(f inbox.Form, base string) string {
	p := locale.For(f.Language)
	var b strings.Builder
	esc := template.HTMLEscapeString
	b.WriteString(`<form method="post" action="` + esc(base) + `/f/` + esc(f.PublicID) + `" data-rapport-form="` + esc(f.PublicID) + `">` + "\n")
	for _, fl := range f.Fields {
		req := ""
		if fl.Required {
			req = " required"
		}
		b.WriteString(`  <label>` + esc(fl.Label) + "<br>\n")
		if fl.Type == "textarea" {
			b.WriteString(`    <textarea name="` + esc(fl.Name) + `"` + req + `></textarea></label><br>` + "\n")
		} else {
			b.WriteString(`    <input type="` + inputType(fl.Type) + `" name="` + esc(fl.Name) + `"` + req + `></label><br>` + "\n")
		}
	}
	if f.ConsentText != "" {
		b.WriteString(`  <label><input type="checkbox" name="_consent" value="yes" required> ` + esc(f.ConsentText) + `</label><br>` + "\n")
	}
	b.WriteString(`  <div style="position:absolute;left:-10000px" aria-hidden="true"><input type="text" name="_hp" tabindex="-1" autocomplete="off"></div>` + "\n")
	b.WriteString(`  <button type="submit">` + esc(p.T("webform.send")) + `</button>` + "\n</form>\n")
	b.WriteString(`<script src="` + esc(base) + `/f/embed.js" async></script>` + "\n")
	return b.String()
}
