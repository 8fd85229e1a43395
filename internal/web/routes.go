package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// Handler returns the web app's handler, to be mounted at / beside the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// Pages anyone may see: set-up (only while there is no user), sign-in
	// and the language picker. The rest need a session.
	mux.Handle("GET /{$}", s.open(s.home))
	mux.Handle("GET /search", s.signedIn(s.searchRecords))
	mux.Handle("POST /setup", s.open(s.setUp))
	mux.Handle("GET /signin", s.open(s.signInPage))
	mux.Handle("POST /signin", s.open(s.signIn))
	mux.Handle("POST /signin/code", s.open(s.signInCode))
	// The language picker comes back to the address of the page it was
	// on, which for a form that failed is the address it posted to.
	mux.Handle("GET /setup", s.open(s.home))
	mux.Handle("GET /signin/code", s.open(s.signInPage))
	mux.Handle("GET /forgot", s.open(s.forgotForm))
	mux.Handle("POST /forgot", s.open(s.forgot))
	mux.Handle("GET "+account.ResetPath, s.open(s.resetForm))
	mux.Handle("POST "+account.ResetPath, s.open(s.reset))
	mux.Handle("POST /language", s.open(s.chooseLanguage))
	mux.Handle("POST /signout", s.signedIn(s.signOut))
	mux.Handle("POST /tasks/{id}/done", s.signedIn(s.completeTask))
	// The pipeline board and the dashboard.

	// Record pages: the timeline, its composer, following.
	mux.Handle("GET /{object}/{id}/timeline", s.signedIn(s.timelinePage))
	mux.Handle("POST /{object}/{id}/timeline", s.signedIn(s.compose))
	mux.Handle("POST /{object}/{id}/follow", s.signedIn(s.followRecord))
	mux.Handle("GET /mentions", s.signedIn(s.mentions))
	mux.Handle("GET /me/notifications", s.signedIn(s.notificationSettings))
	mux.Handle("POST /me/notifications", s.signedIn(s.saveNotificationSettings))

	// The header: notifications, quick add, the command menu, shortcuts,
	// the caller screen.

	// Lists: views, filters, inline edit, bulk actions.

	// Settings and the user's own preferences.

	// Forms of deals, tasks and products; duplicates and merging.

	mux.Handle("GET /{object}", s.signedIn(s.list))
	mux.Handle("GET /{object}/{id}", s.signedIn(s.record))
	// The form of a new record has an address per object, as /static/new
	// is an asset's.
	for plural := range views {
		mux.Handle("GET /"+plural+"/new", s.signedIn(s.newForm))
		mux.Handle("POST /"+plural+"/new", s.signedIn(s.create))
	}
	mux.Handle("GET /{object}/{id}/edit", s.signedIn(s.editForm))
	mux.Handle("POST /{object}/{id}/edit", s.signedIn(s.save))
	mux.Handle("GET /static/{file}", http.HandlerFunc(s.assets.serve))
	mux.Handle("/", s.open(s.notFound))
	return s.observe(secure(mux))
}

// pages declares every page: its template in templates/pages/<name>.html
// and an example of its data in the language of p, which the tests render
// in every language.
var pages = map[string]func(p *locale.Printer) page{
	// The pipeline board and the dashboard.

	// Record pages.
	"notification_settings": func(p *locale.Printer) page {
		return &notificationSettingsPage{Saved: true, Kinds: []kindChoice{
			{Kind: "assigned", Label: p.T("web.mailprefs.assigned"), Mail: true}, {Kind: "mentioned", Label: p.T("web.mailprefs.mentioned")}}}
	},

	// The header's pages.

	// Lists.

	// Settings.

	// Forms and merging.

	"search": func(p *locale.Printer) page {
		return &searchPage{frame: frame{Nav: "search"}, Query: "ada", Groups: []hitGroup{
			{ID: "search-group-contacts", Title: p.T("object.contacts.name"),
				Hits: []hitView{{Href: "/contacts/1", Title: "Ada <b>Lovelace</b>", Subtitle: "ada@example.com"}}}}}
	},
	"setup": func(p *locale.Printer) page {
		page := newSetUpPage(p.Lang(), "GB")
		page.Errors = map[string]string{"email": p.FieldError(fault.FieldError{Field: "email", Code: "email"})}
		return page
	},
	"signin": func(p *locale.Printer) page {
		return &signInPage{Email: "ada@example.com", Next: "/contacts", Problem: p.T("web.signin.wrong"), Notice: p.T("web.reset.done")}
	},
	"signin_code": func(p *locale.Printer) page {
		return &signInCodePage{Token: "t", Next: "/contacts", Problem: p.T("web.signin.wrong_code")}
	},
	"list": func(p *locale.Printer) page {
		view := views["contacts"]
		fields := map[string]*records.Field{"full_name": {Name: "full_name", Sortable: true}, "emails": {Name: "emails"}}
		return &listPage{frame: frame{Nav: "contacts"}, Plural: "contacts", Title: p.T("object.contacts.name"),
			Columns: columnsFor(p, view, fields, "full_name"),
			Rows:    []row{{ID: "1", Name: "Ada <b>Lovelace</b>", Cells: [][]string{{"ada@example.com"}, {"+44 20 7946 0958"}}}},
			More:    "/contacts?cursor=x"}
	},
	"record": func(p *locale.Printer) page {
		return &recordPage{frame: frame{Nav: "contacts"}, Plural: "contacts", List: p.T("object.contacts.name"),
			Name: "Ada Lovelace", Created: "yesterday", Updated: "today",
			Groups: []fieldGroup{{Title: p.T("web.group.person"), Fields: []shownField{
				{Label: fieldLabel(p, "first_name"), Values: []string{"Ada"}}, {Label: "Interest"}}}},
			Follow: "/contacts/1/follow", Following: true,
			Related: []relatedGroup{{ID: "related-deals", Title: p.T("object.deals.name"),
				Items: []relatedItem{{Name: "Engine <b>order</b>", Href: "/deals/1", Meta: "£1,000.00"}}, More: "/deals?f0=contacts", Rest: 2}},
			Stages: []stageStay{{Stage: "Proposal", Entered: "today"}, {Stage: "Qualified", Entered: "yesterday", Left: "today"}},
			Composer: &composer{Action: "/contacts/1/timeline", Tab: "call", Values: map[string]string{"minutes": "x"},
				Errors:  map[string]string{"minutes": p.FieldError(fault.FieldError{Field: "minutes", Code: "type"})},
				Problem: p.T("web.form.invalid"), Users: []formOption{{Value: "1", Label: "Ada"}}, Mentions: []formOption{{Value: "2", Label: "Sam"}}},
			Timeline: &timelineView{More: "/contacts/1/timeline?cursor=x", Items: []timelineItem{
				{ID: "note-1", Kind: "note", Label: p.T("web.timeline.note"), Text: "<p>Hello <a href=\"mailto:sam@example.com\">@Sam</a></p>",
					When: "today", Who: "Ada", About: "Engine order", AboutHref: "/deals/1"},
				{ID: "task-2", Kind: "task", Label: p.T("web.timeline.task"), Title: "Call", Facts: []string{p.T("web.timeline.done")}, Done: true}}},
			Mentions: []mentionOption{{ID: "2", Name: "Sam <b>", Email: "sam@example.com"}}}
	},
	"form": func(p *locale.Printer) page {
		data := &formPage{frame: frame{Nav: "contacts"}, Plural: "contacts", List: p.T("object.contacts.name"),
			Title: p.T("web.form.edit_title", "name", "Ada Lovelace"), Action: "/contacts/1/edit", Cancel: "/contacts/1",
			Version: 2, Conflict: true, Problems: []string{p.T("web.form.failed")},
			Fields: formFields(p, views["contacts"], []*records.Field{{Name: "first_name", Type: records.Text},
				{Name: "emails", Type: records.Email}, {Name: "source", Type: records.Select, Options: records.Sources},
				{Name: "vip", Label: "VIP", Type: records.Boolean, Custom: true, Required: true}})}
		fillFrom(data.Fields, records.Record{"first_name": "Ada", "emails": []any{map[string]any{"value": "ada@example.com", "label": "work"}}, "vip": true})
		data.Fields[0].Inputs[0].Error = p.FieldError(fault.FieldError{Field: "first_name", Code: "required"})
		data.Fields[0].Theirs = []string{"Augusta"}
		return data
	},
	"forgot": func(p *locale.Printer) page { return &forgotPage{Email: "ada@example.com", Sent: true} },
	"reset": func(p *locale.Printer) page {
		return &resetPage{Problem: p.T("web.reset.expired"),
			Errors: map[string]string{"password": p.FieldError(fault.FieldError{Field: "password", Code: "too_short"})}}
	},
	"myday": func(p *locale.Printer) page {
		return &myDayPage{frame: frame{Nav: "myday"}, Groups: []taskGroup{
			{ID: "overdue", Title: p.T("web.myday.overdue"), Tasks: []dueTask{
				{ID: "1", Version: 1, Title: "Call <b>Lovelace", Due: "yesterday", About: "Ada <b>Lovelace", AboutHref: "/contacts/1"}}},
			{ID: "today", Title: p.T("web.myday.today"), Tasks: []dueTask{
				{ID: "2", Version: 3, Title: "Send the offer", Due: "today", About: "Engine <b>Lovelace"}}}}}
	},
	"problem": func(p *locale.Printer) page {
		return &problemPage{Title: p.T("web.problem.not_found.title"), Text: p.T("web.problem.not_found.text"), RequestID: "abc"}
	},
}
