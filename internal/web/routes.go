package web

import (
	"net/http"
	"time"

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
	mux.Handle("GET /board", s.signedIn(s.board))
	mux.Handle("GET /board/more", s.signedIn(s.boardColumnPage))
	mux.Handle("POST /board/deals/{id}/move", s.signedIn(s.moveDeal))
	mux.Handle("GET /dashboard", s.signedIn(s.dashboard))

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
	mux.Handle("GET /lists", s.signedIn(s.userLists))
	mux.Handle("POST /{object}/views", s.signedIn(s.saveView))
	mux.Handle("POST /list-views/{id}/rename", s.signedIn(s.renameView))
	mux.Handle("POST /list-views/{id}/delete", s.signedIn(s.deleteView))
	mux.Handle("POST /{object}/bulk", s.signedIn(s.bulk))
	// A cell's field is in the query, so that these routes overlap no
	// other part's /{object}/{id}/{action}/{x}.
	mux.Handle("GET /{object}/{id}/cell", s.signedIn(s.cell))
	mux.Handle("POST /{object}/{id}/cell", s.signedIn(s.saveCell))

	// Settings and the user's own preferences.

	// Forms of deals, tasks and products; duplicates and merging.
	mux.Handle("GET /pick/{object}", s.signedIn(s.pick))
	mux.Handle("POST /deals/form", s.signedIn(s.refresh))
	mux.Handle("POST /deals/{id}/items", s.signedIn(s.addLineItem))
	mux.Handle("POST /deals/{id}/items/{n}", s.signedIn(s.changeLineItem))
	for _, plural := range []string{"contacts", "companies"} {
		mux.Handle("POST /"+plural+"/duplicates", s.signedIn(s.checkDuplicates))
		mux.Handle("GET /"+plural+"/{id}/merge", s.signedIn(s.withObject(plural, s.mergeForm)))
		mux.Handle("POST /"+plural+"/{id}/merge", s.signedIn(s.withObject(plural, s.merge)))
	}

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
	"board": func(p *locale.Printer) page {
		head := stageHead{ID: "1", Name: "Qualified <b>", Count: 2, Sum: p.Money("1250.00", "EUR"), Weighted: p.Money("250.00", "EUR"),
			Unconverted: "USD"}
		return &boardPage{frame: frame{Nav: "board"}, Pipeline: "1", Filter: boardFilter{Owner: "mine", Text: "<b>"},
			Pipelines: []choice{{Value: "1", Label: "New <b>", Current: true}, {Value: "2", Label: "Repeat"}},
			Columns: []boardColumn{{Head: head, More: "/board/more?stage=1&cursor=x", Cards: []boardCard{
				{ID: "1", Version: 2, Title: "Engine <b>", Value: p.Money("1000.00", "EUR"), Company: "Lovelace <b>",
					Task: "Call <b>", TaskDue: "today", IdleDays: 12},
				{ID: "2", Version: 1}}}}}
	},
	"dashboard": func(p *locale.Printer) page {
		return &dashboardPage{frame: frame{Nav: "dashboard"},
			Scopes:    []choice{{Value: "mine", Label: p.T("web.dashboard.scope_mine")}, {Value: "all", Label: p.T("web.dashboard.scope_all"), Current: true}},
			Won:       outcomeView{Count: 3, Sum: p.Money("3000.00", "EUR")},
			Lost:      outcomeView{Count: 1},
			TasksDone: p.T("web.dashboard.at_least", "count", 500),
			Pipelines: []dashPipeline{{ID: "1", Name: "New <b>", Stages: []dashStage{
				{Name: "Qualified <b>", Count: 2, Sum: p.Money("1250.00", "EUR"), Weighted: p.Money("250.00", "EUR"), SumWidth: 100, WeightedWidth: 20}}}}}
	},

	// Record pages.
	"notification_settings": func(p *locale.Printer) page {
		return &notificationSettingsPage{Saved: true, Kinds: []kindChoice{
			{Kind: "assigned", Label: p.T("web.mailprefs.assigned"), Mail: true}, {Kind: "mentioned", Label: p.T("web.mailprefs.mentioned")}}}
	},

	// The header's pages.

	// Lists.
	"list": func(p *locale.Printer) page {
		view := views["contacts"]
		fields := map[string]*records.Field{"full_name": {Name: "full_name", Sortable: true},
			"emails": {Name: "emails", Type: records.Email, Filters: []records.Op{records.Eq, records.Contains}},
			"vip":    {Name: "vip", Label: "VIP <b>", Type: records.Boolean, Custom: true, Filters: []records.Op{records.Eq, records.Empty}}}
		order := []*records.Field{fields["full_name"], fields["emails"], fields["vip"]}
		q := listQuery{Columns: []string{"full_name", "emails", "vip"}, Sort: "full_name", Match: "and", Groups: map[int]string{1: "or"},
			Conds: []condition{{Field: "emails", Op: "contains", Values: []string{"example"}},
				{Field: "vip", Op: "eq", Values: []string{"true"}, Group: 1}, {Group: 1}}}
		st := &listState{view: view, fields: fields, order: order, q: q, cols: chosenColumns(view, fields, q.Columns),
			users: []formOption{{Value: "1", Label: "Ada <b>Lovelace"}}}
		v := &visit{p: p}
		data := &listPage{frame: frame{Nav: "contacts"}, Plural: "contacts", Title: p.T("object.contacts.name"),
			Columns: columnsFor(p, view, fields, st.cols, q), Address: q.address("contacts"), Clear: "/contacts", Filtered: true,
			Rows: []row{{ID: "1", Name: "Ada <b>Lovelace</b>", Cells: []cell{{Values: []string{"ada@example.com"}},
				{Values: []string{p.T("web.value.yes")}, Edit: "/contacts/1/cell?field=vip", Label: "VIP"}}}},
			More: "/contacts?cursor=x", Count: countText(p, 10001), CountHref: "/contacts?count=1",
			Picker: columnPicker(p, view, fields, order, st.cols),
			Views: viewMenu{Items: []viewItem{{ID: "1", Name: "Mine <b>", Href: "/contacts?view=1", Current: true, Mine: true},
				{ID: "2", Name: "Team's", Href: "/contacts?view=2", Shared: p.T("web.lists.views.team")}},
				Current: "Mine <b>", Error: p.FieldError(fault.FieldError{Field: "name", Code: "required"})},
			Bulk:   bulkForm{Action: "/contacts/bulk", Owners: st.users, Tags: true, Stages: []formOption{{Value: "1", Label: "Sales · Won"}}},
			Result: &bulkResult{Done: p.N("web.lists.bulk.done", 2), Refused: []refusal{{Name: "Ada <b>", Why: p.T("web.lists.bulk.forbidden")}}}}
		var problems []string
		data.Builder = newBuilder(v, st, map[string]int{"filter.and[0]": 0}, []fault.FieldError{{Field: "filter.and[0].value", Code: "required"},
			{Field: "sort", Code: "sortable", Message: "cannot sort"}}, &problems)
		data.Problems = problems
		return data
	},
	"lists": func(p *locale.Printer) page {
		return &listsPage{frame: frame{Nav: "lists"}, Lists: []listLink{{Href: "/suppliers", Label: "Suppliers <b>"}}}
	},

	// Settings.

	// Forms and merging.
	"merge": func(p *locale.Printer) page {
		return &mergePage{frame: frame{Nav: "contacts"}, Plural: "contacts", List: p.T("object.contacts.name"),
			Title: p.T("web.merge.title", "name", "Ada <b>Lovelace</b>"), Action: "/contacts/1/merge", Swap: "/contacts/2/merge?with=1",
			Keep:     mergeSide{ID: "1", Name: "Ada <b>Lovelace</b>", Href: "/contacts/1", Updated: "today"},
			Other:    mergeSide{ID: "2", Name: "A. Lovelace", Href: "/contacts/2", Updated: "yesterday"},
			Rows:     []mergeRow{{Name: "job_title", Label: fieldLabel(p, "job_title"), Keep: []string{"Countess"}, TakeOther: true}},
			Problems: []string{p.T("web.merge.failed")}}
	},

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
			Mentions: []mentionOption{{ID: "2", Name: "Sam <b>", Email: "sam@example.com"}},
			Items:    exampleItems(p), Duplicates: exampleDuplicates()}
	},
	"form": func(p *locale.Printer) page {
		data := &formPage{frame: frame{Nav: "contacts"}, Plural: "contacts", List: p.T("object.contacts.name"),
			Title: p.T("web.form.edit_title", "name", "Ada Lovelace"), Action: "/contacts/1/edit", Cancel: "/contacts/1",
			Version: 2, Conflict: true, Problems: []string{p.T("web.form.failed")},
			Fields: formFields(p, views["contacts"], []*records.Field{{Name: "first_name", Type: records.Text},
				{Name: "emails", Type: records.Email}, {Name: "source", Type: records.Select, Options: records.Sources},
				{Name: "vip", Label: "VIP", Type: records.Boolean, Custom: true, Required: true},
				{Name: "companies", Type: records.Relations, Target: "company"}, {Name: "owner_id", Type: records.User},
				{Name: "budget", Label: "Budget", Type: records.Money, Custom: true},
				{Name: "call_at", Label: "Call at", Type: records.DateTime, Custom: true}}),
			Check: "/contacts/duplicates", Stock: &stockView{Total: "3", Warehouses: []warehouseLevel{{Name: "Main <b>", Quantity: "3"}}}}
		fillFrom(data.Fields, records.Record{"first_name": "Ada", "emails": []any{map[string]any{"value": "ada@example.com", "label": "work"}}, "vip": true,
			"companies": []records.LinkRef{{ID: "1"}}, "budget": map[string]any{"amount": int64(150), "currency": "EUR"}}, time.UTC)
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
