// Package demo fills a workspace with realistic synthetic data: users,
// companies and contacts from two dozen countries, with names in Latin,
// Cyrillic and Vietnamese spelling, valid international phone numbers,
// addresses, custom fields and links between contacts and companies; and
// the sales core over them: pipelines, products, deals with their stage
// history, and tasks, notes, calls and meetings. The same seed always
// gives the same rows, and a million contacts with their deals and three
// million activities load in a few minutes, which makes it the fixture for
// demos, benchmarks and load tests.
package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options say what to generate.
type Options struct {
	// Workspace receives the data; 0 means 1, the default workspace.
	Workspace int64
	// Contacts is how many contacts to create; companies are a tenth as
	// many.
	Contacts int
	// Seed selects the data: the same seed on the same database state
	// gives the same rows, ids included.
	Seed uint64
	// Deals is how many deals to create; 0 means three for every ten
	// contacts, a negative number none.
	Deals int
	// Activities is how many tasks, notes, calls and meetings to create;
	// 0 means three per contact, a negative number none.
	Activities int
	// Users is how many demo users own the records; 0 means 50.
	Users int
	// Now is the reference time the data is spread back from; zero means
	// the start of today (UTC), so that runs on one day are identical.
	Now time.Time
	// Log receives progress; nil means none.
	Log *slog.Logger
}

// Result counts what Generate created.
type Result struct {
	Users, Companies, Contacts, Links int
	// The catalogue is created on the first run only.
	Pipelines, Stages, LossReasons, Products, PriceLists int
	Deals, DealContacts, StageHistory, Activities        int
	Duration                                             time.Duration
}

// Generate loads demo data into db. It is a bulk load for an otherwise
// idle workspace: it allocates ids after the highest in use and writes no
// outbox events. Companies, contacts, deals, activities and what links
// them are written in one transaction, so a failed run leaves at most the
// demo users, custom fields and sales catalogue, which the next run
// reuses. Demo users cannot sign in.
func Generate(ctx context.Context, db *store.DB, opts Options) (Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if opts.Contacts < 1 {
		return Result{}, errors.New("demo: Contacts must be at least 1")
	}
	g := &gen{d: db.Dialect, ws: opts.Workspace, seed: opts.Seed, now: opts.Now.UTC(),
		contacts: opts.Contacts, companies: max(1, opts.Contacts/10),
		deals: ratio(opts.Deals, opts.Contacts*3/10), activities: ratio(opts.Activities, opts.Contacts*3)}
	var res Result
	var err error
	if g.owners, res.Users, err = ensureUsers(ctx, db, g, opts.Users); err != nil {
		return res, err
	}
	if err := ensureFields(ctx, db, opts.Workspace); err != nil {
		return res, err
	}
	var made catalogueCounts
	if g.cat, made, err = ensureCatalogue(ctx, db, g); err != nil {
		return res, err
	}
	res.Pipelines, res.Stages, res.LossReasons = made.pipelines, made.stages, made.lossReasons
	res.Products, res.PriceLists = made.products, made.priceLists
	for table, base := range map[string]*int64{"companies": &g.companyBase, "contacts": &g.contactBase,
		"deals": &g.dealBase, "deal_stage_history": &g.historyBase, "activities": &g.activityBase} {
		if *base, err = maxID(ctx, db, table); err != nil {
			return res, err
		}
	}
	if err := g.load(ctx, newLoader(db, opts.Log), &res); err != nil {
		return res, err
	}
	if err := g.firstResponses(ctx, db, opts.Log); err != nil {
		return res, err
	}
	if err := analyze(ctx, db, opts.Log); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	opts.Log.Info("demo: done", "users", res.Users, "companies", res.Companies, "contacts", res.Contacts,
		"links", res.Links, "deals", res.Deals, "activities", res.Activities, "took", res.Duration.Round(time.Millisecond))
	return res, nil
}

// load writes the records and their links in one transaction, in an
// order that lets each pass use what the earlier ones remembered (owners,
// companies) and every foreign key find its row.
func (g *gen) load(ctx context.Context, l loader, res *Result) error {
	defer l.rollback()
	adding := map[string]int{"companies": g.companies, "contacts": g.contacts, "contact_companies": g.contacts,
		"deals": g.deals, "deal_contacts": g.deals, "deal_stage_history": g.deals, "activities": g.activities}
	if err := l.begin(ctx, adding); err != nil {
		return fmt.Errorf("demo: begin: %w", err)
	}
	passes := []struct {
		t    table
		rows iter.Seq[[]any]
		n    *int
	}{
		{companiesTable, g.companyRows(), &res.Companies},
		{contactsTable, g.contactRows(), &res.Contacts},
		{linksTable, g.linkRows(), &res.Links},
		{dealsTable, g.dealRows(), &res.Deals},
		{dealContactsTable, g.dealContactRows(), &res.DealContacts},
		{historyTable, g.historyRows(), &res.StageHistory},
		{activitiesTable, g.activityRows(), &res.Activities},
	}
	for _, p := range passes {
		var err error
		if *p.n, err = fill(ctx, l, p.t, p.rows); err != nil {
			return err
		}
	}
	if err := l.commit(ctx); err != nil {
		return fmt.Errorf("demo: commit: %w", err)
	}
	return nil
}

// firstResponses stores on the loaded deals their first response, which
// the sales service keeps for deals written through the engine; it runs
// after the load, once the activities' indexes are built.
func (g *gen) firstResponses(ctx context.Context, db *store.DB, log *slog.Logger) error {
	start := time.Now()
	err := db.Tx(ctx, func(q store.Querier) error {
		return sales.RefreshFirstResponses(ctx, q, g.ws, g.dealBase, g.dealBase+int64(g.deals))
	})
	if err != nil {
		return fmt.Errorf("demo: first responses: %w", err)
	}
	log.Info("demo: first responses stored", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ratio is n when set, def when n is 0, and 0 when n is negative.
func ratio(n, def int) int {
	switch {
	case n < 0:
		return 0
	case n == 0:
		return def
	}
	return n
}

func (o Options) withDefaults() Options {
	if o.Workspace == 0 {
		o.Workspace = 1
	}
	if o.Users <= 0 {
		o.Users = 50
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// maxID is the highest id in table, 0 when it is empty. It reads through
// the writer so that it sees every committed row.
func maxID(ctx context.Context, db *store.DB, table string) (int64, error) {
	var id int64
	err := db.Raw().QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("demo: highest %s id: %w", table, err)
	}
	return id, nil
}

const demoDomain = "demo.rapport.example"

// userEmail is the address of demo user i (from 0): user01@… upwards.
func userEmail(i int) string { return fmt.Sprintf("user%02d@%s", i+1, demoDomain) }

// userRole makes the first user an administrator and about one in ten a
// manager.
func userRole(i, n int) string {
	switch {
	case i == 0:
		return "administrator"
	case i <= max(1, n/10):
		return "manager"
	}
	return "salesperson"
}

// ensureUsers creates the demo users that do not exist yet and returns the
// ids of all of them, in order, to own the records, and how many it
// created. Their password hash "!" matches no password.
func ensureUsers(ctx context.Context, db *store.DB, g *gen, n int) (owners []int64, created int, err error) {
	existing := map[string]int64{}
	rows, err := db.Raw().QueryContext(ctx, db.Dialect.Rebind(
		"SELECT email, id FROM users WHERE workspace_id = ? AND email LIKE ?"), g.ws, "%@"+demoDomain)
	if err != nil {
		return nil, 0, fmt.Errorf("demo: read users: %w", err)
	}
	for rows.Next() {
		var email string
		var id int64
		if err := rows.Scan(&email, &id); err != nil {
			rows.Close()
			return nil, 0, err
		}
		existing[email] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	next, err := maxID(ctx, db, "users")
	if err != nil {
		return nil, 0, err
	}
	s := newStream()
	err = db.Tx(ctx, func(q store.Querier) error {
		for i := range n {
			email := userEmail(i)
			if id, ok := existing[email]; ok {
				owners = append(owners, id)
				continue
			}
			r := s.at(g.seed, kindUser, i)
			p := g.person(r, pickLocale(r))
			joined := g.now.Add(-history - time.Duration(r.IntN(90*24))*time.Hour)
			next++
			if _, err := q.ExecContext(ctx, `INSERT INTO users (workspace_id, id, email, name, password_hash, role, status, created_at)
				VALUES (?, ?, ?, ?, '!', ?, 'active', ?)`, g.ws, next, email, p.full, userRole(i, n), g.d.Time(joined)); err != nil {
				return fmt.Errorf("demo: create %s: %w", email, err)
			}
			owners = append(owners, next)
			created++
		}
		if created > 0 && db.Dialect == store.Postgres {
			if err := advanceSequence(ctx, q, "users"); err != nil {
				return err
			}
		}
		if created > 0 {
			return placeInTeams(ctx, q, g, owners)
		}
		return nil
	})
	return owners, created, err
}

// demoTeams are the sales teams the demo users are spread over.
var demoTeams = []string{"North", "South", "East", "West", "Central"}

// placeInTeams spreads the users over the demo teams, round robin, each
// team managed by one of the managers, so that team-scoped roles have
// something to show.
func placeInTeams(ctx context.Context, q store.Querier, g *gen, users []int64) error {
	for t, name := range demoTeams {
		var manager any
		if m := t + 1; m < len(users) && userRole(m, len(users)) == "manager" {
			manager = users[m]
		}
		var team int64
		err := q.QueryRowContext(ctx, `INSERT INTO teams (workspace_id, name, manager_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, name) DO UPDATE SET name = excluded.name RETURNING id`,
			g.ws, name, manager, g.d.Time(g.now)).Scan(&team)
		if err != nil {
			return fmt.Errorf("demo: create team %s: %w", name, err)
		}
		for i := t; i < len(users); i += len(demoTeams) {
			if _, err := q.ExecContext(ctx, `UPDATE users SET team_id = ? WHERE workspace_id = ? AND id = ?`, team, g.ws, users[i]); err != nil {
				return fmt.Errorf("demo: place user in team: %w", err)
			}
		}
	}
	return nil
}

// advanceSequence moves table's identity sequence on PostgreSQL past the
// ids the demo gave explicitly; otherwise the next record created normally
// would collide with a demo one.
func advanceSequence(ctx context.Context, q store.Querier, table string) error {
	_, err := q.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), m)
		FROM (SELECT max(id) AS m FROM `+table+`) s WHERE m IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("demo: advance the %s id sequence: %w", table, err)
	}
	return nil
}

// customField is a custom field the demo fills.
type customField struct {
	name, label, typ string
	options          []string
	index            bool // scalar: the engine indexes it on SQLite
}

var customFields = []customField{
	{name: "tier", label: "Tier", typ: "select", options: []string{"bronze", "silver", "gold", "platinum"}, index: true},
	{name: "score", label: "Score", typ: "integer", index: true},
	{name: "lifetime_value", label: "Lifetime value", typ: "money"},
}

// ensureFields adds the demo's custom fields to contacts where absent, and
// refuses to fill a field of the same name that would not accept the demo
// values.
func ensureFields(ctx context.Context, db *store.DB, ws int64) error {
	return db.Tx(ctx, func(q store.Querier) error {
		for _, f := range customFields {
			var typ, options string
			err := q.QueryRowContext(ctx, `SELECT type, `+db.Dialect.JSONOut("options")+
				` FROM custom_fields WHERE workspace_id = ? AND object = 'contact' AND name = ?`, ws, f.name).Scan(&typ, &options)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = q.ExecContext(ctx, `INSERT INTO custom_fields (workspace_id, object, name, label, type, options, created_at)
					VALUES (?, 'contact', ?, ?, ?, `+db.Dialect.JSONIn()+`, ?)`,
					ws, f.name, f.label, f.typ, string(appendStrings(nil, f.options)), db.Dialect.Time(time.Now()))
				if err != nil {
					return fmt.Errorf("demo: add custom field %s: %w", f.name, err)
				}
			case err != nil:
				return fmt.Errorf("demo: read custom field %s: %w", f.name, err)
			case typ != f.typ:
				return fmt.Errorf("demo: contacts already have a custom field %q of type %s; the demo needs %s", f.name, typ, f.typ)
			case !hasOptions(options, f.options):
				return fmt.Errorf("demo: the custom field %q lacks some of the options %v", f.name, f.options)
			}
		}
		return nil
	})
}

// hasOptions reports whether the stored JSON option list holds all of
// want.
func hasOptions(stored string, want []string) bool {
	var have []string
	if err := json.Unmarshal([]byte(stored), &have); err != nil {
		return false
	}
	for _, o := range want {
		if !slices.Contains(have, o) {
			return false
		}
	}
	return true
}
