package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/access"
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

	// The header: notifications, quick add, the command menu, shortcuts,
	// the caller screen.

	// Lists: views, filters, inline edit, bulk actions.

	// Settings and the user's own preferences.

	// Settings: people and security.
	mux.Handle("GET /settings/users", s.adminOnly(s.usersList))
	mux.Handle("POST /settings/users", s.adminOnly(s.addUser))
	mux.Handle("POST /settings/users/{id}/role", s.adminOnly(s.changeUser))
	mux.Handle("GET /settings/users/{id}/deactivate", s.adminOnly(s.deactivateForm))
	mux.Handle("POST /settings/users/{id}/deactivate", s.adminOnly(s.deactivateUser))
	mux.Handle("POST /settings/users/{id}/reactivate", s.adminOnly(s.reactivateUser))
	mux.Handle("GET /settings/teams", s.adminOnly(s.teamsList))
	mux.Handle("POST /settings/teams", s.adminOnly(s.addTeam))
	mux.Handle("POST /settings/teams/{id}/edit", s.adminOnly(s.changeTeam))
	mux.Handle("POST /settings/teams/{id}/members", s.adminOnly(s.addMember))
	mux.Handle("POST /settings/teams/{id}/members/{user}/remove", s.adminOnly(s.removeMember))
	mux.Handle("POST /settings/teams/{id}/delete", s.adminOnly(s.deleteTeam))
	mux.Handle("GET /settings/roles", s.adminOnly(s.rolesList))
	mux.Handle("POST /settings/roles", s.adminOnly(s.addRole))
	mux.Handle("GET /settings/roles/{name}/edit", s.adminOnly(s.roleGrid))
	mux.Handle("POST /settings/roles/{name}/edit", s.adminOnly(s.saveRole))
	mux.Handle("POST /settings/roles/{name}/delete", s.adminOnly(s.deleteRole))
	mux.Handle("GET /settings/audit", s.adminOnly(s.auditTrail))
	mux.Handle("GET /settings/jobs", s.adminOnly(s.jobsList))
	// Everyone's own: API tokens, and the page of their preferences,
	// two-factor sign-in and sessions.
	mux.Handle("GET /settings/tokens", s.signedIn(s.tokensList))
	mux.Handle("POST /settings/tokens", s.signedIn(s.addToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", s.signedIn(s.revokeToken))
	mux.Handle("GET /me", s.signedIn(s.mePage))
	mux.Handle("POST /me", s.signedIn(s.saveMe))
	mux.Handle("POST /me/totp", s.signedIn(s.beginTOTP))
	mux.Handle("POST /me/totp/confirm", s.signedIn(s.confirmTOTP))
	mux.Handle("POST /me/totp/off", s.signedIn(s.disableTOTP))
	mux.Handle("POST /me/sessions/end", s.signedIn(s.signOutOthers))

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

	// The header's pages.

	// Lists.

	// Settings.

	// Settings: people and security.
	"settings_users": func(p *locale.Printer) page {
		return &usersPage{frame: frame{Nav: "settings"}, Notice: p.T("web.people.done.added"), Problem: p.T("web.people.conflict"),
			Roles: []formOption{{Value: "salesperson", Label: p.T("web.people.role.salesperson")}}, Teams: []formOption{{Value: "1", Label: "North <b>"}},
			Users: []userRow{{ID: "1", Name: "Ada <b>Lovelace", Email: "ada@example.com", Role: "salesperson", RoleLabel: p.T("web.people.role.salesperson"),
				TeamID: "1", Team: "North <b>", Active: true, TwoFactor: true}, {ID: "2", Name: "Charles", Email: "cb@example.com"}},
			Add:    newUserForm{Name: "Mary", Email: "mary@", Role: "salesperson"},
			Errors: map[string]string{"email": p.FieldError(fault.FieldError{Field: "email", Code: "email"})}}
	},
	"settings_deactivate": func(p *locale.Printer) page {
		return &deactivatePage{frame: frame{Nav: "settings"}, ID: "2", Name: "Charles <b>", Email: "cb@example.com",
			Others: []formOption{{Value: "1", Label: "Ada <b>Lovelace"}}, ReassignTo: "1", Problem: p.T("web.people.conflict")}
	},
	"settings_teams": func(p *locale.Printer) page {
		return &teamsPage{frame: frame{Nav: "settings"}, Notice: p.T("web.people.done.saved"), Problem: p.T("web.people.conflict"),
			Users: []formOption{{Value: "1", Label: "Ada <b>Lovelace"}}, NewName: "South",
			Teams:  []teamRow{{ID: "1", Name: "North <b>", ManagerID: "1", Manager: "Ada <b>Lovelace", Members: []formOption{{Value: "1", Label: "Ada <b>Lovelace"}}}},
			Errors: map[string]string{"name": p.FieldError(fault.FieldError{Field: "name", Code: "duplicate"})}}
	},
	"settings_roles": func(p *locale.Printer) page {
		return &rolesPage{frame: frame{Nav: "settings"}, Notice: p.T("web.people.done.deleted"), Problem: p.T("web.people.conflict"),
			Roles:  []roleRow{{Name: "salesperson", Label: p.T("web.people.role.salesperson"), Builtin: true}, {Name: "intern", Label: "Intern <b>"}},
			New:    newRoleForm{Name: "Intern", From: "salesperson"},
			Errors: map[string]string{"name": p.FieldError(fault.FieldError{Field: "name", Code: "format"})}}
	},
	"settings_role": func(p *locale.Printer) page {
		v := &visit{p: p}
		return &rolePage{frame: frame{Nav: "settings"}, Name: "intern", Label: "Intern <b>", Notice: p.T("web.people.done.saved"),
			Problem: p.T("web.people.conflict"), Actions: []formOption{{Value: "read", Label: actionLabel(v, access.Read)}},
			Objects: []grantRow{{Object: "contact", Label: accessObjectLabel(v, "contact"), Cells: []grantCell{
				{Name: "grant.contact.read", Action: actionLabel(v, access.Read), Scope: "own", Scopes: scopeChoices(v, "contact")}}}},
			FieldRules: []fieldRuleGroup{{Object: "contact", Label: accessObjectLabel(v, "contact"),
				Fields: []fieldRuleRow{{Name: "phones", Label: fieldLabel(p, "phones"), Rule: "hidden"}}}}}
	},
	"settings_tokens": func(p *locale.Printer) page {
		return &tokensPage{frame: frame{Nav: "settings"}, Secret: "rpt_1_secret", Name: "Zapier <b>", Scope: "read",
			Notice: p.T("web.people.done.revoked"), Problem: p.T("web.people.conflict"),
			Tokens: []tokenRow{{ID: "1", Name: "Zapier <b>", Scope: p.T("web.people.tokens.read"), Created: "today", LastUsed: "now"}},
			Errors: map[string]string{"name": p.FieldError(fault.FieldError{Field: "name", Code: "required"})}}
	},
	"settings_audit": func(p *locale.Printer) page {
		return &auditPage{frame: frame{Nav: "settings"}, Filter: auditFilterForm{Object: "contact", UserID: "1", From: "2026-01-01"},
			Users: []formOption{{Value: "1", Label: "Ada <b>Lovelace"}}, More: "/settings/audit?cursor=x",
			Entries: []auditRow{{At: "today", Who: "Ada <b>Lovelace", Address: "192.0.2.1", Action: p.T("web.people.audit.update"),
				Object: "contact", RecordID: "7", Changes: []auditChange{{Field: "first_name", Before: "Ada", After: "<script>"}}}},
			Errors: map[string]string{"to": p.FieldError(fault.FieldError{Field: "to", Code: "type"})}}
	},
	"settings_jobs": func(p *locale.Printer) page {
		v := &visit{p: p}
		return &jobsPage{frame: frame{Nav: "settings"}, Status: "dead", Statuses: jobStatuses(v), More: "/settings/jobs?cursor=1",
			Problem: p.T("web.people.jobs.bad_filter"),
			Jobs: []jobRow{{ID: "1", Kind: "webhook", Status: p.T("web.people.jobs.dead"), RunAt: "today",
				LastError: "<b>timeout", Attempts: 10, MaxAttempts: 10}}}
	},
	"me": func(p *locale.Printer) page {
		qr, _ := qrSVG("otpauth://totp/Rapport:ada@example.com?secret=JBSWY3DPEHPK3PXP", p.T("web.people.me.qr"))
		return &mePage{frame: frame{Nav: "me"}, Name: "Ada <b>", Language: p.Lang(), TimeZone: "Europe/London", Zones: timeZones,
			Enrol: &enrolView{Secret: "JBSWY3DPEHPK3PXP", QR: qr}, TOTPError: p.T("web.signin.wrong_code"),
			Notice: p.T("web.people.done.totp_on"), Problem: p.T("web.people.conflict"),
			Errors:   map[string]string{"name": p.FieldError(fault.FieldError{Field: "name", Code: "required"})},
			Sessions: []sessionRow{{ID: "1", Device: "Firefox", Address: "192.0.2.1", LastSeen: "now", Current: true}, {ID: "2", Device: "<b>"}}}
	},

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
				{Label: fieldLabel(p, "first_name"), Values: []string{"Ada"}}, {Label: "Interest"}}}}}
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
