// Package web serves Rapport's web app: server-rendered pages with htmx
// for the parts that change in place. Its handlers call the same services
// as the API (the records engine, the account service), so the browser can
// do nothing that the API would refuse.
//
// Each page has one file of Go (its handler and its data, one struct per
// page) and one template in templates/pages; routes.go lists them all.
// Templates are parsed for every language at start-up, and a page
// template without a declaration, or a declaration without a template,
// stops the server from starting.
package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/savedview"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/value"
)

// defaultWorkspace is the workspace the web app signs in to and sets up:
// the only one of a single-company install.
const defaultWorkspace = 1

// Options are what the web app is built from.
type Options struct {
	Engine   *records.Engine
	Accounts *account.Service
	Log      *slog.Logger
	// ClientIPHeader names the header in which a trusted reverse proxy
	// passes the client's address, as for the API.
	ClientIPHeader string
	// PhoneRegion is the country the server reads phone numbers of, which
	// the set-up page suggests.
	PhoneRegion string
	// SignIn are the counters against guessing, shared with the API so
	// that guesses through either count together; nil makes the web app
	// counters of its own, with the API's default limits.
	SignIn *api.SignInLimits
	// Search answers the header's search box; nil leaves search out.
	Search *search.Service
	// The domain services behind the board, the timeline, notifications
	// and duplicates, and the database for settings that read it directly
	// (the audit trail, jobs). A nil one leaves its pages out.
	Sales      *sales.Service
	Activity   *activity.Service
	Duplicates *duplicate.Service
	DB         *store.DB
	Inbox      *inbox.Service  // inbox: incoming requests
	Letters    *letter.Service // mail templates and letters; nil leaves them out
	// Mailboxes are the connected IMAP mailboxes and their letters; nil
	// leaves their pages out.
	Mailboxes *mailbox.Service
	Phone     *phone.Service // phone: integrations, the calls report, click-to-call

	// scores: begin
	// Scores keeps lead scores and the models; nil leaves its settings
	// page and record block out.
	Scores *scores.Service
	// scores: end
	Value *value.Service // value: the customer-value report
	// Imports runs imports from spreadsheets, shared with the API; nil
	// leaves the import screens out.
	Imports *importer.Importer
}

// Server is the web app.
type Server struct {
	engine   *records.Engine
	accounts *account.Service
	log      *slog.Logger
	ipHeader string
	// phoneRegion is the country the set-up page suggests.
	phoneRegion string

	pages   *pageSet
	assets  *assets
	origins *http.CrossOriginProtection
	// Failed sign-ins lock an e-mail address or a client address out for
	// a while, and posts without a session are limited per address.
	guard   *api.SignInLimits
	pending *pendingSignIns
	search  *search.Service

	sales      *sales.Service
	activity   *activity.Service
	duplicates *duplicate.Service
	db         *store.DB
	value      *value.Service // value
	inbox      *inbox.Service // inbox
	letters    *letter.Service
	mailboxes  *mailbox.Service
	phone      *phone.Service // phone
	// views keeps the saved views of lists; nil without a database.
	views *savedview.Service

	// scores: begin
	scores *scores.Service
	// scores: end
	imports *importer.Importer
	uploads *uploads
}

// New builds the web app: it parses every template in every language and
// reads the manifest of the bundled assets, and fails when a page is
// missing or a template does not parse.
func New(o Options) (*Server, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	pages, err := embeddedPages()
	if err != nil {
		return nil, err
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	if !a.built {
		o.Log.Warn("the web app's scripts and styles are not built; run `npm ci && go run ./tools/assets` and build again")
	}
	if o.SignIn == nil {
		o.SignIn = api.NewSignInLimits(api.Limits{})
	}
	var saved *savedview.Service
	if o.DB != nil {
		saved = savedview.New(o.DB)
	}
	return &Server{
		views: saved, engine: o.Engine, accounts: o.Accounts, log: o.Log, ipHeader: o.ClientIPHeader, phoneRegion: o.PhoneRegion,
		pages: pages, assets: a, origins: http.NewCrossOriginProtection(),
		guard: o.SignIn, pending: newPendingSignIns(5 * time.Minute),
		search: o.Search, sales: o.Sales, activity: o.Activity, duplicates: o.Duplicates, db: o.DB,
		scores:  o.Scores, // scores
		value:   o.Value,  // value
		imports: o.Imports, uploads: newUploads(),
		inbox:     o.Inbox, // inbox
		letters:   o.Letters,
		mailboxes: o.Mailboxes,
		phone:     o.Phone, // phone
	}, nil
}

// check refuses a Server wired without its services, which would
// otherwise fail only at the first request.
func (o Options) check() error {
	if o.Engine == nil || o.Accounts == nil {
		return fmt.Errorf("web: the engine and the account service are required")
	}
	return nil
}
