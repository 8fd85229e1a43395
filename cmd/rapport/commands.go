package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/dav"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
	"github.com/rapport-crm/rapport/internal/webform"
)

// defaultWorkspace is the workspace of a single-company install, created by
// the first migration.
const defaultWorkspace = 1

// command is what every subcommand shares: its flags, the configuration
// and, once opened, the database.
type command struct {
	fs  *flag.FlagSet
	cfg config.Config
	log *slog.Logger
}

func newCommand(name string, stderr io.Writer) *command {
	c := &command{fs: flag.NewFlagSet("rapport "+name, flag.ContinueOnError)}
	c.fs.SetOutput(stderr)
	c.cfg.Register(c.fs)
	return c
}

// parse reads the flags and the rest of the configuration.
func (c *command) parse(args []string, stderr io.Writer, getenv func(string) string) error {
	if err := c.fs.Parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(c.fs.Args(), " "))
	}
	if err := c.cfg.Load(getenv); err != nil {
		return err
	}
	c.log = newLogger(stderr, c.cfg.LogFormat, c.cfg.LogLevel)
	return nil
}

// open opens and migrates the database.
func (c *command) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, c.cfg.DB, c.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// actingAs puts the user of the default workspace whose e-mail is email
// in ctx, as the actor of what a command does in their name (--as).
func actingAs(ctx context.Context, db *store.DB, email string) (context.Context, error) {
	u, err := account.New(db).UserByEmail(ctx, defaultWorkspace, email)
	if err != nil {
		return nil, fmt.Errorf("--as %s: %w", email, err)
	}
	id, _ := strconv.ParseInt(u.ID, 10, 64)
	return access.WithActor(ctx, access.Actor{WorkspaceID: defaultWorkspace, UserID: id, Role: u.Role}), nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("migrate", stderr)
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func userCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("user create", stderr)
	email := c.fs.String("email", "", "the user's e-mail address")
	password := c.fs.String("password", "", "the user's password (at least 10 characters)")
	role := c.fs.String("role", "salesperson", "role: "+strings.Join(account.Roles, ", "))
	name := c.fs.String("name", "", "the user's name")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := account.New(db).CreateUser(ctx, defaultWorkspace, *email, *name, *password, *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s) with id %s\n", u.Email, u.Role, u.ID)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("token create", stderr)
	email := c.fs.String("email", "", "e-mail of the user the token acts as")
	name := c.fs.String("name", "", "a name that says what the token is for")
	scope := c.fs.String("scope", account.ScopeReadWrite, "read_write or read")
	expires := c.fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 means it does not expire")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var until *time.Time
	if *expires > 0 {
		t := time.Now().Add(*expires)
		until = &t
	}
	token, err := account.New(db).CreateToken(ctx, defaultWorkspace, *email, *name, *scope, until)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "API token (shown once; Rapport keeps only its hash):")
	fmt.Fprintln(stdout, token)
	return nil
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("demo", stderr)
	contacts := c.fs.Int("contacts", 10000, "how many contacts to create")
	seed := c.fs.Uint64("seed", 1, "seed of the generator: the same seed gives the same data")
	deals := c.fs.Int("deals", 0, "how many deals to create; 0 means 3 per 10 contacts, -1 none")
	activities := c.fs.Int("activities", 0, "how many tasks, notes, calls and meetings to create; 0 means 3 per contact, -1 none")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	if *contacts < 1 {
		return errors.New("--contacts must be at least 1")
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := demo.Generate(ctx, db, demo.Options{Workspace: defaultWorkspace, Contacts: *contacts, Seed: *seed,
		Deals: *deals, Activities: *activities, Log: c.log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %d contacts, %d companies, %d links and %d users in %s\n",
		res.Contacts, res.Companies, res.Links, res.Users, res.Duration.Round(time.Millisecond))
	fmt.Fprintf(stdout, "created %d deals (%d deal contacts, %d stage history rows) and %d activities\n",
		res.Deals, res.DealContacts, res.StageHistory, res.Activities)
	// Bulk rows bypass the engine's hooks and the outbox, so the search
	// index and the duplicate keys are built for them in bulk too.
	engine := records.New(db, records.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	start := time.Now()
	if err := newServices(c, db, engine).index(ctx, c.log, defaultWorkspace); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "indexed them for search and duplicate detection in %s\n", time.Since(start).Round(time.Millisecond))
	if res.Pipelines > 0 {
		fmt.Fprintf(stdout, "created %d pipelines, %d stages, %d loss reasons, %d products and %d price list\n",
			res.Pipelines, res.Stages, res.LossReasons, res.Products, res.PriceLists)
	}
	return nil
}

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("serve", stderr)
	demoN := c.fs.Int("demo", 0, "on an empty workspace, first create this many demo contacts and a demo administrator")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	svc := newServices(c, db, engine)
	accounts := account.NewWithOptions(db, accountOptions(c, engine, svc.mail))
	if err := bootstrap(ctx, c, db, accounts, svc, *demoN, getenv); err != nil {
		return err
	}
	stopWorkers, err := startWorkers(ctx, c, db, accounts, svc)
	if err != nil {
		return err
	}
	defer stopWorkers() // after the HTTP shutdown below, before db.Close
	// An import that a killed server was running never committed; its
	// log must not say running forever (decision 0047).
	imports := importer.New(db, engine, c.log)
	// The files of imports wait beside the database, or, on PostgreSQL,
	// in the data directory all the same (decision 0067): a background
	// import keeps its own there until it ends, for a resume.
	if err := imports.KeepFiles(filepath.Join(c.cfg.DataDir, "imports")); err != nil {
		return err
	}
	if n, err := imports.Recover(ctx); err != nil {
		return err
	} else if n > 0 {
		c.log.Warn("imports interrupted by the last stop marked as such; nothing of them was kept, their files were, to resume them", "imports", n)
	}
	timeout, expensive := c.cfg.Queries()
	// The API and the web app count failed sign-ins together.
	guard := api.NewSignInLimits(api.Limits{})
	apiHandler := (&api.Server{Engine: engine, Accounts: accounts, DB: db, Log: c.log, Version: version,
		Sales: svc.sales, Activity: svc.activity, Search: svc.search, Duplicates: svc.duplicates, SignIn: guard,
		Value:          svc.value, // value
		ClientIPHeader: c.cfg.ClientIPHeader, Queries: api.QueryLimits{Timeout: timeout, Expensive: expensive},
		Scores: svc.scores /* scores */, Imports: imports, Inbox: svc.inbox /* inbox */, Letters: svc.letters, Mailboxes: svc.mailboxes,
		Phone: svc.phone /* phone */}).Handler()
	app, err := web.New(web.Options{Engine: engine, Accounts: accounts, Log: c.log, ClientIPHeader: c.cfg.ClientIPHeader,
		PhoneRegion: c.cfg.PhoneRegion, SignIn: guard, Search: svc.search,
		Sales: svc.sales, Activity: svc.activity, Duplicates: svc.duplicates, DB: db,
		Scores:    svc.scores, /* scores */
		Imports:   imports,
		Value:     svc.value, // value
		Inbox:     svc.inbox, // inbox
		Letters:   svc.letters,
		Mailboxes: svc.mailboxes,
		Phone:     svc.phone}) // phone
	if err != nil {
		return err
	}
	davHandler := (&dav.Server{DB: db, Engine: engine, Accounts: accounts, Log: c.log, SignIn: guard,
		ClientIPHeader: c.cfg.ClientIPHeader}).Handler()
	forms := webform.New(webform.Options{Inbox: svc.inbox, Log: c.log, ClientIPHeader: c.cfg.ClientIPHeader}) // inbox
	srv := httpServer(mount(apiHandler, app.Handler(), davHandler, forms), c.log)
	ln, err := net.Listen("tcp", c.cfg.Addr)
	if err != nil {
		return err
	}
	dbKind := "sqlite in " + c.cfg.DataDir
	if db.Dialect == store.Postgres {
		dbKind = "postgres"
	}
	c.log.Info("rapport listening", "addr", "http://"+ln.Addr().String(), "db", dbKind, "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; the deferred Close then shuts the
	// database cleanly (checkpointing SQLite's WAL).
	c.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	c.log.Info("stopped")
	return nil
}

// mount serves the API under /api/ with its probes and metrics, CardDAV
// and CalDAV under /dav/ with their discovery addresses, the web forms'
// public pages and posts under /f/, and the web app at every other path.
func mount(apiHandler, webHandler, davHandler, forms http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiHandler)
	mux.Handle("/dav/", davHandler)
	mux.Handle("/.well-known/carddav", davHandler)
	mux.Handle("/.well-known/caldav", davHandler)
	mux.Handle("/f/", forms) // web forms' public pages and posts
	mux.Handle("GET /healthz", apiHandler)
	mux.Handle("GET /readyz", apiHandler)
	mux.Handle("GET /metrics", apiHandler)
	mux.Handle("/", webHandler)
	return mux
}

// httpServer serves h with bounds on how long a client may take, so that
// a slow or stalled one cannot hold a connection: 10 s to send its headers
// (which may be at most 64 KiB), 30 s for the whole request with its body
// (a body that stops arriving is answered 408), 60 s to take the answer
// (a notification stream pushes this on with each event), and 2 minutes
// idle between requests.
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// accountOptions sets up the account service: it asks the engine's
// policy who manages users and teams when that policy grants by role (a
// policy that allows everything would let anyone manage them, so then the
// service's own rule applies: administrators only), and it sends
// password-reset mails through sender.
func accountOptions(c *command, engine *records.Engine, sender mail.Sender) account.Options {
	o := account.Options{Mail: sender, BaseURL: publicURL(c)}
	if p, ok := engine.Policy().(*access.RolePolicy); ok {
		o.Policy = p
	}
	return o
}

// publicURL is where users reach Rapport, for links in mail: --public-url,
// or the address serve listens on.
func publicURL(c *command) string {
	if c.cfg.PublicURL != "" {
		return c.cfg.PublicURL
	}
	host := c.cfg.Addr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host // listening on every interface
	}
	return "http://" + host
}

// bootstrap creates the first administrator from RAPPORT_ADMIN_EMAIL and
// RAPPORT_ADMIN_PASSWORD, fills an empty workspace with demo data when
// asked, and otherwise tells the operator how to create the first user.
func bootstrap(ctx context.Context, c *command, db *store.DB, accounts *account.Service, svc services, demoN int, getenv func(string) string) error {
	users, err := accounts.CountUsers(ctx)
	if err != nil {
		return err
	}
	if email, password := getenv("RAPPORT_ADMIN_EMAIL"), getenv("RAPPORT_ADMIN_PASSWORD"); users == 0 && email != "" {
		u, err := accounts.CreateUser(ctx, defaultWorkspace, email, "Administrator", password, "administrator")
		if err != nil {
			return fmt.Errorf("RAPPORT_ADMIN_EMAIL/RAPPORT_ADMIN_PASSWORD: %w", err)
		}
		c.log.Info("created the first administrator", "email", u.Email)
		users++
	}
	if demoN > 0 {
		if err := seedDemo(ctx, c, db, accounts, svc, demoN, users == 0); err != nil {
			return err
		}
		return nil
	}
	if users == 0 {
		c.log.Warn("no users yet: open the web app to set up the workspace, or create the first administrator with\n" +
			"  rapport user create --email you@example.com --password '…' --role administrator\n" +
			"then an API token with\n" +
			"  rapport token create --email you@example.com --name cli\n" +
			"(or start with RAPPORT_ADMIN_EMAIL and RAPPORT_ADMIN_PASSWORD set)")
	}
	return nil
}

// seedDemo fills an empty workspace with demo contacts and, when there is
// no user yet, creates a demo administrator and prints a token for it.
func seedDemo(ctx context.Context, c *command, db *store.DB, accounts *account.Service, svc services, n int, noUsers bool) error {
	var existing int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE workspace_id = ?`, defaultWorkspace).Scan(&existing); err != nil {
		return err
	}
	if existing == 0 {
		res, err := demo.Generate(ctx, db, demo.Options{Workspace: defaultWorkspace, Contacts: n, Seed: 1, Log: c.log})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		c.log.Info("demo data created", "contacts", res.Contacts, "companies", res.Companies, "deals", res.Deals,
			"activities", res.Activities, "took", res.Duration.Round(time.Millisecond))
		if err := svc.index(ctx, c.log, defaultWorkspace); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	if !noUsers {
		return nil
	}
	const email = "admin@demo.rapport.example"
	password := randomPassword()
	if _, err := accounts.CreateUser(ctx, defaultWorkspace, email, "Demo administrator", password, "administrator"); err != nil {
		return err
	}
	token, err := accounts.CreateToken(ctx, defaultWorkspace, email, "demo", account.ScopeReadWrite, nil)
	if err != nil {
		return err
	}
	c.log.Info("demo administrator created", "email", email, "password", password)
	c.log.Info("demo API token (shown once): try  curl -H 'Authorization: Bearer " + token + "' http://" + c.cfg.Addr + "/api/v1/contacts?limit=5")
	return nil
}
