package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/xuri/excelize/v2"
)

// env is an importer over a fresh database, with the services whose
// hooks write on every contact and company (duplicate keys, sales), acting
// as an administrator of workspace 1. Its files wait in dir.
type env struct {
	t   *testing.T
	db  *store.DB
	e   *records.Engine
	im  *importer.Importer
	dup *duplicate.Service
	ctx context.Context
	dir string
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(q store.Querier) error {
		return q.QueryRowContext(context.Background(), `INSERT INTO users (workspace_id, email, name, password_hash, role, created_at)
			VALUES (1, 'ada@example.com', 'Ada Admin', 'x', 'administrator', ?) RETURNING id`, db.Dialect.Time(time.Now())).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return envOf(t, db, id, t.TempDir())
}

// envOf is the env of administrator user on db, as one process has it,
// keeping its files in dir.
func envOf(t *testing.T, db *store.DB, user int64, dir string) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log})
	sales.New(db, e, sales.Options{Logger: log})
	dup := duplicate.New(db, e, duplicate.Options{Logger: log, PhoneRegion: "PL"})
	ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: user, Role: "administrator"})
	im := importer.New(db, e, log)
	if err := im.KeepFiles(dir); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, e: e, im: im, dup: dup, ctx: ctx, dir: dir}
}

// spool makes a file of the importer's of text.
func (v *env) spool(text string) *importer.File {
	v.t.Helper()
	f, err := v.im.Spool(strings.NewReader(text))
	if err != nil {
		v.t.Fatal(err)
	}
	return f
}

func (v *env) run(file string, opts importer.Options) *importer.Summary {
	v.t.Helper()
	s, err := v.try(file, opts)
	if err != nil {
		v.t.Fatal(err)
	}
	return s
}

func (v *env) try(file string, opts importer.Options) (*importer.Summary, error) {
	if opts.Object == "" {
		opts.Object = "contacts"
	}
	if opts.FileName == "" {
		opts.FileName = "people.csv"
	}
	return v.im.Run(v.ctx, strings.NewReader(file), int64(len(file)), opts)
}

func (v *env) create(object, body string) records.Record {
	v.t.Helper()
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		v.t.Fatal(err)
	}
	rec, err := v.e.Create(v.ctx, object, in)
	if err != nil {
		v.t.Fatal(err)
	}
	return rec
}

func (v *env) count(table string) int {
	v.t.Helper()
	var n int
	if err := v.db.Reader().QueryRowContext(v.ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		v.t.Fatal(err)
	}
	return n
}

func counts(s *importer.Summary) string {
	return fmt.Sprintf("rows %d, created %d, updated %d, skipped %d, failed %d", s.Rows, s.Created, s.Updated, s.Skipped, s.Failed)
}

// messy is a Polish spreadsheet's export: semicolons, day-first dates,
// a company column naming an existing company in another case and a new
// one twice, a bad e-mail, a date that does not exist, a phone number
// that is not one, and a repeated address.
const messy = "Imię;Nazwisko;E-mail;Telefon;Firma;Data urodzenia;Miasto\n" +
	"Jan;Kowalski;jan@example.com;601 234 567;ACME;31.01.1990;Kraków\n" +
	"Anna;Nowak;anna(at)example.com;602 345 678;Nowa Firma;01.02.1985;Gdańsk\n" +
	"Piotr;Wiśniewski;piotr@example.com;12;Nowa Firma;30/02/1980;Łódź\n" +
	"Ewa;Wójcik;ewa@example.com;abc;nowa firma;15/03/1979;Poznań\n" +
	"Jan;Kowalski (again);JAN@example.com;;;;\n"

func TestImportContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		acme := v.create("companies", `{"name": "Acme"}`)
		var rows []importer.RowResult
		s := v.run(messy, importer.Options{OnRow: func(r importer.RowResult) { rows = append(rows, r) }})
		if s.Status != importer.StatusCommitted || counts(s) != "rows 5, created 2, updated 0, skipped 1, failed 2" {
			t.Fatalf("%s %s: %+v", s.Status, counts(s), s.Problems)
		}
		if s.Match != "email" || s.Mapping["Firma"] != "companies" || s.Mapping["Miasto"] != "address.city" {
			t.Errorf("guessed %q %v", s.Match, s.Mapping)
		}
		want := []string{"created", "failed", "failed", "created", "skipped"}
		for i, r := range rows {
			if r.Action != want[i] || r.Row != i+2 {
				t.Errorf("row %d: %+v, want %s", i+2, r, want[i])
			}
		}
		bad := map[string]bool{}
		for _, p := range s.Problems {
			bad[fmt.Sprintf("%d %s %v", p.Row, p.Column, p.Kept)] = true
		}
		for _, k := range []string{"3 E-mail false", "4 Data urodzenia false", "5 Telefon true"} {
			if !bad[k] {
				t.Errorf("no problem %s in %+v", k, s.Problems)
			}
		}
		list, err := v.e.List(v.ctx, "contacts", records.Query{Sort: []string{"first_name"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Data) != 2 {
			t.Fatalf("contacts: %v", list.Data)
		}
		ewa, jan := list.Data[0], list.Data[1]
		if jan["birthday"] != "1990-01-31" || jan["source"] != "import" || fmt.Sprint(jan["address"]) != "map[city:Kraków]" {
			t.Errorf("jan: %v", jan)
		}
		if links := jan["companies"].([]records.LinkRef); len(links) != 1 || links[0].ID != acme["id"] {
			t.Errorf("jan links %v, want Acme %s", jan["companies"], acme["id"])
		}
		phones := fmt.Sprint(jan["phones"])
		if !strings.Contains(phones, "+48601234567") {
			t.Errorf("jan phones %s", phones)
		}
		if !strings.Contains(fmt.Sprint(ewa["phones"]), "valid:false") || ewa["birthday"] != "1979-03-15" {
			t.Errorf("ewa: %v", ewa)
		}
		// The rows naming "Nowa Firma" failed; the one naming "nowa firma"
		// made it.
		companies, _ := v.e.List(v.ctx, "companies", records.Query{Sort: []string{"name"}})
		if len(companies.Data) != 2 || companies.Data[1]["name"] != "nowa firma" {
			t.Errorf("companies: %v", companies.Data)
		}

		// The duplicate keys, made once for the whole import, are those a
		// rebuild makes.
		dupes := []string{"duplicate_keys", "duplicate_profiles"}
		keys := snapshot(t, db, dupes)
		if err := v.dup.Rebuild(v.ctx, 1); err != nil {
			t.Fatal(err)
		}
		if again := snapshot(t, db, dupes); again != keys || !strings.Contains(keys, "duplicate_keys") {
			t.Errorf("duplicate keys of the import:\n%s\nrebuilt:\n%s", keys, again)
		}

		// The report and the log.
		var buf bytes.Buffer
		if err := v.im.WriteErrors(v.ctx, s.ID, &buf); err != nil {
			t.Fatal(err)
		}
		report, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(report) != 4 || strings.Join(report[0], ",") != "row,column,value,reason" || report[1][0] != "3" || report[1][2] != "anna(at)example.com" {
			t.Errorf("report %v %v", report, err)
		}
		log, err := v.im.List(v.ctx, 10)
		if err != nil || len(log) != 1 || log[0].ID != s.ID || log[0].Created != 2 || log[0].FileName != "people.csv" || log[0].Mapping["Imię"] != "first_name" {
			t.Errorf("log %+v %v", log, err)
		}
	})
}

// TestDryRunMatchesRun runs each file dry and then for real: the counts
// and the row-by-row outcomes agree, and the dry run leaves no record.
func TestDryRunMatchesRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.create("contacts", `{"first_name": "Jan", "emails": ["jan@example.com"], "phones": ["+48 601 234 567"]}`)
		for _, opts := range []importer.Options{
			{}, {OnDuplicate: importer.Update}, {OnDuplicate: importer.Create}, {Match: "phone", OnDuplicate: importer.Update},
		} {
			before := v.count("contacts") + v.count("companies")
			var dry, real []string
			o := opts
			o.DryRun = true
			o.OnRow = func(r importer.RowResult) { dry = append(dry, fmt.Sprint(r.Row, r.Action)) }
			d := v.run(messy, o)
			if d.Status != importer.StatusDryRun || v.count("contacts")+v.count("companies") != before {
				t.Fatalf("%+v: dry run %s left records", opts, d.Status)
			}
			o.DryRun = false
			o.OnRow = func(r importer.RowResult) { real = append(real, fmt.Sprint(r.Row, r.Action)) }
			r := v.run(messy, o)
			if counts(d) != counts(r) || !slices.Equal(dry, real) {
				t.Errorf("%+v: dry %s %v, real %s %v", opts, counts(d), dry, counts(r), real)
			}
			if _, err := v.im.Undo(v.ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestStrict refuses the whole file for one bad row, and logs why.
func TestStrict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		s := v.run(messy, importer.Options{Strict: true})
		if s.Status != importer.StatusRefused || s.Failed != 2 || v.count("contacts") != 0 || v.count("companies") != 0 {
			t.Fatalf("%s %s", s.Status, counts(s))
		}
		got, err := v.im.Get(v.ctx, s.ID)
		if err != nil || got.Status != importer.StatusRefused || len(got.Problems) == 0 {
			t.Fatalf("%+v %v", got, err)
		}
		if _, err := v.im.Undo(v.ctx, s.ID); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("undo of a refused import: %v", err)
		}
	})
}

// TestDuplicates matches on each key with each policy. The external ids
// are written one at a time as the rows go, as those of a large file are
// in chunks, for the next import to match on.
func TestDuplicates(t *testing.T) {
	defer importer.SetExternalsChunk(1)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		jan := v.create("contacts", `{"first_name": "Jan", "last_name": "K", "emails": ["jan@example.com"], "phones": ["+48 601 234 567"], "tags": ["vip"]}`)
		file := "id,First name,Last name,Email,Phone,Tags\n" +
			"A1,Jan,Kowalski,jan@example.com,,new\n" +
			"A2,Other,Person,x@example.com,601-234-567,\n"
		ext := map[string]string{"id": "external_id"}
		for _, c := range []struct {
			opts importer.Options
			want string
		}{
			// A1 has no phone: a new contact; A2's phone is Jan's.
			{importer.Options{Match: "phone", Mapping: ext}, "created 1, updated 0, skipped 1, failed 0"},
			// By e-mail: A1 is Jan, A2 is new.
			{importer.Options{OnDuplicate: importer.Update}, "created 1, updated 1, skipped 0, failed 0"},
			// By external id: A1 is the contact of the first import; A2
			// has none yet.
			{importer.Options{Match: "external_id", Mapping: ext}, "created 1, updated 0, skipped 1, failed 0"},
			{importer.Options{Match: "external_id", Mapping: ext, OnDuplicate: importer.Update}, "created 0, updated 0, skipped 2, failed 0"},
			// By e-mail, each row finds a record other than the one its
			// external id belongs to.
			{importer.Options{Mapping: ext, OnDuplicate: importer.Update}, "created 0, updated 0, skipped 0, failed 2"},
			{importer.Options{OnDuplicate: importer.Create}, "created 2, updated 0, skipped 0, failed 0"},
		} {
			s := v.run(file, c.opts)
			if got := counts(s); got != "rows 2, "+c.want {
				t.Errorf("%+v: %s, want %s; %+v", c.opts, got, c.want, s.Problems)
			}
		}
		got, _ := v.e.Get(v.ctx, "contacts", jan["id"].(string), false)
		if got["last_name"] != "Kowalski" || fmt.Sprint(got["tags"]) != "[vip new]" || !strings.Contains(fmt.Sprint(got["phones"]), "+48601234567") {
			t.Errorf("jan after update: %v", got)
		}
	})
}

// TestUndo imports over existing records, undoes, and compares every
// table an import writes row for row with the state before. Versions
// and update times move on: an undo is a write like any other. The
// external ids are written as the rows go, as a large file's are.
func TestUndo(t *testing.T) {
	defer importer.SetExternalsChunk(1)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		acme := v.create("companies", `{"name": "Acme", "website": "acme.example"}`)
		v.create("contacts", `{"first_name": "Jan", "last_name": "K", "emails": ["jan@example.com"], "phones": ["(601) 234-567"],
			"address": {"street": "Rynek 1", "city": "Kraków"}, "tags": ["vip"], "companies": [{"id": "`+acme["id"].(string)+`", "role": "owner"}]}`)
		v.create("contacts", `{"first_name": "Untouched", "emails": ["u@example.com"]}`)
		tables := []string{"contacts", "companies", "contact_companies", "field_values", "duplicate_keys", "duplicate_profiles", "external_ids"}
		before := snapshot(t, db, tables)
		file := "Id,First name,Last name,Email,Phone,Company,City,Tags\n" +
			"J,Jan,Kowalski,jan@example.com,+48 602 000 000,Beta,Gdańsk,new\n" +
			"N,New,Person,new@example.com,,Acme,,\n" +
			"M,Third,Person,third@example.com,,Beta,,\n" +
			// A row that updates the record a row before it made in a
			// batch: the undo removes that record at its last version.
			"O,New,Person,new@example.com,+48 603 000 000,Acme,Łódź,\n"
		s := v.run(file, importer.Options{OnDuplicate: importer.Update, Mapping: map[string]string{"Id": "external_id"}})
		if counts(s) != "rows 4, created 2, updated 2, skipped 0, failed 0" {
			t.Fatalf("%s %+v", counts(s), s.Problems)
		}
		if snapshot(t, db, tables) == before {
			t.Fatal("the import changed nothing")
		}
		u, err := v.im.Undo(v.ctx, s.ID)
		if err != nil || u.Status != importer.StatusUndone {
			t.Fatalf("%+v %v", u, err)
		}
		if after := snapshot(t, db, tables); after != before {
			t.Errorf("after the undo:\n%s\nbefore:\n%s", after, before)
		}
		if _, err := v.im.Undo(v.ctx, s.ID); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("second undo: %v", err)
		}

		// A record changed since the import refuses the undo, whole.
		s = v.run(file, importer.Options{OnDuplicate: importer.Update})
		list, _ := v.e.List(v.ctx, "contacts", records.Query{Sort: []string{"first_name"}})
		for _, r := range list.Data {
			if r["first_name"] == "New" {
				if _, err := v.e.Update(v.ctx, "contacts", r["id"].(string), 0, map[string]any{"job_title": "Chef"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		mid := snapshot(t, db, tables)
		if _, err := v.im.Undo(v.ctx, s.ID); !fault.Is(err, fault.ECONFLICT) || !strings.Contains(err.Error(), "changed") {
			t.Errorf("undo over a later change: %v", err)
		}
		if snapshot(t, db, tables) != mid {
			t.Error("a refused undo changed something")
		}
	})
}

// snapshot is every row of tables, sorted, without the columns every
// write moves on (version, updated_at).
func snapshot(t *testing.T, db *store.DB, tables []string) string {
	t.Helper()
	var out []string
	for _, table := range tables {
		rows, err := db.Reader().QueryContext(context.Background(), `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line []string
			for i, c := range cols {
				if c == "version" || c == "updated_at" {
					continue
				}
				x := vals[i]
				if b, ok := x.([]byte); ok {
					x = string(b)
				}
				line = append(line, c+"="+fmt.Sprint(x))
			}
			out = append(out, table+": "+strings.Join(line, " "))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// TestRefused checks that options and mappings that cannot work are
// refused before anything is read, naming the option.
func TestRefused(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	for _, c := range []struct {
		file  string
		opts  importer.Options
		field string
	}{
		{messy, importer.Options{Object: "invoices"}, "object"},
		{messy, importer.Options{OnDuplicate: "merge"}, "on_duplicate"},
		{messy, importer.Options{Match: "name"}, "match"},
		{messy, importer.Options{Match: "external_id"}, "match"},
		{messy, importer.Options{Mapping: map[string]string{"Nope": "first_name"}}, "mapping"},
		{messy, importer.Options{Mapping: map[string]string{"Miasto": "shoe_size"}}, "mapping"},
		{messy, importer.Options{Mapping: map[string]string{"Miasto": "first_name"}}, "mapping"},
		{"Name,Birthday\nAda,03/04/1990\n", importer.Options{}, "dates"},
		{"", importer.Options{}, "file"},
	} {
		_, err := v.try(c.file, c.opts)
		var fe *fault.Error
		if !fault.Is(err, fault.EINVALID) || !asFault(err, &fe) || len(fe.Fields) == 0 || fe.Fields[0].Field != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.opts, err, c.field)
		}
	}
	if v.count("imports") != 0 {
		t.Error("a refused import was logged")
	}
}

func asFault(err error, fe **fault.Error) bool {
	f, ok := err.(*fault.Error)
	*fe = f
	return ok
}

// TestLargeImport imports enough rows for the duplicate service to
// rebuild instead of refreshing record by record, and checks that its
// keys and pairs are those of a rebuild, and the counts of a dry run.
func TestLargeImport(t *testing.T) {
	// The file counts as large: on SQLite the contacts' indexes are
	// dropped for the load and built again before the commit.
	defer importer.SetBulkBytes(0)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		indexes := column(t, db, `SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND sql IS NOT NULL ORDER BY name`)
		var b strings.Builder
		b.WriteString("First name,Last name,Email,Phone,Company\n")
		for i := range 1200 {
			fmt.Fprintf(&b, "Name%d,Family%d,person%d@example.com,+48 601 %03d %03d,Company %d\n", i%40, i%30, i%1100, i%1000, i, i%25)
		}
		dry := v.run(b.String(), importer.Options{DryRun: true})
		s := v.run(b.String(), importer.Options{})
		if counts(s) != "rows 1200, created 1100, updated 0, skipped 100, failed 0" || counts(dry) != counts(s) {
			t.Fatalf("dry %s, real %s %+v", counts(dry), counts(s), s.Problems)
		}
		if db.Dialect == store.SQLite {
			if after := column(t, db, `SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND sql IS NOT NULL ORDER BY name`); after != indexes || len(indexes) < 100 {
				t.Errorf("the contacts' indexes were\n%s\nand are after the import\n%s", indexes, after)
			}
		}
		dupes := []string{"duplicate_keys", "duplicate_profiles", "duplicate_pairs"}
		keys := snapshot(t, db, dupes)
		if err := v.dup.Rebuild(v.ctx, 1); err != nil {
			t.Fatal(err)
		}
		if again := snapshot(t, db, dupes); again != keys || !strings.Contains(keys, "duplicate_pairs") {
			t.Errorf("the import's duplicate keys and pairs differ from a rebuild's")
		}
	})
}

// TestImportDeals links deals to their pipeline, stage, owner, company
// and contacts by name, reads money with the file's decimal mark, fails
// rows naming what does not exist, and undoes.
func TestImportDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		fair := v.create("pipelines", `{"name": "Trade fair"}`)
		lead := v.create("stages", `{"pipeline_id": "`+fair["id"].(string)+`", "name": "Lead", "position": 1}`)
		offer := v.create("stages", `{"pipeline_id": "`+fair["id"].(string)+`", "name": "Offer", "position": 2}`)
		other := v.create("pipelines", `{"name": "Repeat"}`)
		v.create("stages", `{"pipeline_id": "`+other["id"].(string)+`", "name": "Offer", "position": 1}`)
		acme := v.create("companies", `{"name": "Acme"}`)
		jan := v.create("contacts", `{"first_name": "Jan", "emails": ["jan@example.com"]}`)
		tables := []string{"deals", "deal_contacts", "deal_stage_history", "companies", "contacts", "field_values"}
		before := snapshot(t, db, tables)
		file := "Deal name;Pipeline;Stage;Amount;Currency;Deal owner;Company;Contact;Close date\n" +
			"Big order;Trade fair;Offer;12 500,50;PLN;ada@example.com;ACME;jan@example.com;31.01.2027\n" +
			"Unknown stage;Trade fair;Nope;100;;;;;\n" +
			"Unknown pipeline;Nowhere;Lead;100;;;;;\n" +
			"Stage only;;Lead;1 000;;;Newco;;\n" +
			"Two pipelines;;Offer;1;;;;;\n" +
			"Bad contact;Trade fair;Lead;5;;;;nobody@example.com;\n"
		s := v.run(file, importer.Options{Object: "deals"})
		if counts(s) != "rows 6, created 2, updated 0, skipped 0, failed 4" {
			t.Fatalf("%s %+v", counts(s), s.Problems)
		}
		reasons := ""
		for _, p := range s.Problems {
			reasons += fmt.Sprintf("%d %s: %s\n", p.Row, p.Column, p.Reason)
		}
		for _, want := range []string{`3 Stage: stage_id the pipeline has no stage named "Nope"`, `4 Pipeline: pipeline_id no pipeline is named "Nowhere"`,
			`6 Stage: stage_id stages of several pipelines are named "Offer"`, `7 Contact: contacts no contact has the e-mail "nobody@example.com"`} {
			if !strings.Contains(reasons, want) {
				t.Errorf("no problem %q in\n%s", want, reasons)
			}
		}
		list, _ := v.e.List(v.ctx, "deals", records.Query{Sort: []string{"title"}})
		if len(list.Data) != 2 {
			t.Fatalf("deals: %v", list.Data)
		}
		big, only := list.Data[0], list.Data[1]
		if big["stage_id"] != offer["id"] || big["pipeline_id"] != fair["id"] || big["company_id"] != acme["id"] ||
			fmt.Sprint(big["value"]) != "map[amount:1250050 currency:PLN]" || big["expected_close_date"] != "2027-01-31" ||
			fmt.Sprint(big["contacts"]) != fmt.Sprintf("[{%s }]", jan["id"]) || big["owner_id"] == nil {
			t.Errorf("big order: %v", big)
		}
		if only["stage_id"] != lead["id"] || only["pipeline_id"] != fair["id"] || fmt.Sprint(only["value"]) != "map[amount:100000 currency:EUR]" {
			t.Errorf("stage only: %v", only)
		}
		if _, err := v.im.Undo(v.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, db, tables); after != before {
			t.Errorf("after the undo:\n%s\nbefore:\n%s", after, before)
		}
	})
}

// TestImportXLSX imports a workbook: its dates come as dates, its
// numbers as numbers.
func TestImportXLSX(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"First name", "Last name", "E-mail", "Birthday"},
		{"Ada", "Lovelace", "ada@example.com", time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC)},
		{"Bad", "Mail", "nope", nil},
	} {
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cellName, &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	s, err := v.im.Run(v.ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), importer.Options{Object: "contacts", FileName: "people.xlsx"})
	if err != nil || counts(s) != "rows 2, created 1, updated 0, skipped 0, failed 1" || s.Problems[0].Row != 3 {
		t.Fatalf("%v %+v", err, s)
	}
	list, _ := v.e.List(v.ctx, "contacts", records.Query{})
	if len(list.Data) != 1 || list.Data[0]["birthday"] != "1815-12-10" {
		t.Errorf("%v", list.Data)
	}
}

// TestExternalIDOfTrash gives the external id of a record in the trash
// to the record a new import makes.
func TestExternalIDOfTrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		file := "Id,Name\nX1,Acme\n"
		opts := importer.Options{Object: "companies", Match: "external_id", Mapping: map[string]string{"Id": "external_id"}}
		v.run(file, opts)
		list, _ := v.e.List(v.ctx, "companies", records.Query{})
		if err := v.e.Delete(v.ctx, "companies", list.Data[0]["id"].(string), 0); err != nil {
			t.Fatal(err)
		}
		s := v.run(file, opts)
		if counts(s) != "rows 1, created 1, updated 0, skipped 0, failed 0" {
			t.Fatalf("%s %+v", counts(s), s.Problems)
		}
		if s = v.run(file, opts); counts(s) != "rows 1, created 0, updated 0, skipped 1, failed 0" {
			t.Errorf("again: %s", counts(s))
		}
	})
}

// column returns the rows of a one-column query, one a line; on
// PostgreSQL, where sqlite_master does not exist, nothing.
func column(t *testing.T, db *store.DB, query string) string {
	t.Helper()
	if db.Dialect != store.SQLite {
		return ""
	}
	rows, err := db.Read(context.Background()).QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out.WriteString(s + "\n")
	}
	return out.String()
}

// TestLargeImportGathersStatistics: on PostgreSQL, an import that wrote
// many records leaves statistics of the tables it grew (its own, the
// companies its rows named and their links), gathered before its
// duplicate work, which reads those tables by lists of ids and was
// planned as if they were empty.
func TestLargeImportGathersStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite's import builds its indexes again instead")
		}
		defer importer.SetAnalyzeRows(20)()
		v := newEnv(t, db)
		var b strings.Builder
		b.WriteString("first_name,last_name,email,company\n")
		for i := range 40 {
			fmt.Fprintf(&b, "Ada,Lovelace%d,ada%d@example.com,Engines %d\n", i, i, i%7)
		}
		if s := v.run(b.String(), importer.Options{}); s.Created != 40 {
			t.Fatalf("the import: %s", counts(s))
		}
		for _, table := range []string{"contacts", "companies", "contact_companies"} {
			var tuples float64
			if err := db.Raw().QueryRowContext(v.ctx, `SELECT reltuples FROM pg_class
				WHERE relname = $1 AND relnamespace = current_schema()::regnamespace`, table).Scan(&tuples); err != nil {
				t.Fatal(err)
			}
			if tuples <= 0 {
				t.Errorf("%s has no statistics after the import (reltuples %v)", table, tuples)
			}
		}
	})
}
