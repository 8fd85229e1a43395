package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// testNow fixes the reference time so that runs compare equal.
var testNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const testContacts = 2000

// TestPhonePatterns checks every number pattern in the locale tables: each
// must give numbers that libphonenumber holds valid, already in E.164, in
// the locale's own country.
func TestPhonePatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range locales {
		patterns := append([]string{}, l.mobiles...)
		for _, c := range l.cities {
			patterns = append(patterns, c.mobile, c.landline)
		}
		for _, p := range patterns {
			if p == "" {
				continue
			}
			for range 50 {
				checkPhone(t, expand(r, p), l.country)
			}
		}
	}
}

func checkPhone(t *testing.T, number, country string) {
	t.Helper()
	n, err := phonenumbers.Parse(number, "")
	switch {
	case err != nil:
		t.Errorf("%s (%s): %v", number, country, err)
	case !phonenumbers.IsValidNumber(n):
		t.Errorf("%s (%s) is not a valid number", number, country)
	case phonenumbers.Format(n, phonenumbers.E164) != number:
		t.Errorf("%s (%s) is not in E.164: %s", number, country, phonenumbers.Format(n, phonenumbers.E164))
	case phonenumbers.GetRegionCodeForNumber(n) != country:
		t.Errorf("%s is a number of %s, not %s", number, phonenumbers.GetRegionCodeForNumber(n), country)
	}
}

func TestSpell(t *testing.T) {
	tests := []struct{ tag, in, want string }{
		{"de", "Müller", "mueller"},
		{"de", "Groß", "gross"},
		{"fr", "Lefèvre", "lefevre"},
		{"pl", "Łukasz", "lukasz"},
		{"pl", "Wiśniewska", "wisniewska"},
		{"cs", "Dvořáková", "dvorakova"},
		{"tr", "İbrahim", "ibrahim"},
		{"tr", "Yılmaz", "yilmaz"},
		{"vi", "Nguyễn", "nguyen"},
		{"vi", "Đặng", "dang"},
		{"da", "Sørensen", "soerensen"},
		{"nb", "Ødegård", "odegard"},
		{"en-US", "O'Brien", "obrien"},
		{"ru", "Юлия", "yuliya"},
		{"ru", "Щербаков", "shcherbakov"},
		{"uk", "Олійник", "oliynyk"},
		{"uk", "Євген", "yevhen"},
		{"bg", "Кръстев", "krastev"},
	}
	for _, tt := range tests {
		if got := spell(localeByTag(t, tt.tag), tt.in); got != tt.want {
			t.Errorf("spell(%s, %q) = %q, want %q", tt.tag, tt.in, got, tt.want)
		}
	}
}

func localeByTag(t *testing.T, tag string) *locale {
	for _, l := range locales {
		if l.tag == tag {
			return l
		}
	}
	t.Fatalf("no locale %s", tag)
	return nil
}

func generate(t testing.TB, db *store.DB, contacts int, seed uint64) Result {
	t.Helper()
	res, err := Generate(context.Background(), db, Options{Contacts: contacts, Seed: seed, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestGenerate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res := generate(t, db, testContacts, 42)
		if res.Users != 50 || res.Companies != testContacts/10 || res.Contacts != testContacts ||
			res.Links < testContacts || res.Links > testContacts*13/10 {
			t.Fatalf("result %+v", res)
		}
		for table, want := range map[string]int{"users": res.Users, "companies": res.Companies,
			"contacts": res.Contacts, "contact_companies": res.Links, "outbox": 0} {
			if got := count(t, db, "SELECT COUNT(*) FROM "+table); got != want {
				t.Errorf("%s holds %d rows, the result says %d", table, got, want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS
			(SELECT 1 FROM contact_companies l WHERE l.workspace_id = c.workspace_id AND l.contact_id = c.id)`); n != 0 {
			t.Errorf("%d contacts have no company", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contact_companies l JOIN contacts c ON c.id = l.contact_id
			WHERE l.role = c.job_title`); n != testContacts {
			t.Errorf("%d links carry the contact's job title, want one per contact", n)
		}
		checkUsers(t, db)
		checkNames(t, db)
		checkPhones(t, db)
		checkEngine(t, db)
		checkSales(t, db, res)
		checkActivities(t, db, res)
	})
}

func checkUsers(t *testing.T, db *store.DB) {
	t.Helper()
	roles := map[string]int{}
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT email, role, password_hash FROM users ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var email, role, hash string
		if err := rows.Scan(&email, &role, &hash); err != nil {
			t.Fatal(err)
		}
		if email != userEmail(i) || hash != "!" {
			t.Errorf("user %d: %s with hash %q", i, email, hash)
		}
		roles[role]++
	}
	if roles["administrator"] != 1 || roles["manager"] < 2 || roles["salesperson"] < 40 {
		t.Errorf("roles %v", roles)
	}
}

// checkNames looks for names in Cyrillic and in Latin letters with
// diacritics, and for contacts whose address is in their phone's country.
func checkNames(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT full_name FROM contacts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cyrillic, accented, ascii int
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }):
			cyrillic++
		case strings.ContainsFunc(name, func(r rune) bool { return r > unicode.MaxASCII && unicode.Is(unicode.Latin, r) }):
			accented++
		default:
			ascii++
		}
	}
	if cyrillic < testContacts/20 || accented < testContacts/10 || ascii < testContacts/10 {
		t.Errorf("names: %d Cyrillic, %d Latin with diacritics, %d plain", cyrillic, accented, ascii)
	}
}

// checkPhones validates the stored phones of a sample of contacts and
// companies with libphonenumber, and checks that they belong to the
// country of the address.
func checkPhones(t *testing.T, db *store.DB) {
	t.Helper()
	d := db.Dialect
	for _, table := range []string{"contacts", "companies"} {
		rows, err := db.Reader().QueryContext(context.Background(), `SELECT `+d.JSONOut("phones")+`, `+d.JSONOut("address")+
			` FROM `+table+` WHERE phones IS NOT NULL AND address IS NOT NULL ORDER BY id LIMIT 300`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var phones, addr string
			if err := rows.Scan(&phones, &addr); err != nil {
				t.Fatal(err)
			}
			var items []records.Item
			var a struct{ Country string }
			if err := json.Unmarshal([]byte(phones), &items); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(addr), &a); err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.Valid == nil || !*it.Valid || it.Label == "" {
					t.Errorf("phone %+v lacks its label or valid flag", it)
				}
				checkPhone(t, it.Value, a.Country)
				n++
			}
		}
		rows.Close()
		if n < 200 {
			t.Errorf("only %d phones checked in %s", n, table)
		}
	}
}

// checkEngine reads the demo data through the records engine: the custom
// fields exist and filter, and the stored values are already what the
// engine would store, so writing them back changes nothing.
func checkEngine(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1})
	e := records.New(db, records.Options{})
	fields, err := e.Fields(ctx, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	custom := map[string]records.Type{}
	for _, f := range fields {
		if f.Custom {
			custom[f.Name] = f.Type
		}
	}
	if custom["tier"] != records.Select || custom["score"] != records.Integer || custom["lifetime_value"] != records.Money {
		t.Fatalf("custom fields %v", custom)
	}
	page, err := e.List(ctx, "contacts", records.Query{Count: true, Limit: 100,
		Filter: &records.Filter{Field: "tier", Op: records.Eq, Value: "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	if *page.Total < testContacts/10 || *page.Total > testContacts/5 {
		t.Errorf("%d gold contacts of %d, want about 15%%", *page.Total, testContacts)
	}
	for _, rec := range page.Data {
		if rec["tier"] != "gold" {
			t.Fatalf("filtered on gold, got %v", rec["tier"])
		}
	}
	for _, rec := range page.Data[:20] {
		rewrite(t, ctx, e, "contacts", rec, contactFields)
	}
	// Records created normally after a demo load get fresh ids.
	if _, err := e.Create(ctx, "contacts", map[string]any{"first_name": "After", "last_name": "Demo"}); err != nil {
		t.Fatalf("create after the demo: %v", err)
	}
}

var contactFields = []string{"first_name", "last_name", "full_name", "emails", "phones", "address", "social_profiles",
	"job_title", "language", "birthday", "source", "owner_id", "tags", "tier", "score", "lifetime_value"}

// rewrite submits the values of rec's fields names back through the
// engine's validation and checks that they come back unchanged.
func rewrite(t *testing.T, ctx context.Context, e *records.Engine, object string, rec records.Record, names []string) {
	t.Helper()
	in := map[string]any{}
	for _, n := range names {
		in[n] = rec[n]
	}
	body, _ := json.Marshal(in)
	input, err := records.DecodeInput(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Update(ctx, object, rec["id"].(string), rec["version"].(int64), input)
	if err != nil {
		t.Fatalf("%s %s does not pass validation: %v\n%s", object, rec["id"], err, body)
	}
	for _, n := range names {
		before, _ := json.Marshal(rec[n])
		after, _ := json.Marshal(got[n])
		if string(before) != string(after) {
			t.Errorf("%s %s: the engine stores %s as %s, the demo as %s", object, rec["id"], n, after, before)
		}
	}
}

func TestDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		other := storetest.SQLite(t)
		if db.Dialect == store.Postgres {
			other = storetest.Postgres(t)
		}
		third := storetest.SQLite(t)
		generate(t, db, testContacts, 7)
		generate(t, other, testContacts, 7)
		generate(t, third, 500, 8)
		a, b, c := digest(t, db), digest(t, other), digest(t, third)
		if a != b {
			t.Errorf("the same seed gave different data: %s and %s", a, b)
		}
		if a == c {
			t.Errorf("different seeds gave the same data")
		}
	})
}

// digest hashes every demo row in id order.
func digest(t *testing.T, db *store.DB) string {
	t.Helper()
	h := sha256.New()
	d := db.Dialect
	for _, q := range []string{
		`SELECT id, email, name, role, created_at FROM users ORDER BY id`,
		`SELECT id, name, domain, website, ` + d.JSONOut("phones") + `, ` + d.JSONOut("emails") + `, ` +
			d.JSONOut("address") + `, industry, size, owner_id, ` + d.JSONOut("tags") + `, created_at, updated_at FROM companies ORDER BY id`,
		`SELECT id, first_name, last_name, full_name, ` + d.JSONOut("emails") + `, ` + d.JSONOut("phones") + `, ` +
			d.JSONOut("address") + `, ` + d.JSONOut("social_profiles") + `, job_title, language, birthday, source, owner_id, ` +
			d.JSONOut("tags") + `, ` + d.JSONOut("custom") + `, created_at, updated_at FROM contacts ORDER BY id`,
		`SELECT contact_id, company_id, role FROM contact_companies ORDER BY contact_id, company_id`,
		`SELECT id, pipeline_id, name, position, probability, rotting_days, ` + d.JSONOut("required_fields") + ` FROM stages ORDER BY id`,
		`SELECT id, name, sku, ` + d.JSONOut("price") + `, tax_rate, stock FROM products ORDER BY id`,
		`SELECT id, title, ` + d.JSONOut("value") + `, pipeline_id, stage_id, status, owner_id, company_id, expected_close_date,
			closed_at, source, loss_reason_id, loss_note, stage_entered_at, ` + d.JSONOut("line_items") + `, ` + d.JSONOut("tags") +
			`, created_at, updated_at FROM deals ORDER BY id`,
		`SELECT deal_id, contact_id, role FROM deal_contacts ORDER BY deal_id, contact_id`,
		`SELECT id, deal_id, pipeline_id, stage_id, entered_at, left_at, entered_by, left_by FROM deal_stage_history ORDER BY id`,
		`SELECT id, kind, title, body, type, due_at, done, done_at, result, direction, phone, duration_seconds, call_result,
			started_at, starts_at, ends_at, place, record_type, record_id, owner_id, occurred_at, created_at, updated_at
			FROM activities ORDER BY id`,
	} {
		rows, err := db.Reader().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			h.Write([]byte{'\n'})
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGenerateAgain runs the demo on a database that already has demo
// data: users are reused and the new records follow the old.
func TestGenerateAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		generate(t, db, 300, 1)
		res := generate(t, db, 100, 2)
		if res.Users != 0 || res.Contacts != 100 || res.Companies != 10 || res.Deals != 30 || res.Activities != 300 ||
			res.Pipelines != 0 || res.Products != 0 {
			t.Fatalf("second run: %+v", res)
		}
		for table, want := range map[string]int{"pipelines": 2, "products": 200, "deals": 120, "activities": 1200} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != want {
				t.Errorf("%d %s after two runs, want %d", n, table, want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 400 {
			t.Errorf("%d contacts after two runs, want 400", n)
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT owner_id) FROM contacts`); n != 50 {
			t.Errorf("contacts are owned by %d users, want the 50 demo users", n)
		}
	})
}

// TestSchemaKept checks that the indexes and foreign keys the load drops
// come back, after a load that succeeds and after one that fails half way.
func TestSchemaKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		before := schema(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Cancel as soon as the load reports progress, in the middle of
		// the contacts.
		log := slog.New(cancelHandler{cancel})
		if _, err := Generate(ctx, db, Options{Contacts: progressEvery, Seed: 3, Log: log}); err == nil {
			t.Fatal("a cancelled load succeeded")
		}
		if got := schema(t, db); got != before {
			t.Errorf("a failed load changed the schema:\n%s\nwas\n%s", got, before)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM contacts"); n != 0 {
			t.Errorf("a failed load left %d contacts", n)
		}
		generate(t, db, 500, 3)
		after := schema(t, db)
		if db.Dialect == store.SQLite {
			// The custom field indexes the engine would have made.
			after = strings.ReplaceAll(strings.ReplaceAll(after,
				"CREATE INDEX contacts_cf_score ON contacts (workspace_id, json_extract(custom, '$.score'), id) WHERE deleted_at IS NULL\n", ""),
				"CREATE INDEX contacts_cf_tier ON contacts (workspace_id, json_extract(custom, '$.tier'), id) WHERE deleted_at IS NULL\n", "")
		}
		if after != before {
			t.Errorf("the load changed the schema:\n%s\nwas\n%s", after, before)
		}
	})
}

// schema lists the indexes and foreign keys of the tables the load fills
// and, on SQLite, the writer's cache size, which the load changes for a
// while.
func schema(t *testing.T, db *store.DB) string {
	t.Helper()
	q := `SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		UNION ALL SELECT 'cache_size ' || cache_size FROM pragma_cache_size ORDER BY 1`
	if db.Dialect == store.Postgres {
		q = `SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text IN (` + bulkNames + `)
			UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid::regclass::text IN (` + bulkNames + `) ORDER BY 1`
	}
	rows, err := db.Raw().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// bulkNames lists the tables the loaders fill, quoted for SQL.
var bulkNames = func() string {
	var names []string
	for _, t := range bulkTables {
		names = append(names, "'"+t.name+"'")
	}
	return strings.Join(names, ", ")
}()

// cancelHandler cancels a context at the first log record.
type cancelHandler struct{ cancel context.CancelFunc }

func (h cancelHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "demo: loading") {
		h.cancel()
	}
	return nil
}
func (h cancelHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelHandler) WithGroup(string) slog.Handler      { return h }

// TestGenerateBig loads a million contacts (or RAPPORT_DEMO_CONTACTS) and
// logs how long it took. It runs only when RAPPORT_DEMO_BIG=1, on SQLite
// and, when configured, on PostgreSQL.
func TestGenerateBig(t *testing.T) {
	if os.Getenv("RAPPORT_DEMO_BIG") != "1" {
		t.Skip("set RAPPORT_DEMO_BIG=1 to load 1,000,000 contacts")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
		n := 1_000_000
		if s := os.Getenv("RAPPORT_DEMO_CONTACTS"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		res, err := Generate(context.Background(), db, Options{Contacts: n, Seed: 1, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v in %s", db.Dialect.Name(), res, res.Duration.Round(time.Millisecond))
	})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// BenchmarkContactRows measures generating contacts alone, without a
// database, to show how much of a load is spent making the data.
func BenchmarkContactRows(b *testing.B) {
	g := &gen{d: store.SQLite, ws: 1, seed: 1, now: testNow, owners: []int64{1, 2, 3},
		contacts: b.N, companies: max(1, b.N/10)}
	b.ReportAllocs()
	n := 0
	for row := range g.contactRows() {
		n += len(row)
	}
	if n == 0 {
		b.Fatal("no rows")
	}
}
