package web

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/clv"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/value"
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
	// value: begin
	mux.Handle("GET /reports/customers", s.signedIn(s.customerValue))
	mux.Handle("POST /reports/customers/refresh", s.signedIn(s.refreshCustomerValue))
	// value: end
	// reports: begin
	mux.Handle("GET /reports", s.signedIn(s.reportsHub))
	for _, name := range reportNames {
		mux.Handle("GET /reports/"+name, s.signedIn(s.report(name)))
	}
	// reports: end
	// goals: begin
	mux.Handle("GET /goals", s.signedIn(s.goalsList))
	mux.Handle("POST /goals", s.signedIn(s.goalsCreate))
	mux.Handle("POST /goals/{id}/delete", s.signedIn(s.goalsDelete))
	mux.Handle("GET /settings/spend", s.administrators(s.spendPage))
	mux.Handle("POST /settings/spend", s.administrators(s.spendSave))
	mux.Handle("GET /me/digest", s.signedIn(s.digestPage))
	mux.Handle("POST /me/digest", s.signedIn(s.digestSave))
	// goals: end
	// forecast: begin
	mux.Handle("GET /reports/forecast", s.signedIn(s.forecast))
	// forecast: end
	mux.Handle("POST /contacts/import", s.signedIn(s.importVCards)) // vCard
	// inbox: begin
	mux.Handle("GET /inbox", s.signedIn(s.inboxList))
	for _, action := range []string{"accept", "link", "decline"} {
		mux.Handle("POST /inbox/{id}/"+action, s.signedIn(s.inboxSort(action)))
	}
	mux.Handle("GET /settings/forms", s.administrators(s.formsList))
	mux.Handle("GET /settings/phone", s.administrators(s.phoneList))                // phone
	mux.Handle("POST /settings/phone", s.administrators(s.phoneCreate))             // phone
	mux.Handle("POST /settings/phone/{id}/rotate", s.administrators(s.phoneRotate)) // phone
	mux.Handle("POST /settings/phone/{id}/delete", s.administrators(s.phoneDelete)) // phone
	mux.Handle("GET /reports/calls", s.signedIn(s.callsReport))                     // phone
	mux.Handle("POST /call/originate", s.signedIn(s.originate))                     // phone
	mux.Handle("POST /settings/forms", s.administrators(s.formsCreate))
	mux.Handle("POST /settings/forms/{id}/delete", s.administrators(s.formsDelete))
	mux.Handle("GET /settings/chat", s.administrators(s.chatList))
	mux.Handle("GET /settings/chat/new", s.administrators(s.chatEdit))
	mux.Handle("POST /settings/chat", s.administrators(s.chatSave))
	mux.Handle("GET /settings/chat/{id}/edit", s.administrators(s.chatEdit))
	mux.Handle("POST /settings/chat/{id}/edit", s.administrators(s.chatSave))
	mux.Handle("GET /settings/chat/{id}/delete", s.administrators(s.chatAskDelete))
	mux.Handle("POST /settings/chat/{id}/delete", s.administrators(s.chatDelete))
	// inbox: end
	if s.letters != nil {
		mux.Handle("GET /settings/mail-templates", s.administrators(s.lettersList))
		mux.Handle("GET /settings/mail-templates/new", s.administrators(s.letterEdit))
		mux.Handle("POST /settings/mail-templates", s.administrators(s.letterSave))
		mux.Handle("GET /settings/mail-templates/{id}/edit", s.administrators(s.letterEdit))
		mux.Handle("POST /settings/mail-templates/{id}/edit", s.administrators(s.letterSave))
		mux.Handle("POST /settings/mail-templates/{id}/delete", s.administrators(s.letterDelete))
		mux.Handle("GET /letters/new", s.signedIn(s.composeLetter))
		mux.Handle("POST /letters", s.signedIn(s.sendLetter))
		mux.Handle("GET /me/signature", s.signedIn(s.signatureForm))
		mux.Handle("POST /me/signature", s.signedIn(s.saveSignature))
	}

	// Record pages: the timeline, its composer, following.
	mux.Handle("GET /{object}/{id}/timeline", s.signedIn(s.timelinePage))
	mux.Handle("POST /{object}/{id}/timeline", s.signedIn(s.compose))
	mux.Handle("POST /{object}/{id}/follow", s.signedIn(s.followRecord))
	mux.Handle("GET /mentions", s.signedIn(s.mentions))
	mux.Handle("GET /me/notifications", s.signedIn(s.notificationSettings))
	mux.Handle("POST /me/notifications", s.signedIn(s.saveNotificationSettings))

	// The header: notifications, quick add, the command menu, shortcuts,
	// the caller screen.
	mux.HandleFunc("GET /manifest.webmanifest", serveManifest)
	mux.HandleFunc("GET /icons/{file}", serveIcon)
	mux.Handle("GET /notifications", s.signedIn(s.notifications))
	mux.Handle("GET /notifications/panel", s.signedIn(s.notificationPanel))
	mux.Handle("GET /notifications/stream", s.signedIn(s.notificationStream))
	mux.Handle("POST /notifications/read-all", s.signedIn(s.readAllNotifications))
	mux.Handle("POST /notifications/{id}/read", s.signedIn(s.readNotification))
	mux.Handle("GET /notifications/{id}/open", s.signedIn(s.openNotification))
	mux.Handle("GET /commands", s.signedIn(s.commandMenu))
	mux.Handle("GET /shortcuts", s.signedIn(s.shortcuts))
	mux.Handle("GET /call", s.signedIn(s.caller))
	mux.Handle("GET /myday/deals", s.signedIn(s.myDayDeals))

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
	// Settings: sales.
	mux.Handle("GET /settings", s.administrators(s.settingsIndex))
	mux.Handle("GET /settings/workspace", s.administrators(s.setWorkspacePage))
	mux.Handle("POST /settings/workspace", s.administrators(s.setSaveWorkspace))
	mux.Handle("GET /settings/pipelines", s.administrators(s.setPipelinesPage))
	mux.Handle("POST /settings/pipelines", s.administrators(s.setAddPipeline))
	mux.Handle("GET /settings/pipelines/{id}/stages", s.administrators(s.setStagesPage))
	mux.Handle("POST /settings/pipelines/{id}/rename", s.administrators(s.setRenamePipeline))
	mux.Handle("POST /settings/pipelines/{id}/delete", s.administrators(s.setDeletePipeline))
	mux.Handle("POST /settings/pipelines/{id}/stages", s.administrators(s.setAddStage))
	mux.Handle("POST /settings/pipelines/{id}/order", s.administrators(s.setOrderStages))
	mux.Handle("POST /settings/stages/{id}/save", s.administrators(s.setSaveStage))
	mux.Handle("POST /settings/stages/{id}/move", s.administrators(s.setMoveStage))
	mux.Handle("POST /settings/stages/{id}/delete", s.administrators(s.setDeleteStage))
	mux.Handle("GET /settings/loss-reasons", s.administrators(s.setLossPage))
	mux.Handle("POST /settings/loss-reasons", s.administrators(s.setAddLossReason))
	mux.Handle("POST /settings/loss-reasons/order", s.administrators(s.setOrderLossReasons))
	mux.Handle("POST /settings/loss-reasons/{id}/rename", s.administrators(s.setRenameLossReason))
	mux.Handle("POST /settings/loss-reasons/{id}/move", s.administrators(s.setMoveLossReason))
	mux.Handle("POST /settings/loss-reasons/{id}/delete", s.administrators(s.setDeleteLossReason))
	// dupes: begin
	mux.Handle("GET /settings/duplicates", s.administrators(s.dupesSettings))
	mux.Handle("POST /settings/duplicates", s.administrators(s.dupesSaveSettings))
	mux.Handle("POST /settings/duplicates/estimate", s.administrators(s.dupesEstimate))
	mux.Handle("GET /duplicates", s.signedIn(s.dupesGroups))
	mux.Handle("GET /duplicates/review", s.signedIn(s.dupesReview))
	mux.Handle("POST /duplicates/review/decide", s.signedIn(s.dupesDecide))
	// dupes: end
	mux.Handle("GET /settings/fields", s.administrators(s.setFieldsPage))
	mux.Handle("POST /settings/fields", s.administrators(s.setAddField))
	mux.Handle("GET /settings/lists", s.administrators(s.setListsPage))
	mux.Handle("POST /settings/lists", s.administrators(s.setDefineList))
	mux.Handle("GET /settings/currencies", s.administrators(s.setCurrenciesPage))
	mux.Handle("POST /settings/currencies", s.administrators(s.setAddRate))
	mux.Handle("GET /settings/price-lists", s.administrators(s.setPriceListsPage))
	mux.Handle("POST /settings/price-lists", s.administrators(s.setAddPriceList))
	mux.Handle("GET /settings/price-lists/{id}/prices", s.administrators(s.setPriceListPage))
	mux.Handle("POST /settings/price-lists/{id}/prices", s.administrators(s.setSavePrices))
	mux.Handle("GET /settings/stock", s.administrators(s.setStockPage))
	mux.Handle("POST /settings/stock/warehouses", s.administrators(s.setAddWarehouse))
	mux.Handle("POST /settings/stock/{id}/adjust", s.administrators(s.setAdjustStock))

	// Settings: people and security.
	mux.Handle("GET /settings/users", s.administrators(s.usersList))
	mux.Handle("POST /settings/users", s.administrators(s.addUser))
	mux.Handle("POST /settings/users/{id}/role", s.administrators(s.changeUser))
	mux.Handle("GET /settings/users/{id}/deactivate", s.administrators(s.deactivateForm))
	mux.Handle("POST /settings/users/{id}/deactivate", s.administrators(s.deactivateUser))
	mux.Handle("POST /settings/users/{id}/reactivate", s.administrators(s.reactivateUser))
	mux.Handle("GET /settings/teams", s.administrators(s.teamsList))
	mux.Handle("POST /settings/teams", s.administrators(s.addTeam))
	mux.Handle("POST /settings/teams/{id}/edit", s.administrators(s.changeTeam))
	mux.Handle("POST /settings/teams/{id}/members", s.administrators(s.addMember))
	mux.Handle("POST /settings/teams/{id}/members/{user}/remove", s.administrators(s.removeMember))
	mux.Handle("POST /settings/teams/{id}/delete", s.administrators(s.deleteTeam))
	mux.Handle("GET /settings/roles", s.administrators(s.rolesList))
	mux.Handle("POST /settings/roles", s.administrators(s.addRole))
	mux.Handle("GET /settings/roles/{name}/edit", s.administrators(s.roleGrid))
	mux.Handle("POST /settings/roles/{name}/edit", s.administrators(s.saveRole))
	mux.Handle("POST /settings/roles/{name}/delete", s.administrators(s.deleteRole))
	mux.Handle("GET /settings/audit", s.administrators(s.auditTrail))
	mux.Handle("GET /settings/jobs", s.administrators(s.jobsList))
	mux.Handle("GET /settings/webhooks", s.administrators(s.webhooksList))
	mux.Handle("POST /settings/webhooks", s.administrators(s.addWebhook))
	mux.Handle("GET /settings/webhooks/{id}/deliveries", s.administrators(s.webhookDetail))
	for _, action := range []string{"enable", "disable", "rotate", "delete"} {
		mux.Handle("POST /settings/webhooks/{id}/"+action, s.administrators(s.webhookAction(action)))
	}
	mux.Handle("POST /settings/webhooks/{id}/deliveries/{delivery}/replay", s.administrators(s.replayDelivery))
	mux.Handle("GET /settings/assignment", s.administrators(s.assignList))
	mux.Handle("POST /settings/assignment/rules", s.administrators(s.saveRule))
	for _, action := range []string{"up", "down", "delete"} {
		mux.Handle("POST /settings/assignment/rules/{id}/"+action, s.administrators(s.moveRule(action)))
	}
	mux.Handle("POST /settings/assignment/fallback", s.administrators(s.saveFallback))
	mux.Handle("POST /settings/assignment/days-off", s.administrators(s.addDayOff))
	mux.Handle("POST /settings/assignment/days-off/{index}/delete", s.administrators(s.deleteDayOff))
	// Everyone's own: API tokens, and the page of their preferences,
	// two-factor sign-in and sessions.
	mux.Handle("GET /settings/tokens", s.signedIn(s.tokensList))
	mux.Handle("POST /settings/tokens", s.signedIn(s.addToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", s.signedIn(s.revokeToken))
	mux.Handle("GET /settings/mailboxes", s.signedIn(s.mailboxesPage))
	mux.Handle("POST /settings/mailboxes", s.signedIn(s.connectMailbox))
	mux.Handle("POST /settings/mailboxes/ignore", s.signedIn(s.saveIgnores))
	mux.Handle("POST /settings/mailboxes/{id}/sync", s.signedIn(s.syncMailbox))
	mux.Handle("GET /settings/mailboxes/{id}/outgoing", s.signedIn(s.mailboxOutgoing))
	mux.Handle("POST /settings/mailboxes/{id}/outgoing", s.signedIn(s.saveMailboxOutgoing))
	mux.Handle("POST /settings/mailboxes/{id}/disconnect", s.signedIn(s.disconnectMailbox))
	mux.Handle("GET /mail/{id}", s.signedIn(s.mailPage))
	mux.Handle("GET /mail/{id}/attachments/{n}", s.signedIn(s.mailAttachment))
	mux.Handle("GET /me", s.signedIn(s.mePage))
	mux.Handle("POST /me", s.signedIn(s.saveMe))
	mux.Handle("POST /me/totp", s.signedIn(s.beginTOTP))
	mux.Handle("POST /me/totp/confirm", s.signedIn(s.confirmTOTP))
	mux.Handle("POST /me/totp/off", s.signedIn(s.disableTOTP))
	mux.Handle("POST /me/sessions/end", s.signedIn(s.signOutOthers))

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

	// scores: begin
	if s.scores != nil {
		mux.Handle("GET /settings/scores", s.administrators(s.scoresSettings))
		mux.Handle("POST /settings/scores/rules", s.administrators(s.scoresAddRule))
		mux.Handle("POST /settings/scores/rules/{id}/delete", s.administrators(s.scoresDeleteRule))
		mux.Handle("POST /settings/scores/train", s.administrators(s.scoresTrain))
	}
	// scores: end
	// builder: begin
	// The report builder.
	mux.Handle("GET /reports/builder", s.signedIn(s.reportBuilder))
	mux.Handle("GET /reports/builder/export", s.signedIn(s.exportReport))
	mux.Handle("POST /reports/builder/save", s.signedIn(s.saveReport))
	mux.Handle("POST /reports/builder/{id}/delete", s.signedIn(s.deleteReport))
	// builder: end

	s.importRoutes(mux)
	mux.Handle("GET /contacts/{id}/erase", s.signedIn(s.eraseForm))
	mux.Handle("POST /contacts/{id}/erase", s.signedIn(s.erase))
	mux.Handle("GET /{object}", s.signedIn(s.list))
	mux.Handle("GET /{object}/{id}", s.signedIn(s.record))
	// The form of a new record has an address per object, as /static/new
	// is an asset's.
	for plural := range views {
		mux.Handle("GET /"+plural+"/export", s.signedIn(s.withObject(plural, s.exportList)))
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
	// builder: begin
	"builder": examplePage,
	// builder: end
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
				{Name: "Qualified <b>", Count: 2, Sum: p.Money("1250.00", "EUR"), Weighted: p.Money("250.00", "EUR"), SumWidth: 100, WeightedWidth: 20}}}},
			// goals: begin
			Goals: exampleGoals(p), KPIs: noteOn(kpiTiles(&visit{p: p}, goals.KPIs{}), "churn_rate", p.T("web.goals.kpi.as_of", "date", "<b>")),
			Channels: []channelRow{{Source: "Advertising <b>", Spend: p.Money("600.00", "EUR"), New: 2, Cost: p.Money("300.00", "EUR")}},
			// goals: end
		}
	},
	// goals: begin
	"goals": func(p *locale.Printer) page {
		v := &visit{p: p}
		data := &goalsPage{frame: frame{Nav: "goals"}, Period: "2026-12",
			Periods: []choice{{Value: "2026-12", Label: periodLabel(v, "2026-12"), Current: true}, {Value: "2026-Q4", Label: periodLabel(v, "2026-Q4")}},
			Goals:   exampleGoals(p),
			Form: &goalForm{Period: "2026-12", Currency: "EUR", Metrics: []formOption{{Value: "won_value", Label: p.T("web.goals.metric.won_value")}},
				Subjects: []formOption{{Value: "company", Label: p.T("web.goals.company")}, {Value: "user:1", Label: "Ada <b>Lovelace"}}}}
		data.Errors = map[string]string{"add.target": p.FieldError(fault.FieldError{Code: "range"}), "add.for": p.T("web.goals.not_yours")}
		return data
	},
	"settings_spend": func(p *locale.Printer) page {
		data := &spendPage{frame: frame{Nav: "settings"}, Month: "2026-12", Currency: "EUR",
			Sources: []formOption{{Value: "advertising", Label: "Advertising <b>"}},
			Rows:    []spendRow{{Source: "Advertising <b>", Month: "2026-12", Amount: p.Money("1200.00", "EUR")}}}
		data.Errors = map[string]string{"add.amount": p.FieldError(fault.FieldError{Code: "range"})}
		return data
	},
	"digest": func(p *locale.Printer) page {
		return &digestPage{frame: frame{Nav: "me"}, Hour: 7, Saved: true, Problem: p.T("web.goals.digest.too_many"),
			Indicators: []digestChoice{{Value: "kpi:close_rate", Label: p.T("web.goals.kpi.close_rate"), Chosen: true},
				{Value: "goal:1", Label: "Calls <b> · Team"}}}
	},
	// goals: end

	// value: begin
	"value_customers": func(p *locale.Printer) page {
		fit := &value.Fit{Status: "fitted", RFM: true, Base: "EUR", FittedAt: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), End: "2026-12-05",
			RepeatCustomers: 946, MinRepeat: 20, BGNBD: &clv.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4259, LogLik: -9582.43},
			GammaGamma: &clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}}
		eur := func(n int64) *sales.Money { return &sales.Money{Amount: n, Currency: "EUR"} }
		data := valueView(p, value.Report{Object: "contact", Fit: fit, Customers: 2357, Historical: eur(10_000_00), Predicted: eur(4_000_00),
			Segments: []value.Segment{{Segment: "champions", Customers: 300, Predicted: eur(2_500_00)}, {Segment: "lost", Customers: 900}},
			Top:      []value.Top{{ID: "1", Name: "Ada <b>", Segment: "champions", Purchases: 3.2, Alive: 0.93, Value: *eur(320_00)}}}, "contacts")
		data.Refreshed = true
		return data
	},
	// value: end
	// reports: begin
	"reports_hub": func(p *locale.Printer) page {
		return &reportsHubPage{frame: frame{Nav: "reports"}, Reports: reportLinks(p)}
	},
	"reports_summary":   exampleReport("summary"),
	"reports_funnel":    exampleReport("funnel"),
	"reports_cycle":     exampleReport("cycle"),
	"reports_revenue":   exampleReport("revenue"),
	"reports_employees": exampleReport("employees"),
	"reports_events":    exampleReport("events"),
	// reports: end

	// forecast: begin
	"forecast_report": func(p *locale.Printer) page {
		cells := []forecastCellView{{Count: 2, Weighted: p.Money("250.00", "EUR"), Value: p.Money("1250.00", "EUR")}, {}, {}, {}, {}}
		var cats []choice
		for _, c := range records.ForecastCategories {
			cats = append(cats, choice{Value: c, Label: forecastCategoryLabel(p, c)})
		}
		return &forecastPage{frame: frame{Nav: "reports"}, MinHistory: 6, Categories: cats,
			Pipelines: []choice{{Value: "", Label: p.T("web.forecast.all_pipelines")}, {Value: "1", Label: "New <b>", Current: true}},
			Users:     []choice{{Value: "", Label: p.T("web.forecast.all_users"), Current: true}, {Value: "2", Label: "Ada <b>"}},
			Teams:     []choice{{Value: "", Label: p.T("web.forecast.all_teams"), Current: true}},
			Horizons:  []choice{{Value: "6", Label: p.N("web.forecast.months", 6), Current: true}},
			Rows:      []forecastRow{{Month: "Dec 2026", Cells: cells, Sum: p.Money("250.00", "EUR")}},
			Total:     forecastRow{Month: p.T("web.forecast.total"), Cells: cells, Sum: p.Money("250.00", "EUR")},
			Bars:      []forecastBar{{X: 10, Y: 20, W: 70, H: 180, Class: "fc-commit", Label: "Commit <b>"}},
			Undated:   3, Unconverted: "USD",
			Revenue: &revenueChart{History: "0,200 100,150", Forecast: "100,150 200,120", Band80: "200,100 200,140", Band95: "200,90 200,150",
				Max: p.Money("1000.00", "EUR"), First: "Jan 2025", Split: "Dec 2026", SplitX: 100, Model: forecastModelLabel(p, "AAN"),
				Points: []revenueRow{{Month: "Dec 2026", Mean: p.Money("900.00", "EUR"), Range80: "1 – 2", Range95: "0 – 3"}}}}
	},
	// forecast: end

	// Record pages.
	"notification_settings": func(p *locale.Printer) page {
		return &notificationSettingsPage{Saved: true, Kinds: []kindChoice{
			{Kind: "assigned", Label: p.T("web.mailprefs.assigned"), Mail: true}, {Kind: "mentioned", Label: p.T("web.mailprefs.mentioned")}}}
	},

	// The header's pages.
	"notifications": func(p *locale.Printer) page {
		return &notificationsPage{frame: frame{Nav: "notifications"}, More: "/notifications?cursor=x",
			Unread: badge{Count: 2, Text: "2", Label: p.N("web.notifications.unread", 2)},
			Items: []notificationView{
				{ID: "2", Label: p.T("web.notifications.kind.task_overdue"), About: "Call <b>Ada</b>", Href: "/tasks/7",
					When: p.N("web.when.minutes", 5), At: "5 December 2026, 10:00", Stamp: "2026-12-05T10:00:00Z", Unread: true},
				{ID: "1", Label: "Something <i>new</i>", When: p.T("web.when.now"), Unread: true}}}
	},
	"commands": func(p *locale.Printer) page {
		v := &visit{lang: p.Lang(), p: p}
		return &commandsPage{frame: frame{Nav: "commands"}, Query: "co", Commands: matching(commands(v, "/contacts"), ""),
			Groups: []hitGroup{{ID: "search-group-contacts", Title: p.T("object.contacts.name"),
				Hits: []hitView{{Href: "/contacts/1", Title: "Ada <b>Lovelace</b>", Subtitle: "ada@example.com"}}}}}
	},
	"shortcuts": func(p *locale.Printer) page { return &shortcutsPage{frame: frame{Nav: "shortcuts"}} },
	"call": func(p *locale.Printer) page {
		return &callerPage{frame: frame{Nav: "call"}, Number: "020 7946 0958", Shown: "+44 20 7946 0958", Asked: true, Valid: true,
			Contacts:  []callerView{{Name: "Ada <b>Lovelace</b>", Href: "/contacts/1", Details: []string{"ada@example.com"}, Links: []callerView{{Name: "Engines", Href: "/companies/2"}}}},
			Companies: []callerView{{Name: "Engines <Ltd>", Href: "/companies/2"}},
			Deals:     []callerView{{Name: "Engine order", Href: "/deals/3", Details: []string{p.T("web.call.deal_since", "date", "1 Dec 2026")}}},
			Last:      &conversationView{Kind: p.T("web.call.kind.call"), When: "today", Title: "Asked <b>about</b> the price", About: "Ada", Href: "/contacts/1"},
			NewHref:   "/contacts/new?phone=%2B442079460958"}
	},
	"myday_deals": func(p *locale.Printer) page {
		return &myDayDealsPage{frame: frame{Nav: "myday"}, Group: dealGroup{ID: "deals-idle", Title: p.T("web.myday.idle"),
			Text: p.T("web.myday.idle_text"), More: "/myday/deals?list=idle&cursor=x",
			Deals: []dealLine{{ID: "1", Title: "Engine <b>order</b>", Stage: "Proposal", Value: "£1,200.00", Since: p.T("web.myday.in_stage_since", "date", "1 Dec 2026")}}}}
	},

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
	"settings": func(p *locale.Printer) page {
		return &settingsPage{frame: frame{Nav: "settings"}, Sections: []settingsSection{{Key: "web.settings.sales",
			Title: p.T("web.settings.sales"), Links: settingsSections[0].Links}}}
	},
	"settings_workspace": func(p *locale.Printer) page {
		data := &setWorkspacePage{frame: frame{Nav: "settings"}, Name: "Lovelace <b>Lovelace", BaseCurrency: "GBP", PhoneRegion: "GB",
			Language: "en", LanguageOptions: setLanguageOptions(), Saved: true}
		data.Errors = map[string]string{"ws.base_currency": p.FieldError(fault.FieldError{Code: "currency"})}
		return data
	},
	"settings_pipelines": func(p *locale.Printer) page {
		data := &setPipelinesPage{frame: frame{Nav: "settings"}, Pipelines: []settingsRow{{ID: "1", Name: "New <b>Lovelace", Version: 1}}}
		data.Errors = map[string]string{"r1.": p.T("web.settings.pipelines.has_deals"), "add.name": p.FieldError(fault.FieldError{Code: "required"})}
		return data
	},
	"settings_pipeline": func(p *locale.Printer) page {
		data := &setStagesPage{frame: frame{Nav: "settings"}, Pipeline: settingsRow{ID: "1", Name: "New <b>Lovelace"},
			Fields: []formOption{{Value: "value", Label: fieldLabel(p, "value")}, {Value: "vip", Label: "VIP <b>Lovelace"}},
			Stages: []setStageRow{{settingsRow: settingsRow{ID: "2", Name: "Qualified <b>Lovelace", Version: 1}, Probability: "20", Required: []string{"value"}}}}
		data.Errors = map[string]string{"r2.probability": p.FieldError(fault.FieldError{Code: "range"}), "r2.": p.T("web.settings.stages.has_deals")}
		return data
	},
	"inbox":          exampleInbox, // inbox
	"settings_forms": exampleForms, // inbox
	"settings_letters": func(p *locale.Printer) page {
		return &lettersPage{frame: frame{Nav: "settings"}, Notice: p.T("web.letters.saved"),
			Templates: []letterRow{{ID: "1", Name: "Welcome <b>Lovelace", Object: letterObjectLabel(p, "contact"), Languages: "English, Русский"}}}
	},
	"settings_letter": func(p *locale.Printer) page {
		v := &visit{lang: p.Lang(), p: p}
		data := letterForm(v, letter.Template{ID: "1", Name: "Welcome <b>Lovelace", Object: "deal", Version: 2,
			Versions: map[string]letter.Version{"en": {Subject: "Hello {{contact.first_name}}", Body: "Dear <b>{{contact.full_name}}</b>,\n"}}})
		data.Errors = map[string]string{"versions.en.body": p.FieldError(fault.FieldError{Code: "unknown"})}
		return data
	},
	"letter": func(p *locale.Printer) page {
		return &composePage{frame: frame{Nav: "contacts"}, Draft: letter.Draft{Object: "contact", RecordID: "7", Subject: "Re: <b>engines",
			Body: "Dear {{contact.first_name}},\n\n> <b>quoted", ReplyTo: "3"}, Record: "Ada <b>Lovelace", Back: "/contacts/7",
			Errors:    map[string]string{"body": p.FieldError(fault.FieldError{Code: "unknown"})},
			Templates: []formOption{{Value: "1", Label: "Welcome <b>"}}, Template: "1", CanSend: true, Sent: true, LanguageName: p.Name(), From: "bob@example.com<b>",
			Letter: &letter.Letter{To: "ada@example.com", ToName: "Ada <b>Lovelace", Subject: "Hello <b>Ada", Body: "Dear Ada,\n\n<script>x</script>\n-- \nBob"}}
	},
	"signature": func(p *locale.Printer) page {
		return &signaturePage{Signature: "Bob <b>\nAcme", Saved: true, Errors: map[string]string{"signature": p.FieldError(fault.FieldError{Code: "too_long"})}}
	},
	"settings_phone":        examplePhone, // phone
	"settings_chat":         exampleChat,
	"settings_chat_channel": exampleChatChannel,
	"settings_chat_delete":  exampleChatDelete,
	"reports_calls":         exampleCalls, // phone
	// dupes: begin
	"dupes_groups":   exampleDupesGroups,
	"dupes_review":   exampleDupesReview,
	"dupes_settings": exampleDupesSettings,
	// dupes: end
	"settings_loss": func(p *locale.Printer) page {
		return &setLossPage{frame: frame{Nav: "settings"}, Reasons: []settingsRow{{ID: "1", Name: "Too <b>Lovelace", Version: 1}}}
	},
	"settings_fields": func(p *locale.Printer) page {
		data := &setFieldsPage{frame: frame{Nav: "settings"}, Object: "contacts",
			Objects: []formOption{{Value: "contacts", Label: p.T("object.contacts.name")}, {Value: "suppliers", Label: "Suppliers <b>Lovelace"}},
			Fields:  []setCustomField{{Name: "vip", Label: "VIP <b>Lovelace", Type: setTypeLabel(p, records.Select), Options: "a, <b>Lovelace", Required: true}},
			Types:   []formOption{{Value: "text", Label: setTypeLabel(p, records.Text)}}}
		data.Targets = data.Objects
		data.Errors = map[string]string{"add.name": p.FieldError(fault.FieldError{Code: "format"})}
		return data
	},
	"settings_lists": func(p *locale.Printer) page {
		return &setListsPage{frame: frame{Nav: "settings"}, Lists: []setListRow{{Name: "supplier", Plural: "suppliers", Label: "Suppliers <b>Lovelace"}}}
	},
	"settings_currencies": func(p *locale.Printer) page {
		return &setCurrenciesPage{frame: frame{Nav: "settings"}, Base: "EUR", Today: "2026-12-06",
			Rates: []setRateRow{{Currency: "USD", Rate: "0.92", Date: "6 Dec 2026"}}}
	},
	"settings_prices": func(p *locale.Printer) page {
		return &setPriceListsPage{frame: frame{Nav: "settings"}, Lists: []settingsRow{{ID: "1", Name: "Retail <b>Lovelace", Extra: "EUR"}}}
	},
	"settings_pricelist": func(p *locale.Printer) page {
		data := &setPriceListPage{frame: frame{Nav: "settings"}, List: settingsRow{ID: "1", Name: "Retail <b>Lovelace", Extra: "EUR"},
			Products: []setPriceRow{{ID: "3", Name: "Engine <b>Lovelace", SKU: "AE-1", Price: "12.50"}}, More: true, Saved: true}
		data.Errors = map[string]string{"prices.price.3": p.FieldError(fault.FieldError{Code: "format"})}
		return data
	},
	"settings_stock": func(p *locale.Printer) page {
		data := &setStockPage{frame: frame{Nav: "settings"}, Warehouses: []formOption{{Value: "1", Label: "Main <b>Lovelace"}},
			Products: []setStockRow{{ID: "3", Name: "Engine <b>Lovelace", SKU: "AE-1", Stock: "4", Low: true,
				Levels: []setStockLevel{{Warehouse: "Main <b>Lovelace", Quantity: "4"}}}}}
		data.Errors = map[string]string{"p3.": p.T("web.settings.stock.below_zero")}
		return data
	},

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
	"settings_mailboxes": func(p *locale.Printer) page {
		return &mailboxesPage{frame: frame{Nav: "settings"}, CanConnect: true, MayShare: true, Notice: p.T("web.mailboxes.done.connected"),
			Problem: p.T("web.people.conflict"), Form: mailboxForm{Address: "ann@example.com", Host: "imap.example.com<b>", Security: "tls", Folders: "INBOX, Sent"},
			Ignore: "family.example\n<b>", Mailboxes: []mailboxRow{{ID: "1", Address: "ann@example.com", Kind: p.T("web.mailboxes.personal"),
				Folders: "INBOX, Sent", State: p.T("web.mailboxes.waiting"), Messages: "1,200", MayRemove: true, MaySend: true,
				Sends: p.T("web.mailboxes.sends", "server", "smtp.example.com:465")},
				{ID: "2", Address: "sales@example.com", Kind: p.T("web.mailboxes.shared"), State: p.T("web.mailboxes.failing"), Failing: true, Error: "sign in <b>failed"}},
			Errors: map[string]string{"host": p.FieldError(fault.FieldError{Field: "host", Code: "format"})}}
	},
	"settings_mailbox_outgoing": func(p *locale.Printer) page {
		return &mailboxOutgoingPage{frame: frame{Nav: "settings"}, ID: "1", Address: "ann@example.com",
			Form:   outgoingForm{SMTPHost: "smtp.example.com<b>", SMTPPort: "465", SMTPSecurity: "tls"},
			Errors: map[string]string{"smtp_host": p.FieldError(fault.FieldError{Field: "smtp_host", Code: "format"})}}
	},
	"mail_message": func(p *locale.Printer) page {
		return &mailPage{Subject: "Offer <b>", From: "Ada <ada@example.com>", To: "ann@example.com", When: "today",
			Body: "<p>Hello</p>", Held: true, ShowImages: "/mail/1?images=1", Problem: "broken <b>part",
			Attachments: []mailAttachmentRow{{Href: "/mail/1/attachments/0", Name: "offer<b>.pdf", Size: "12 KB", Stored: true}},
			Filed:       []mailLinkRow{{Href: "/contacts/1", Name: "Ada <b>", Kind: p.T("web.mailboxes.filed.contact")}}, Reply: "/letters/new?reply=1"}
	},
	"settings_webhooks": func(p *locale.Printer) page {
		v := &visit{p: p}
		return &webhooksPage{frame: frame{Nav: "settings"}, Secret: "whsec_c2VjcmV0", URL: "https://hooks.example.com/<b>",
			Kinds: []formOption{{Value: "won", Label: eventKindLabel(v, "won")}}, Picked: map[string]bool{"won": true},
			Notice: p.T("web.people.done.deleted"), Problem: p.T("web.people.conflict"),
			Endpoints: []webhookRow{{ID: "1", URL: "https://hooks.example.com/<b>", Events: eventKindLabel(v, "created"), Enabled: true},
				{ID: "2", URL: "http://10.1.2.3/", Events: eventKindLabel(v, "lost"), Objects: "deal", Disabled: "answered 410 Gone"}},
			Errors: map[string]string{"url": p.FieldError(fault.FieldError{Field: "url", Code: "private_address"})}}
	},
	"settings_assign": func(p *locale.Printer) page {
		v := &visit{p: p}
		st := assign.Settings{Rules: []assign.Rule{
			{ID: "1", Name: "Poland <b>", Objects: []string{"inbox", "deal"}, Territories: []string{"PL"}, Sources: []string{"ads"},
				Method: assign.RoundRobin, TeamID: "1", Hours: &assign.Hours{Days: []string{"mon", "fri"}, From: "09:00", To: "17:00"}, Cap: 20},
			{ID: "2", Name: "Everyone else", Method: assign.OneUser, UserID: "1"}}}
		data := &assignPage{frame: frame{Nav: "settings"}, Version: "3", Fallback: "1", Notice: p.T("web.people.done.saved"),
			Problem: p.T("web.people.conflict"), Users: []formOption{{Value: "1", Label: "Ann <b>"}}, Teams: []formOption{{Value: "1", Label: "Sales"}},
			DaysOff: []dayOffRow{{Index: 0, User: "Ann <b>", From: "2026-12-24", To: "2026-12-31"}}, Form: formOf(st.Rules[0]),
			Errors: map[string]string{"team_id": p.FieldError(fault.FieldError{Field: "team_id", Code: "unknown"})}}
		for i, r := range st.Rules {
			row := ruleRow(v, r, map[string]string{"1": "Sales"}, map[string]string{"1": "Ann"}, i == 0, i == 1)
			row.N = i + 1
			data.Rules = append(data.Rules, row)
		}
		for _, m := range assign.Methods {
			data.Methods = append(data.Methods, formOption{Value: m, Label: methodLabel(v, m)})
		}
		for _, o := range assign.Objects {
			data.Objects = append(data.Objects, formOption{Value: o, Label: assignObjectLabel(v, o)})
		}
		for _, d := range assign.Days {
			data.Days = append(data.Days, formOption{Value: d, Label: dayLabel(v, d)})
		}
		return data
	},
	"settings_webhook": func(p *locale.Printer) page {
		return &webhookPage{frame: frame{Nav: "settings"}, Secret: "whsec_c2VjcmV0", Notice: p.T("web.webhooks.done.replayed"), More: "7",
			Endpoint: webhookRow{ID: "1", URL: "https://hooks.example.com/<b>", Events: p.T("web.webhooks.kind.won"), Disabled: "answered 410 Gone"},
			Deliveries: []deliveryRow{{ID: "9", When: "today", Type: "deal.won", Record: "deal 4", State: p.T("web.webhooks.state.failed"),
				Failed: true, Attempts: 15, Answer: "500", Latency: p.T("web.webhooks.ms", "n", "12"), Error: "the endpoint answered 500 <b>",
				Request: `{"type": "deal.won", "data": {"name": "<b>"}}`, Replayable: true,
				Next: p.T("web.webhooks.next", "when", "today")}}}
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
			Follow: "/contacts/1/follow", Following: true, PersonalData: "/api/v1/contacts/1/personal-data", Erase: "/contacts/1/erase",
			ErasedAt: "today",
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
			Items:    exampleItems(p), Duplicates: exampleDuplicates(),
			Scores: &scoresView{Lead: "+22", ModelName: p.T("web.scores.field.churn_risk"), Model: p.T("web.scores.percent", "n", 12),
				Reasons: []scoresReason{{What: p.N("web.scores.times", 3, "what", p.T("web.scores.activity.call")), Points: "+15"}}} /* scores */}
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
				{ID: "2", Version: 3, Title: "Send the offer", Due: "today", About: "Engine <b>Lovelace"}}}},
			Deals: []dealGroup{{ID: "deals-without-task", Title: p.T("web.myday.without_task"), Text: p.T("web.myday.without_task_text"),
				More: "/myday/deals?list=without-task&cursor=x", Deals: []dealLine{{ID: "1", Title: "Engine <b>order</b>", Stage: "Proposal"}}}},
			// goals: begin
			Goals: exampleGoals(p),
			// goals: end
		}
	},
	// Imports.
	"import_new": exampleImportScreen,
	"erase": func(p *locale.Printer) page {
		return &erasePage{frame: frame{Nav: "contacts"}, ID: "1", Name: "Ada <b>Lovelace", Href: "/contacts/1",
			Details: []string{"ada@example.com"}, Typed: "Ada", Error: p.T("web.erase.mismatch")}
	},
	"imports": func(p *locale.Printer) page {
		v := &visit{p: p}
		return &importsPage{frame: frame{Nav: "imports"}, New: []formOption{{Value: "/imports/new?object=contacts", Label: objectTitle(p, "contacts")}},
			Imports: []importRow{{ID: "1", Href: "/imports/1", When: "today", Who: "Ada <b>", File: "people <b>.csv", Object: objectTitle(p, "contacts"),
				Status: "committed", StatusLabel: importStatus(v.p, "committed"), Rows: 3, Created: 2, Skipped: 1, Errors: "/imports/1/errors"}}}
	},
	"import": func(p *locale.Printer) page {
		// Every part at once: the progress, the cancel, the undo, and an
		// interrupted import's resume and discard.
		return &importStatePage{frame: frame{Nav: "imports"}, Running: true, Cancel: true, Undoable: true, Resume: true, ObjectPath: "/contacts",
			Import: importRow{ID: "1", File: "people <b>.csv", Object: objectTitle(p, "contacts"), Status: "interrupted", StatusLabel: importStatus(p, "interrupted"),
				Who: "Ada <b>", When: "today", Errors: "/imports/1/errors"},
			Progress: progressOf(p, &importer.Progress{Rows: 1200, Total: 3000, RowsPerSecond: 400, SecondsLeft: 4.5, Phase: "rows"}),
			Problems: []importProblem{{Row: 3, Column: "E-mail <b>", Value: "x@", Reason: "not an e-mail <b>"}}, Problem: p.T("web.import.undo_refused")}
	},
	"problem": func(p *locale.Printer) page {
		return &problemPage{Title: p.T("web.problem.not_found.title"), Text: p.T("web.problem.not_found.text"), RequestID: "abc"}
	},
	// scores: begin
	"scores_settings": func(p *locale.Printer) page {
		auc := 0.81
		data := &scoresPage{frame: frame{Nav: "settings"}}
		fillScoresPage(p, nil, data, []scores.Rule{
			{ID: "1", Object: "contact", Kind: "field", Field: "source", Value: "web_form <b>", Points: 10},
			{ID: "2", Object: "deal", Kind: "activity", Activity: "idle_day", Points: -1}},
			[]scores.Status{{Kind: "win", Ready: true, Positives: 60, Negatives: 55, AUC: &auc,
				Factors: []scores.Factor{{Name: "calls_30", Coef: 1.4}, {Name: "idle_days", Coef: -0.6}}},
				{Kind: "churn", Positives: 3, Negatives: 40}}, nil)
		data.Errors = map[string]string{"field.value": p.FieldError(fault.FieldError{Code: "option"})}
		data.Failed = "field"
		return data
	},
	// scores: end
}
