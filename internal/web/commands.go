package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/search"
)

// commandsPage is the command menu: the commands whose words match what
// was typed, and the records that search finds for it. Ctrl+K opens it
// as a dialog, which asks for its results fragment as the user types;
// without our script it is a page.
type commandsPage struct {
	frame
	Query    string
	Commands []commandView
	Groups   []hitGroup
	// Fragment is set when the results fill the dialog's listbox, whose
	// options our script follows or posts; the page posts with forms.
	Fragment bool
}

// commandView is one command: a place to go (Href), or an action posted
// to Post with one field, Name=Value.
type commandView struct {
	ID       string
	Label    string
	Href     string
	Post     string
	Name     string
	Value    string
	Back     string // where a language switch comes back to
	Shortcut string // the keys that do it, as the shortcuts screen lists them
}

// commandHits bounds the records the menu shows beside its commands.
const commandHits = 8

func (s *Server) commandMenu(w http.ResponseWriter, r *http.Request, v *visit) {
	data := &commandsPage{frame: frame{Nav: "commands"}, Query: strings.TrimSpace(r.URL.Query().Get("q")),
		Fragment: r.Header.Get("HX-Request") == "true"}
	data.Commands = matching(commands(v, r.URL.Query().Get("back")), data.Query)
	if s.search != nil && data.Query != "" {
		hits, err := s.search.Search(r.Context(), search.Query{Text: data.Query, Limit: commandHits, Objects: searchedObjects()})
		switch {
		case fault.Code(err) == fault.EINVALID: // too short to search: the commands alone
		case err != nil:
			s.fail(w, r, v, err)
			return
		default:
			data.Groups = groupHits(v, hits)
		}
	}
	if data.Fragment {
		s.fragment(w, r, v, "commands", "command_results", data)
		return
	}
	s.render(w, r, v, http.StatusOK, "commands", data)
}

// commands are every command in the visit's language. back is the page
// a language switch comes back to.
func commands(v *visit, back string) []commandView {
	goTo := func(label, href, keys string) commandView {
		return commandView{Label: v.p.T("web.command.go", "page", label), Href: href, Shortcut: keys}
	}
	out := []commandView{
		goTo(v.p.T("web.myday.title"), "/", "g h"),
		goTo(v.p.T("object.contacts.name"), "/contacts", "g c"),
		goTo(v.p.T("object.companies.name"), "/companies", "g o"),
		goTo(v.p.T("object.deals.name"), "/deals", "g d"),
		goTo(v.p.T("web.command.board"), "/board", "g b"),
		goTo(v.p.T("web.command.dashboard"), "/dashboard", ""),
		goTo(v.p.T("object.tasks.name"), "/tasks", "g t"),
		goTo(v.p.T("object.products.name"), "/products", ""),
		goTo(v.p.T("web.notifications.title"), "/notifications", "g n"),
		goTo(v.p.T("web.command.settings"), "/settings", ""),
	}
	for _, q := range quickAdds(v.p) {
		out = append(out, commandView{Label: q.Command, Href: q.Href, Shortcut: q.Shortcut})
	}
	back = localPath(back, "/")
	for _, l := range locale.Languages {
		if l != v.lang {
			out = append(out, commandView{Label: v.p.T("web.command.language", "language", locale.For(l).Name()),
				Post: "/language", Name: "lang", Value: l, Back: back})
		}
	}
	out = append(out, commandView{Label: v.p.T("web.signout"), Post: "/signout"})
	for i := range out {
		out[i].ID = "command-" + strconv.Itoa(i)
	}
	return out
}

// matching keeps the commands whose label holds every word of query,
// whatever the case.
func matching(all []commandView, query string) []commandView {
	words := strings.Fields(strings.ToLower(query))
	var out []commandView
	for _, c := range all {
		label := strings.ToLower(c.Label)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(label, w)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// quickAdd is one kind of record the header's quick add makes: its form,
// its name in the menu and as a command, and its keys.
type quickAdd struct {
	Href, Label, Command, Shortcut string
}

// quickAdds are the header's quick add, in the order of its menu.
func quickAdds(p *locale.Printer) []quickAdd {
	return []quickAdd{
		{"/contacts/new", p.T("web.quickadd.contact"), p.T("web.command.new_contact"), "n c"},
		{"/companies/new", p.T("web.quickadd.company"), p.T("web.command.new_company"), "n o"},
		{"/deals/new", p.T("web.quickadd.deal"), p.T("web.command.new_deal"), "n d"},
		{"/tasks/new", p.T("web.quickadd.task"), p.T("web.command.new_task"), "n t"},
	}
}
