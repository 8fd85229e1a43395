package main

// page is one address the benchmark asks for, as a browser would. Its path
// may hold placeholders that are filled with what the signed-in user sees
// (see fill): {contact}, {company}, {deal}, {task}, {product}, {pipeline},
// {phone}, {q}, and {more:<list>}, the address of a list's second page.
// An htmx page is asked for as htmx asks for a fragment.
type page struct {
	Name string
	Path string
	HTMX bool
	Note string // what else a reader of the figure should know
}

// pages are the main pages and fragments of the web app. A page that
// answers 404 is skipped with a note, so that the table may name pages
// that other parts of the app add later. Add a page here to measure it.
var pages = []page{
	{Name: "My day", Path: "/"},
	{Name: "contacts", Path: "/contacts"},
	{Name: "contacts sorted by last update, newest first", Path: "/contacts?sort=-updated_at"},
	{Name: "contacts, next page as the list scrolls", Path: "{more:contacts}", HTMX: true},
	{Name: "contacts filtered by source", Path: "/contacts?f0=source&o0=eq&v0=referral",
		Note: "the filter builder's encoding (internal/web/listquery.go): f<n>, o<n>, v<n> per condition, m and g<n> for groups"},
	{Name: "contacts filtered by source, newest first", Path: "/contacts?f0=source&o0=eq&v0=referral&sort=-updated_at"},
	{Name: "contacts whose last name starts with …", Path: "/contacts?f0=last_name&o0=starts_with&v0={q}"},
	{Name: "contacts in an or group", Path: "/contacts?m=or&f0=source&o0=eq&v0=referral&f1=source&o1=eq&v1=web_form"},
	{Name: "companies", Path: "/companies"},
	{Name: "companies sorted by name, descending", Path: "/companies?sort=-name"},
	{Name: "deals", Path: "/deals"},
	{Name: "deals sorted by value, greatest first", Path: "/deals?sort=-value"},
	{Name: "deals, next page as the list scrolls", Path: "{more:deals}", HTMX: true},
	{Name: "tasks", Path: "/tasks"},
	{Name: "tasks sorted by due date", Path: "/tasks?sort=due_at"},
	{Name: "products", Path: "/products"},
	{Name: "contact page", Path: "/contacts/{contact}",
		Note: "record pages carry their timeline once the record pages part adds it; the figure then includes it"},
	{Name: "company page", Path: "/companies/{company}"},
	{Name: "deal page", Path: "/deals/{deal}"},
	{Name: "task page", Path: "/tasks/{task}"},
	{Name: "product page", Path: "/products/{product}"},
	{Name: "contact's edit form", Path: "/contacts/{contact}/edit"},
	{Name: "new contact form", Path: "/contacts/new"},
	{Name: "search as you type", Path: "/search?q={q}", HTMX: true},
	{Name: "search page", Path: "/search?q={q}"},
	{Name: "board", Path: "/board"},
	{Name: "board of a pipeline", Path: "/board?pipeline={pipeline}"},
	{Name: "dashboard", Path: "/dashboard"},
	// goals: begin
	{Name: "dashboard, the team's", Path: "/dashboard?scope=team", Note: "goals, indicators and charts of the user's team"},
	{Name: "goals", Path: "/goals"},
	// goals: end
	{Name: "notifications", Path: "/notifications"},
	{Name: "caller screen", Path: "/call?number={phone}"},
	{Name: "settings", Path: "/settings"},
	// forecast: begin
	{Name: "forecast", Path: "/reports/forecast"},
	{Name: "forecast of a pipeline, 24 months", Path: "/reports/forecast?pipeline={pipeline}&horizon=24"},
	// forecast: end
}

// lists are the lists the sweep goes through, every sortable column of
// each both ways.
var lists = []string{"contacts", "companies", "deals", "tasks", "products"}
