package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/locale"
)

//go:embed templates
var templateFiles embed.FS

// page is what every page's data gives the layout: the frame around it.
type page interface{ base() *frame }

// frame is the part of every page that the layout draws: the language and
// its picker, the signed-in user, the CSRF token, the bundled assets.
type frame struct {
	Lang      string
	Languages []languageChoice
	Here      string // the path the language picker comes back to
	User      *userView
	CSRF      string
	Assets    assetNames
	Nav       string // the navigation entry of the page, e.g. "contacts"
}

func (f *frame) base() *frame { return f }

type languageChoice struct {
	Tag, Name string
}

// userView is the signed-in user as the frame shows them.
type userView struct {
	Name, Email string
	Admin       bool // an administrator, who has the settings
}

// embeddedPages parses the embedded templates once per process and gives
// every Server the same set, which they only execute (safe from many
// goroutines at once). A process has one Server, but the tests make one
// per test, and parsing each page once per language takes seconds with the
// race detector on.
var embeddedPages = sync.OnceValues(func() (*pageSet, error) {
	return parsePages(templateFiles)
})

// pageSet is the page templates: the layout and partials parsed once per
// language (with that language's functions), and each page parsed into a
// copy of them the first time it is shown in that language. Every page of
// every language parsed at start held about 200 MB of copied parse trees
// (79 pages, 6 languages), most of them for pages in languages a server
// never shows.
type pageSet struct {
	pages map[string]map[string]func() (*template.Template, error) // by language, then page
}

// page returns the template of page name in language lang.
func (p *pageSet) page(lang, name string) (*template.Template, error) {
	get, ok := p.pages[lang][name]
	if !ok {
		return nil, fmt.Errorf("web: no page %q in language %q", name, lang)
	}
	return get()
}

// parsePages reads the templates of fsys. A page template without a
// declaration in pages, or a declaration without a template, is an error,
// and so is a template that does not parse: every page is parsed once
// here, in the first language, and the parse let go.
func parsePages(fsys fs.FS) (*pageSet, error) {
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	var found []string
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if _, ok := pages[name]; !ok {
			return nil, fmt.Errorf("web: template %s has no page declared in pages (routes.go)", f)
		}
		found = append(found, name)
	}
	for name := range pages {
		if !slices.Contains(found, name) {
			return nil, fmt.Errorf("web: page %q is declared but templates/pages/%s.html is missing", name, name)
		}
	}
	set := &pageSet{pages: map[string]map[string]func() (*template.Template, error){}}
	for i, lang := range locale.Languages {
		shared, err := template.New("").Funcs(locale.For(lang).Funcs()).Funcs(helpers).
			ParseFS(fsys, "templates/layout/*.html", "templates/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		parse := func(name string) (*template.Template, error) {
			t, err := shared.Clone()
			if err == nil {
				t, err = t.ParseFS(fsys, "templates/pages/"+name+".html")
			}
			if err != nil {
				return nil, fmt.Errorf("web: %w", err)
			}
			return t, nil
		}
		set.pages[lang] = map[string]func() (*template.Template, error){}
		for _, name := range found {
			if i == 0 {
				if _, err := parse(name); err != nil {
					return nil, err
				}
			}
			set.pages[lang][name] = sync.OnceValues(func() (*template.Template, error) { return parse(name) })
		}
	}
	return set, nil
}

// render answers with the named page, drawn with data in the visit's
// language. It renders into a buffer first, so that a template error
// becomes an error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name string, data page) {
	s.fill(r, v, data.base())
	s.write(w, r, v, status, name, "layout", data)
}

// fragment answers with one named template of a page, for htmx to swap
// in.
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, v *visit, name, tmpl string, data page) {
	s.fill(r, v, data.base())
	s.write(w, r, v, http.StatusOK, name, tmpl, data)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, v *visit, status int, name, tmpl string, data any) {
	t, err := s.pages.page(v.lang, name)
	var buf bytes.Buffer
	if err == nil {
		err = t.ExecuteTemplate(&buf, tmpl, data)
	}
	if err != nil {
		s.logger(r).Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.lang)
	w.Header().Set("Vary", "Cookie, Accept-Language, HX-Request")
	body := compress(w, r, buf.Bytes())
	serverTiming(w, r)
	w.WriteHeader(status)
	w.Write(body)
}

// fill completes the frame from the visit.
func (s *Server) fill(r *http.Request, v *visit, f *frame) {
	f.Lang = v.lang
	f.Here = r.URL.RequestURI()
	f.Assets = s.assets.names
	f.Languages = languageChoices()
	if v.user != nil {
		f.User = &userView{Name: v.user.Name, Email: v.user.Email, Admin: s.administers(r)}
		f.CSRF = v.session.CSRFToken
	}
}

func languageChoices() []languageChoice {
	out := make([]languageChoice, 0, len(locale.Languages))
	for _, l := range locale.Languages {
		out = append(out, languageChoice{Tag: l, Name: locale.For(l).Name()})
	}
	return out
}

// helpers are the template functions besides the catalogue's.
var helpers = template.FuncMap{
	// field picks the error of one input out of a form's errors.
	"field": func(errs map[string]string, name string) fieldProblem {
		return fieldProblem{ID: name + "-error", Text: errs[name]}
	},
}

// fieldProblem is the error of one input: its text, and the id of the
// paragraph that shows it, which the input names in aria-describedby.
type fieldProblem struct {
	ID, Text string
}
