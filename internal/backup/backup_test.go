package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// workspace is a database with the services that keep its derived tables.
type workspace struct {
	db     *store.DB
	engine *records.Engine
	search *search.Service
	admin  context.Context
}

func open(t *testing.T, db *store.DB) *workspace {
	t.Helper()
	w := &workspace{db: db}
	w.engine = records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: quiet})
	sales.New(db, w.engine, sales.Options{Logger: quiet}) // stage rules, totals and history
	w.search = search.New(db, w.engine, search.Options{Logger: quiet})
	return w
}

// fill gives w varied data: a small demo, then records written through
// the engine with unicode, JSON values and fields left NULL, a deleted
// record, and the search index.
func fill(t *testing.T, w *workspace) {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Generate(ctx, w.db, demo.Options{Contacts: 150, Seed: 3, Users: 4}); err != nil {
		t.Fatal(err)
	}
	id := accesstest.AddUser(t, w.db, 1, "backup@example.com", access.RoleAdministrator, 0)
	w.admin = access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: id})
	if _, err := w.engine.AddField(w.admin, "contact", records.FieldSpec{Name: "hobbies", Label: "Hobbies", Type: "multi_select",
		Options: []string{"chess", "go", "wéiqí"}}); err != nil {
		t.Fatal(err)
	}
	w.create(t, "contact", `{"first_name": "Zoë", "last_name": "Ñandú 李小龙 🙂 \"quoted\" \\ back", "hobbies": ["go", "wéiqí"]}`)
	w.create(t, "contact", `{"last_name": "Only a last name"}`)
	gone := w.create(t, "contact", `{"first_name": "Deleted", "last_name": "Soon"}`)
	if err := w.engine.Delete(w.admin, "contact", gone, 0); err != nil {
		t.Fatal(err)
	}
	pipeline := w.create(t, "pipeline", `{"name": "Backups"}`)
	stage := w.create(t, "stage", `{"pipeline_id": "`+pipeline+`", "name": "First"}`)
	w.create(t, "deal", `{"title": "Ünïcode deal", "pipeline_id": "`+pipeline+`", "stage_id": "`+stage+`", "value": {"amount": 123456, "currency": "EUR"}}`)
	if err := w.search.Rebuild(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func (w *workspace) create(t testing.TB, object, body string) string {
	t.Helper()
	var in map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	rec, err := w.engine.Create(w.admin, object, in)
	if err != nil {
		t.Fatalf("create %s %s: %v", object, body, err)
	}
	return rec["id"].(string)
}

// databases are the kinds of database the tests restore between.
func databases() []string {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

func fresh(t *testing.T, kind string) *store.DB {
	t.Helper()
	if kind == "postgres" {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

func take(t *testing.T, db *store.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	sum, err := backup.Write(context.Background(), db, &buf)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if (sum.Bytes > 0) != (db.Dialect == store.SQLite) || sum.Tables == 0 {
		t.Errorf("the backup of %s says it holds %d tables, %d rows, a file of %d bytes", db.Dialect.Name(), sum.Tables, sum.Rows, sum.Bytes)
	}
	return buf.Bytes()
}

// TestRestoreAcrossDatabases backs up a varied workspace from each
// database, restores it into each, and compares every table row for row;
// new records then get fresh ids, and the search index, which differs
// between the dialects, is rebuilt to the same documents.
//
// Each backup is restored in the format this rapport writes and in the
// old format 1, and into SQLite both ways: by rows (Restore) and by
// putting the database file in place (RestoreSQLite, as rapport restore
// does).
func TestRestoreAcrossDatabases(t *testing.T) {
	for _, from := range databases() {
		src := open(t, fresh(t, from))
		fill(t, src)
		files := map[string][]byte{"": take(t, src.db), "_format1": takeVersion1(t, src.db)}
		want := dump(t, src.db)
		for format, file := range files {
			for _, to := range append(databases(), "sqlite_file") {
				t.Run(from+format+"_to_"+to, func(t *testing.T) {
					dst, sum := restoreInto(t, to, file)
					for _, name := range sum.Skipped {
						if !strings.HasPrefix(name, "search_") || from == dst.db.Dialect.Name() {
							t.Errorf("restore left table %s out", name)
						}
					}
					same := from == dst.db.Dialect.Name()
					searchIndex := func(name string) bool { return strings.HasPrefix(name, "search_") }
					compare(t, want, dump(t, dst.db), func(name string) bool { return same || !searchIndex(name) })
					if len(sum.Skipped) > 0 {
						if err := dst.search.Rebuild(context.Background(), 1); err != nil {
							t.Fatal(err)
						}
						compare(t, want, dump(t, dst.db), searchIndex)
					}

					dst.admin = src.admin
					id := dst.create(t, "contact", `{"first_name": "After", "last_name": "Restore"}`)
					if n := count(t, dst.db, `SELECT count(*) FROM contacts`); n != want.rows("contacts")+1 {
						t.Errorf("a contact created after the restore (%s) makes %d contacts, want %d", id, n, want.rows("contacts")+1)
					}
				})
			}
		}
	}
}

// restoreInto restores file into a new database of kind to: "sqlite" and
// "postgres" by Restore, "sqlite_file" by RestoreSQLite. A restore table
// by table tells its log of every table.
func restoreInto(t *testing.T, to string, file []byte) (*workspace, backup.Summary) {
	t.Helper()
	ctx := context.Background()
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	told := func(sum backup.Summary) {
		t.Helper()
		if sum.Bytes > 0 && to == "sqlite_file" {
			return // the file put in place: no tables one by one
		}
		if n := strings.Count(logged.String(), `msg="restore: table loaded"`) + strings.Count(logged.String(), `msg="restore: table passed over"`); n != sum.Tables {
			t.Errorf("the restore told of %d tables, restored %d:\n%s", n, sum.Tables, logged.String())
		}
	}
	if to != "sqlite_file" {
		dst := open(t, fresh(t, to))
		sum, err := backup.Restore(ctx, dst.db, bytes.NewReader(file), log)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		told(sum)
		if to == "postgres" {
			// The restore takes keys and foreign keys off for the load:
			// all must be back as the migrations made them.
			if got, want := constraints(t, dst.db), constraints(t, fresh(t, to)); !slices.Equal(got, want) {
				t.Errorf("the restored database's constraints and indexes differ from a new one's:\n%s", diff(want, got))
			}
		}
		return dst, sum
	}
	dir := t.TempDir()
	sum, err := backup.RestoreSQLite(ctx, bytes.NewReader(file), dir, log)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	told(sum)
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return open(t, db), sum
}

// constraints lists the constraints and indexes of the PostgreSQL
// database db as their definitions.
func constraints(t *testing.T, db *store.DB) []string {
	t.Helper()
	return column[string](t, db, `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			|| CASE WHEN condeferrable THEN ' deferrable' ELSE '' END || CASE WHEN convalidated THEN '' ELSE ' not valid' END
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
		ORDER BY 1`)
}

// TestRestoreRefusesBrokenKeys restores backups whose checksums match
// but whose rows break a primary key (a contact twice) or point nowhere
// (a deal of a pipeline that does not exist): the database's own checks
// refuse them, in one line, and leave the database as it was. On
// PostgreSQL these checks run after the load, when the restore puts back
// the keys it took off, and name the table.
func TestRestoreRefusesBrokenKeys(t *testing.T) {
	src := open(t, storetest.SQLite(t))
	fill(t, src)
	content := gunzip(t, takeVersion1(t, src.db))
	twice := func(cols []string, rows [][]byte) [][]byte { return append(rows, rows[0]) }
	nowhere := func(cols []string, rows [][]byte) [][]byte {
		var row []any
		if err := json.Unmarshal(rows[0], &row); err != nil {
			t.Fatal(err)
		}
		row[slices.Index(cols, "pipeline_id")] = 987654321
		b, _ := json.Marshal(row)
		return append([][]byte{append(b, '\n')}, rows[1:]...)
	}
	cases := []struct {
		name                   string
		file                   []byte
		wantSQLite, wantPostgr string
	}{
		{"a row twice", gzipped(t, edited(t, content, "contacts", twice)), "UNIQUE constraint failed: contacts", `table contacts`},
		{"a row pointing nowhere", gzipped(t, edited(t, content, "deals", nowhere)), "FOREIGN KEY constraint failed", `table deals`},
	}
	for _, kind := range databases() {
		for _, c := range cases {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				want := c.wantSQLite
				if kind == "postgres" {
					want = c.wantPostgr
				}
				dst := fresh(t, kind)
				before := dump(t, dst)
				_, err := backup.Restore(context.Background(), dst, bytes.NewReader(c.file), nil)
				if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), want) {
					t.Errorf("restore said %v, want one line with %q", err, want)
				}
				compare(t, before, dump(t, dst), all)
			})
		}
	}
}

// edited changes the rows of table in content, a backup of format 1, by
// change (given the table's columns), and writes the trailer's counts and
// checksum again to match.
func edited(t *testing.T, content []byte, table string, change func(cols []string, rows [][]byte) [][]byte) []byte {
	t.Helper()
	lines := bytes.SplitAfter(bytes.TrimSuffix(content, []byte("\n")), []byte("\n"))
	lines, last := lines[:len(lines)-1], lines[len(lines)-1]
	var out [][]byte
	rows := 0
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		var start struct {
			Table   string
			Columns []string
		}
		if lines[i][0] == '[' {
			rows++
			continue
		}
		if json.Unmarshal(lines[i], &start) != nil || start.Table != table {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end][0] == '[' {
			end++
		}
		changed := change(start.Columns, slices.Clone(lines[i+1:end]))
		out = append(out, changed...)
		rows += len(changed)
		i = end - 1
	}
	var tr struct{ Trailer struct{ Tables int } }
	if err := json.Unmarshal(last, &tr); err != nil || tr.Trailer.Tables == 0 {
		t.Fatalf("the trailer %s: %v", last, err)
	}
	body := join(out...)
	sum := sha256.Sum256(body)
	return join(body, fmt.Appendf(nil, `{"trailer":{"tables":%d,"rows":%d,"sha256":"%s"}}`+"\n", tr.Trailer.Tables, rows, hex.EncodeToString(sum[:])))
}

// TestBackupWhileWriting takes a backup while contacts and deals are
// being created, and checks that the restored database is one moment of
// the source: every event in the outbox has its record and every record
// its event (both written in one transaction), and the kept stage totals
// match the deals.
func TestBackupWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		src := open(t, db)
		fill(t, src)
		pipeline := src.create(t, "pipeline", `{"name": "Busy"}`)
		stage := src.create(t, "stage", `{"pipeline_id": "`+pipeline+`", "name": "Open"}`)
		stop := make(chan struct{})
		done := make(chan int)
		go func() {
			n := 0
			defer func() { done <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n++
				src.create(t, "contact", fmt.Sprintf(`{"first_name": "Busy", "last_name": "Writer %d"}`, n))
				src.create(t, "deal", fmt.Sprintf(`{"title": "Busy %d", "pipeline_id": "%s", "stage_id": "%s", "value": {"amount": %d, "currency": "EUR"}}`,
					n, pipeline, stage, n*100))
			}
		}()
		time.Sleep(150 * time.Millisecond) // writes under way
		file := take(t, src.db)
		time.Sleep(50 * time.Millisecond)
		close(stop)
		written := <-done

		for _, to := range []string{src.db.Dialect.Name(), "sqlite_file"} {
			t.Run("to_"+to, func(t *testing.T) { checkOneMoment(t, to, file, written) })
		}
	})
}

// checkOneMoment restores file, a backup taken while written contacts
// were being written, into a database of kind to (as restoreInto), and
// checks that it holds one moment of its source.
func checkOneMoment(t *testing.T, to string, file []byte, written int) {
	t.Helper()
	dst, _ := restoreInto(t, to, file)
	busy := count(t, dst.db, `SELECT count(*) FROM contacts WHERE first_name = 'Busy'`)
	if busy == 0 || busy >= written {
		t.Fatalf("the backup holds %d of %d contacts written meanwhile; want it taken while they were written", busy, written)
	}
	for _, q := range []string{
		// every record created has its event, and every event its record
		`SELECT count(*) FROM contacts c WHERE c.first_name = 'Busy' AND NOT EXISTS
			(SELECT 1 FROM outbox o WHERE o.object = 'contact' AND o.action = 'create' AND o.record_id = ` + idText(dst.db, "c.id") + `)`,
		`SELECT count(*) FROM outbox o WHERE o.object = 'contact' AND o.action = 'create' AND NOT EXISTS
			(SELECT 1 FROM contacts c WHERE ` + idText(dst.db, "c.id") + ` = o.record_id)`,
		// every deal's stage belongs to its pipeline
		`SELECT count(*) FROM deals d JOIN stages s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id
			WHERE s.pipeline_id <> d.pipeline_id`,
		// every busy deal entered its stage in the history
		`SELECT count(*) FROM deals d WHERE d.title LIKE 'Busy %' AND NOT EXISTS
			(SELECT 1 FROM deal_stage_history h WHERE h.workspace_id = d.workspace_id AND h.deal_id = d.id)`,
		// the kept totals of the busy stage count its open deals
		`SELECT abs(coalesce((SELECT sum(deals) FROM stage_totals t JOIN stages s ON s.workspace_id = t.workspace_id AND s.id = t.stage_id
			WHERE s.name = 'Open'), 0) - (SELECT count(*) FROM deals d JOIN stages s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id
			WHERE s.name = 'Open' AND d.status = 'open' AND d.deleted_at IS NULL))`,
	} {
		if n := count(t, dst.db, q); n != 0 {
			t.Errorf("the restored database is not one moment of the source: %d rows of\n%s", n, q)
		}
	}
}

// idText is how the outbox writes a record's id.
func idText(db *store.DB, col string) string {
	if db.Dialect == store.Postgres {
		return col + "::text"
	}
	return "CAST(" + col + " AS TEXT)"
}

// refusal is a backup file a restore must refuse, and what it must say.
type refusal struct {
	name string
	file []byte
	want string
}

// TestRestoreRefuses feeds restore files it must refuse and a target that
// holds data; each is refused with a message naming the problem, and the
// target is left as it was.
func TestRestoreRefuses(t *testing.T) {
	src := open(t, storetest.SQLite(t))
	fill(t, src)
	file := take(t, src.db)
	cases := append(sqliteRefusals(t, file), rowRefusals(t, takeVersion1(t, src.db))...)
	for _, kind := range databases() {
		t.Run(kind, func(t *testing.T) {
			// One target for every case: each must leave it as it was.
			dst := fresh(t, kind)
			before := dump(t, dst)
			for _, c := range cases {
				_, err := backup.Restore(context.Background(), dst, bytes.NewReader(c.file), nil)
				if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s: restore said %v, want one line with %q", c.name, err, c.want)
				}
				compare(t, before, dump(t, dst), all)
			}

			if _, err := backup.Restore(context.Background(), dst, bytes.NewReader(file), nil); err != nil {
				t.Fatal(err)
			}
			before = dump(t, dst)
			_, err := backup.Restore(context.Background(), dst, bytes.NewReader(file), nil)
			if err == nil || !strings.Contains(err.Error(), "already holds data") {
				t.Errorf("a second restore into the same database said %v", err)
			}
			compare(t, before, dump(t, dst), all)
		})
	}
	t.Run("sqlite_file", func(t *testing.T) {
		// Restoring by putting the file in place: the database stays the
		// empty one it was, and no unpacked file is left beside it.
		dir := t.TempDir()
		for _, c := range cases {
			_, err := backup.RestoreSQLite(context.Background(), bytes.NewReader(c.file), dir, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: restore said %v, want one line with %q", c.name, err, c.want)
			}
			if n := tablesWithRows(t, dir); n != 0 {
				t.Fatalf("%s: the refused restore left %d tables with rows", c.name, n)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*restore*")); len(files) > 0 {
				t.Errorf("%s: the refused restore left %v", c.name, files)
			}
		}
		if _, err := backup.RestoreSQLite(context.Background(), bytes.NewReader(file), dir, nil); err != nil {
			t.Fatal(err)
		}
		_, err := backup.RestoreSQLite(context.Background(), bytes.NewReader(file), dir, nil)
		if err == nil || !strings.Contains(err.Error(), "already holds data") {
			t.Errorf("a second restore into the same database said %v", err)
		}
	})
}

// sqliteRefusals are damaged copies of file, a backup of SQLite.
func sqliteRefusals(t *testing.T, file []byte) []refusal {
	content := uns2(t, file)
	head, body, trailer := split(t, content)
	schema := schemaOf(t, head)
	// A byte changed inside the database, the file otherwise whole and
	// well-formed: only the checksum can tell.
	changed := slices.Clone(body)
	changed[len(changed)/2] ^= 0x40
	// The same change with the checksum made again to match: SQLite's
	// own check of the file must tell.
	damaged := slices.Clone(body)
	for i := 4096; i < len(damaged); i += 4096 {
		damaged[i] ^= 0xff // the first byte of each page: its kind
	}
	flipped := slices.Clone(file)
	flipped[len(flipped)/2] ^= 0x40
	return []refusal{
		{"sqlite: changed byte", s2ed(t, join(head, changed, trailer)), "checksum does not match"},
		{"sqlite: damaged database", s2ed(t, resum(t, head, damaged)), "damaged"},
		{"sqlite: flipped compressed byte", flipped, "corrupted"},
		{"sqlite: truncated", file[:len(file)*2/3], "truncated"},
		{"sqlite: no trailer", s2ed(t, join(head, body)), "truncated"},
		{"sqlite: newer format", s2ed(t, join(bytes.Replace(head, []byte(`"version":2,`), []byte(`"version":3,`), 1), body, trailer)), "format version is 3"},
		{"sqlite: newer schema", s2ed(t, join(bytes.Replace(head, []byte(`"schema":`+strconv.FormatInt(schema, 10)), []byte(`"schema":`+strconv.FormatInt(schema+1, 10)), 1), body, trailer)), "newer than this rapport"},
		{"not a backup", []byte("hello, world\n"), "neither an S2 nor a gzip stream"},
		{"empty file", nil, "truncated"},
	}
}

// rowRefusals are damaged copies of file, a backup of format 1 (gzip
// JSON lines).
func rowRefusals(t *testing.T, file []byte) []refusal {
	content := gunzip(t, file)
	schema := schemaOf(t, content[:bytes.IndexByte(content, '\n')])
	// A value changed in a row near the end, the file otherwise whole and
	// well-formed: only the checksum can tell.
	changed := bytes.Replace(content, []byte(`"Ünïcode deal"`), []byte(`"Unicode deal!"`), 1)
	if bytes.Equal(changed, content) {
		t.Fatal("the test deal is not in the backup")
	}
	flipped := slices.Clone(file)
	flipped[len(flipped)/2] ^= 0x40
	return []refusal{
		{"rows: changed value", gzipped(t, changed), "checksum does not match"},
		{"rows: flipped byte", flipped, "corrupted"},
		{"rows: truncated", file[:len(file)*2/3], "truncated"},
		{"rows: no trailer", gzipped(t, content[:bytes.LastIndex(content[:len(content)-1], []byte("\n"))+1]), "truncated"},
		{"rows: not a backup", gzipped(t, []byte("{\"hello\":1}\n")), "not start with a Rapport backup header"},
		{"rows: newer format", gzipped(t, bytes.Replace(content, []byte(`"version":1,`), []byte(`"version":3,`), 1)), "format version is 3"},
		{"rows: newer schema", gzipped(t, bytes.Replace(content, []byte(`"schema":`+strconv.FormatInt(schema, 10)), []byte(`"schema":`+strconv.FormatInt(schema+1, 10)), 1)), "newer than this rapport"},
	}
}

func takeVersion1(t *testing.T, db *store.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := backup.WriteVersion1(context.Background(), db, &buf); err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes()
}

func schemaOf(t *testing.T, head []byte) int64 {
	t.Helper()
	var h struct{ Schema int64 }
	if err := json.Unmarshal(head, &h); err != nil || h.Schema == 0 {
		t.Fatalf("the header %s: %v", head, err)
	}
	return h.Schema
}

// split cuts the content of a backup of SQLite into its header line, the
// database file and its trailer line.
func split(t *testing.T, content []byte) (head, body, trailer []byte) {
	t.Helper()
	end := bytes.IndexByte(content, '\n') + 1
	var h struct{ Size int }
	if err := json.Unmarshal(content[:end], &h); err != nil || h.Size == 0 {
		t.Fatalf("the header %s: %v", content[:end], err)
	}
	return content[:end], content[end : end+h.Size], content[end+h.Size:]
}

// resum joins head and body with a trailer whose checksum matches them.
func resum(t *testing.T, head, body []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(join(head, body))
	return join(head, body, []byte(`{"trailer":{"tables":1,"rows":0,"sha256":"`+hex.EncodeToString(sum[:])+`"}}`+"\n"))
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// tablesWithRows counts the tables of the SQLite database in dir that hold
// rows, but the seeded ones.
func tablesWithRows(t *testing.T, dir string) int {
	t.Helper()
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for name, table := range dump(t, db) {
		if len(table.rows) > 0 && name != "roles" && name != "workspaces" {
			n++
		}
	}
	return n
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzipReader(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSeededTables checks what restore assumes of a freshly migrated
// database: only the default workspace and its roles hold rows, which the
// backup replaces. A migration that seeds another table must be taught to
// restore (the seeded list in restore.go).
func TestSeededTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var holding []string
		for name, table := range dump(t, db) {
			if len(table.rows) > 0 {
				holding = append(holding, name)
			}
		}
		sort.Strings(holding)
		if want := []string{"roles", "workspaces"}; !slices.Equal(holding, want) {
			t.Errorf("a fresh database holds rows in %v, want %v", holding, want)
		}
	})
}

// TestTablesMatchAcrossDatabases checks that every table has the same
// columns on both databases but the search index's, which is built
// afresh when a backup moves between them: a table that differed would be
// left empty by a restore into the other database.
func TestTablesMatchAcrossDatabases(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	lite, pg := dump(t, storetest.SQLite(t)), dump(t, storetest.Postgres(t))
	for name, l := range lite {
		if strings.HasPrefix(name, "search_") {
			continue
		}
		p, ok := pg[name]
		if !ok {
			t.Errorf("table %s is on SQLite only", name)
			continue
		}
		a, b := slices.Sorted(slices.Values(l.cols)), slices.Sorted(slices.Values(p.cols))
		if !slices.Equal(a, b) {
			t.Errorf("table %s has columns %v on SQLite and %v on PostgreSQL", name, a, b)
		}
	}
	for name := range pg {
		if _, ok := lite[name]; !ok && !strings.HasPrefix(name, "search_") {
			t.Errorf("table %s is on PostgreSQL only", name)
		}
	}
}

// fullDisk takes room bytes, then fails as a full disk does.
type fullDisk struct {
	room    int
	written int
	refused int // writes after the disk filled up
}

var errFull = errors.New("no space left on device")

func (f *fullDisk) Write(p []byte) (int, error) {
	if f.written+len(p) > f.room {
		f.refused++
		return 0, errFull
	}
	f.written += len(p)
	return len(p), nil
}

// TestBackupStopsOnAFullDisk: the compression runs on a goroutine of its
// own, beside the reading of the rows; its writer's failure still reaches
// the caller, and the failed disk is not written again.
func TestBackupStopsOnAFullDisk(t *testing.T) {
	w := open(t, storetest.SQLite(t))
	fill(t, w)
	whole := len(take(t, w.db))
	disk := &fullDisk{room: whole / 3}
	_, err := backup.Write(context.Background(), w.db, disk)
	if !errors.Is(err, errFull) {
		t.Fatalf("backup to a full disk: %v, want %v", err, errFull)
	}
	// gzip writes in blocks of a few hundred bytes; had the backup gone
	// on to the end, the failing disk would have been called again and
	// again with the rest.
	if disk.refused > 3 {
		t.Errorf("the backup wrote %d times to a disk that had failed", disk.refused)
	}
}
