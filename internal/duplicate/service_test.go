package duplicate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// fixture is an engine granting by role with the duplicate service on it,
// and the people of accesstest in workspace 1.
type fixture struct {
	t      testing.TB
	db     *store.DB
	pol    *access.RolePolicy
	engine *records.Engine
	svc    *duplicate.Service
	people accesstest.People
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	svc := duplicate.New(db, engine, duplicate.Options{PhoneRegion: "US", Logger: quiet})
	return &fixture{t: t, db: db, pol: pol, engine: engine, svc: svc, people: accesstest.Setup(t, db, 1)}
}

// as acts as user in workspace ws.
func as(ws, user int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user})
}

// admin acts as the administrator of workspace 1.
func (f *fixture) admin() context.Context { return as(1, f.people.Admin) }

// create stores a record from JSON and returns its id.
func (f *fixture) create(ctx context.Context, object, body string) string {
	f.t.Helper()
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		f.t.Fatal(err)
	}
	rec, err := f.engine.Create(ctx, object, in)
	if err != nil {
		f.t.Fatalf("create %s %s: %v", object, body, err)
	}
	return rec["id"].(string)
}

func (f *fixture) get(ctx context.Context, object, id string) records.Record {
	f.t.Helper()
	rec, err := f.engine.Get(ctx, object, id, true)
	if err != nil {
		f.t.Fatalf("get %s %s: %v", object, id, err)
	}
	return rec
}

func ids(found []duplicate.Suspect) []string {
	out := []string{}
	for _, s := range found {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) of(ctx context.Context, object, id string) []string {
	f.t.Helper()
	found, err := f.svc.Of(ctx, object, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return ids(found)
}

// TestPairsFollowWrites checks that the likely duplicates of a record,
// its stored pairs and its groups follow creates, updates, deletes,
// restores and the links between contacts and companies.
func TestPairsFollowWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		ann := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"], "phones": ["(312) 555-0100"]}`)
		twin := f.create(ctx, "contact", `{"first_name": "Anne", "last_name": "Lee", "emails": ["ANN@x.example"]}`)
		caller := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "phones": ["+1 312 555 0100"]}`)
		other := f.create(ctx, "contact", `{"first_name": "Bo", "last_name": "Kim", "emails": ["other@x.example"]}`)
		if got := f.of(ctx, "contact", ann); !slices.Equal(got, sorted(twin, caller)) {
			t.Errorf("duplicates of ann: %v, want %v and %v", got, twin, caller)
		}
		if g := f.pages(ctx, 50); len(g) != 1 || !slices.Equal(g[0].IDs, sorted(ann, twin, caller)) {
			t.Errorf("groups: %v", g)
		}
		// A changed record and a deleted one drop out, of the pairs and
		// of the groups.
		if _, err := f.engine.Update(ctx, "contact", twin, 1, map[string]any{"first_name": "Zed", "emails": []any{"zed@y.example"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.Delete(ctx, "contact", caller, 0); err != nil {
			t.Fatal(err)
		}
		if got := f.of(ctx, "contact", ann); len(got) != 0 {
			t.Errorf("after the change and the delete: %v", got)
		}
		if g := f.pages(ctx, 50); len(g) != 0 {
			t.Errorf("groups after the change and the delete: %v", g)
		}
		if _, err := f.engine.Restore(ctx, "contact", caller); err != nil {
			t.Fatal(err)
		}
		if got := f.of(ctx, "contact", ann); !slices.Equal(got, []string{caller}) {
			t.Errorf("after the restore: %v", got)
		}
		if g := f.pages(ctx, 50); len(g) != 1 || !slices.Equal(g[0].IDs, sorted(ann, caller)) {
			t.Errorf("groups after the restore: %v", g)
		}
		// Similar names alone are not enough; at one company, linked from
		// either side, they are.
		jon := f.create(ctx, "contact", `{"first_name": "Jonathan", "last_name": "Smith"}`)
		john := f.create(ctx, "contact", `{"first_name": "Jonathon", "last_name": "Smith"}`)
		if got := f.of(ctx, "contact", jon); len(got) != 0 {
			t.Errorf("names alone matched: %v", got)
		}
		acme := f.create(ctx, "company", fmt.Sprintf(`{"name": "Acme", "contacts": [%q]}`, jon))
		if _, err := f.engine.Update(ctx, "contact", john, 1, map[string]any{"companies": []any{acme}}); err != nil {
			t.Fatal(err)
		}
		if got := f.of(ctx, "contact", jon); !slices.Equal(got, []string{john}) {
			t.Errorf("at one company: %v", got)
		}
		if _, err := f.engine.Update(ctx, "company", acme, 1, map[string]any{"contacts": []any{john}}); err != nil {
			t.Fatal(err)
		}
		if got := f.of(ctx, "contact", jon); len(got) != 0 {
			t.Errorf("after the company dropped jon: %v", got)
		}
		_ = other
	})
}

func TestCheckDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		acme := f.create(ctx, "company", `{"name": "Acme, Inc.", "phones": ["+1 415 555 2671"], "address": {"street": "1 Main Street"}}`)
		for _, c := range []struct {
			name, object, draft string
			want                []string
			reasons             []string
			field               string
		}{
			{"phone typed locally", "companies", `{"name": "Acme", "phones": [{"value": "(415) 555-2671", "label": "work"}]}`, []string{acme}, []string{"name", "phone"}, ""},
			{"name at the address", "company", `{"name": "ACME LLC", "address": {"street": "1 Main St."}}`, []string{acme}, []string{"name", "address"}, ""},
			{"a phone alone", "companies", `{"name": "Other", "phones": ["(415) 555-2671"]}`, []string{}, nil, ""},
			{"nothing alike", "companies", `{"name": "Globex", "address": {"street": "9 Elm St"}}`, []string{}, nil, ""},
			{"unknown field", "companies", `{"name": "Acme", "shoe_size": 4}`, nil, nil, "shoe_size"},
			{"wrong type", "companies", `{"name": 7}`, nil, nil, "name"},
			{"bad e-mail list", "contacts", `{"emails": [7]}`, nil, nil, "emails[0]"},
		} {
			draft, _ := records.DecodeInput([]byte(c.draft))
			found, err := f.svc.Check(ctx, c.object, draft)
			if c.field != "" {
				if !hasField(err, fault.EINVALID, c.field) {
					t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := ids(found); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
			if len(found) > 0 && (!slices.Equal(found[0].Reasons, c.reasons) || found[0].Score <= 0) {
				t.Errorf("%s: %+v, want reasons %v", c.name, found[0], c.reasons)
			}
		}
		if _, err := f.svc.Check(ctx, "deals", map[string]any{}); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("deals: %v", err)
		}
	})
}

// hasField reports whether err has code and names field.
func hasField(err error, code, field string) bool {
	var fe *fault.Error
	if !errorsAs(err, &fe) || fe.Code != code {
		return false
	}
	for _, x := range fe.Fields {
		if x.Field == field {
			return true
		}
	}
	return false
}

func errorsAs(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}

// TestGroupsAcrossTheWorkspace checks the scan: groups, paging, the
// caller's read scope, other workspaces, and a rebuilt index.
func TestGroupsAcrossTheWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		self, mate := f.people.Actor(), f.people.ByCls[accesstest.Teammate]
		var want [][]string
		for i := range 5 {
			owner := self
			if i%2 == 1 {
				owner = mate
			}
			last := []string{"Lee", "Kim", "Novak", "Ivanova", "Popescu"}[i]
			a := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": %q, "emails": ["p%d@x.example"], "owner_id": "%d"}`, last, i, owner))
			b := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Anne", "last_name": %q, "emails": ["P%d@X.example"], "owner_id": "%d"}`, last, i, owner))
			want = append(want, []string{a, b})
		}
		f.create(ctx, "contact", `{"first_name": "Alone", "emails": ["alone@x.example"]}`)
		// The same e-mails in another workspace form no group with these.
		accesstest.AddWorkspace(t, db, 2)
		other := accesstest.AddUser(t, db, 2, "admin@two.example", access.RoleAdministrator, 0)
		f.create(as(2, other), "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["p0@x.example"]}`)

		all := f.pages(ctx, 2)
		if len(all) != 5 {
			t.Fatalf("groups %v, want %v", all, want)
		}
		for i, g := range all {
			if !slices.Equal(g.IDs, want[i]) {
				t.Errorf("group %d: %+v, want %v", i, g, want[i])
			}
		}
		// A salesperson sees the groups of their own records only.
		accesstest.SetRole(t, db, 1, self, access.RoleSalesperson)
		f.pol.Invalidate(1)
		mine := f.pages(as(1, self), 50)
		if len(mine) != 3 || !slices.Equal(mine[1].IDs, want[2]) {
			t.Errorf("a salesperson's groups: %v", mine)
		}
		// Workspace 2 sees none of workspace 1's.
		if g := f.pages(as(2, other), 50); len(g) != 0 {
			t.Errorf("workspace 2: %v", g)
		}
		// The tables rebuilt from the records give the same groups.
		for _, table := range []string{"duplicate_keys", "duplicate_pairs", "duplicate_groups"} {
			if _, err := db.Raw().Exec(`DELETE FROM ` + table); err != nil {
				t.Fatal(err)
			}
		}
		if g := f.pages(ctx, 50); len(g) != 0 {
			t.Fatalf("without pairs: %v", g)
		}
		// As large rebuilds do, the keys' index by record is built after
		// them, and is there when the rebuild is done.
		restore := duplicate.SetBulkKeys(0)
		err := f.svc.Rebuild(context.Background(), 1)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if g := f.pages(ctx, 50); len(g) != 5 || !slices.Equal(g[4].IDs, want[4]) {
			t.Errorf("after Rebuild: %v", g)
		}
		if db.Dialect == store.SQLite {
			var n int
			if err := db.Raw().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'duplicate_keys_record'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("the keys' index by record after a rebuild: %d, %v", n, err)
			}
		}
		for _, c := range []struct {
			cursor string
			limit  int
			field  string
		}{{"garbage", 10, "cursor"}, {"", 201, "limit"}, {"", -1, "limit"}} {
			if _, err := f.svc.Groups(ctx, "contacts", c.cursor, c.limit); !hasField(err, fault.EINVALID, c.field) {
				t.Errorf("cursor %q limit %d: %v", c.cursor, c.limit, err)
			}
		}
	})
}

// pages reads every group, limit at a time.
func (f *fixture) pages(ctx context.Context, limit int) []duplicate.Group {
	f.t.Helper()
	var all []duplicate.Group
	cursor := ""
	for {
		page, err := f.svc.Groups(ctx, "contacts", cursor, limit)
		if err != nil {
			f.t.Fatal(err)
		}
		all = append(all, page.Data...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func TestMergeContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		acme := f.create(ctx, "company", `{"name": "Acme"}`)
		globex := f.create(ctx, "company", `{"name": "Globex"}`)
		into := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "job_title": "CEO", "companies": [{"id": %q, "role": "boss"}]}`, acme))
		from := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "job_title": "Founder",
			"emails": ["ann@x.example"], "companies": [{"id": %q, "role": "owner"}, %q]}`, acme, globex))
		note := f.create(ctx, "note", fmt.Sprintf(`{"body": "met at the fair", "record_type": "contact", "record_id": %q}`, from))
		deal := f.create(ctx, "deal", fmt.Sprintf(`{"title": "Big one", "contacts": [%q, %q]}`, from, into))
		other := f.create(ctx, "deal", fmt.Sprintf(`{"title": "Small one", "contacts": [%q]}`, from))

		rec, err := f.svc.Merge(ctx, "contacts", duplicate.MergeRequest{Into: into, From: []string{from},
			Fields: map[string]string{"last_name": from, "emails": from, "job_title": into}})
		if err != nil {
			t.Fatal(err)
		}
		if rec["full_name"] != "Ann Lee" || rec["job_title"] != "CEO" || !hasEmail(rec, "ann@x.example") {
			t.Errorf("survivor %v", rec)
		}
		if got := linkIDs(rec["companies"]); !slices.Equal(got, sorted(acme, globex)) {
			t.Errorf("companies %v, want %s and %s", got, acme, globex)
		}
		if role := rec["companies"].([]records.LinkRef)[0].Role; role != "boss" {
			t.Errorf("the survivor's own link lost its role: %q", role)
		}
		if n := f.get(ctx, "note", note)["record_id"]; n != into {
			t.Errorf("note points at %v", n)
		}
		for _, d := range []string{deal, other} {
			if got := linkIDs(f.get(ctx, "deal", d)["contacts"]); !slices.Equal(got, []string{into}) {
				t.Errorf("deal %s contacts %v", d, got)
			}
		}
		if _, err := f.engine.Get(ctx, "contact", from, false); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("the merged contact is still there: %v", err)
		}
		// The audit trail names the merge.
		if _, err := audit.NewConsumer(db, audit.Options{Logger: quiet}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		page, err := audit.List(ctx, db, audit.Filter{Object: "contact", RecordID: into, Action: "merge"}, "", audit.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 || page.Data[0].ActorID != f.people.Admin || fmt.Sprint(page.Data[0].Changes["merged"].After) != fmt.Sprint([]any{from}) {
			t.Errorf("audit entries %+v", page.Data)
		}
		deleted, _ := audit.List(ctx, db, audit.Filter{Object: "contact", RecordID: from, Action: "delete"}, "", audit.MaxLimit)
		if len(deleted.Data) != 1 {
			t.Errorf("the merged contact's delete is not in the trail: %+v", deleted.Data)
		}
	})
}

func TestMergeCompanies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		into := f.create(ctx, "company", `{"name": "Acme"}`)
		from := f.create(ctx, "company", `{"name": "ACME Inc.", "domain": "acme.example"}`)
		ann := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "companies": [%q]}`, from))
		bob := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Bob", "companies": [%q, %q]}`, from, into))
		deal := f.create(ctx, "deal", fmt.Sprintf(`{"title": "Big one", "company_id": %q}`, from))
		call := f.create(ctx, "call", fmt.Sprintf(`{"direction": "inbound", "record_type": "companies", "record_id": %q}`, from))
		rec, err := f.svc.Merge(ctx, "company", duplicate.MergeRequest{Into: into, From: []string{from}, Fields: map[string]string{"domain": from}})
		if err != nil {
			t.Fatal(err)
		}
		if rec["domain"] != "acme.example" || !slices.Equal(linkIDs(rec["contacts"]), sorted(ann, bob)) {
			t.Errorf("survivor %v", rec)
		}
		if d := f.get(ctx, "deal", deal); d["company_id"] != into || d["version"] != int64(2) {
			t.Errorf("deal %v", d)
		}
		if c := f.get(ctx, "call", call)["record_id"]; c != into {
			t.Errorf("call points at %v", c)
		}
		// Ann's keys now name the survivor: a namesake there is found.
		twin := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "companies": [%q]}`, into))
		if got := f.of(ctx, "contact", ann); !slices.Equal(got, []string{twin}) {
			t.Errorf("duplicates of ann: %v", got)
		}
	})
}

// TestMergeRefusals checks every refusal names its field and changes
// nothing.
func TestMergeRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		a := f.create(ctx, "contact", `{"first_name": "A"}`)
		b := f.create(ctx, "contact", `{"first_name": "B"}`)
		var company string // an id no contact has
		for range 5 {
			company = f.create(ctx, "company", `{"name": "C"}`)
		}
		gone := f.create(ctx, "contact", `{"first_name": "Gone"}`)
		if err := f.engine.Delete(ctx, "contact", gone, 0); err != nil {
			t.Fatal(err)
		}
		accesstest.AddWorkspace(t, db, 2)
		stranger := f.create(as(2, accesstest.AddUser(t, db, 2, "two@x.example", access.RoleAdministrator, 0)), "contact", `{"first_name": "S"}`)
		for _, c := range []struct {
			name   string
			req    duplicate.MergeRequest
			code   string
			field  string
			object string
		}{
			{"no survivor", duplicate.MergeRequest{From: []string{b}}, fault.EINVALID, "into", ""},
			{"nothing to merge", duplicate.MergeRequest{Into: a}, fault.EINVALID, "from", ""},
			{"into itself", duplicate.MergeRequest{Into: a, From: []string{b, a}}, fault.EINVALID, "from[1]", ""},
			{"twice", duplicate.MergeRequest{Into: a, From: []string{b, b}}, fault.EINVALID, "from[1]", ""},
			{"unknown field", duplicate.MergeRequest{Into: a, From: []string{b}, Fields: map[string]string{"shoe_size": b}}, fault.EINVALID, "fields.shoe_size", ""},
			{"system field", duplicate.MergeRequest{Into: a, From: []string{b}, Fields: map[string]string{"version": b}}, fault.EINVALID, "fields.version", ""},
			{"links", duplicate.MergeRequest{Into: a, From: []string{b}, Fields: map[string]string{"companies": b}}, fault.EINVALID, "fields.companies", ""},
			{"read-only field", duplicate.MergeRequest{Into: a, From: []string{b}, Fields: map[string]string{"last_purchase_on": b}}, fault.EINVALID, "fields.last_purchase_on", ""},
			{"value from outside", duplicate.MergeRequest{Into: a, From: []string{b}, Fields: map[string]string{"first_name": gone}}, fault.EINVALID, "fields.first_name", ""},
			{"another workspace's", duplicate.MergeRequest{Into: a, From: []string{stranger}}, fault.ENOTFOUND, "from[0]", ""},
			{"a company as a contact", duplicate.MergeRequest{Into: a, From: []string{company}}, fault.ENOTFOUND, "from[0]", ""},
			{"a deleted one", duplicate.MergeRequest{Into: gone, From: []string{b}}, fault.ECONFLICT, "into", ""},
			{"a deleted one to merge", duplicate.MergeRequest{Into: a, From: []string{b, gone}}, fault.ECONFLICT, "from[1]", ""},
			{"no id at all", duplicate.MergeRequest{Into: "x", From: []string{"y"}}, fault.ENOTFOUND, "into", ""},
			{"not an id", duplicate.MergeRequest{Into: a, From: []string{"x1"}}, fault.ENOTFOUND, "from[0]", ""},
			{"an object without duplicates", duplicate.MergeRequest{Into: a, From: []string{b}}, fault.ENOTFOUND, "", "deals"},
		} {
			object := "contacts"
			if c.object != "" {
				object = c.object
			}
			_, err := f.svc.Merge(ctx, object, c.req)
			if fault.Code(err) != c.code || c.field != "" && !hasField(err, c.code, c.field) {
				t.Errorf("%s: %v, want %s naming %s", c.name, err, c.code, c.field)
			}
		}
		for _, id := range []string{a, b} {
			if v := f.get(ctx, "contact", id)["version"]; v != int64(1) {
				t.Errorf("contact %s is at version %v after refused merges", id, v)
			}
		}
	})
}

func TestSalespersonCannotMergeAColleaguesRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		self, mate := f.people.Actor(), f.people.ByCls[accesstest.Teammate]
		ctx := f.admin()
		mine := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Mine", "owner_id": "%d"}`, self))
		theirs := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Theirs", "owner_id": "%d"}`, mate))
		accesstest.SetRole(t, db, 1, self, access.RoleSalesperson)
		f.pol.Invalidate(1)
		me := as(1, self)
		for _, req := range []duplicate.MergeRequest{{Into: mine, From: []string{theirs}}, {Into: theirs, From: []string{mine}}} {
			if _, err := f.svc.Merge(me, "contacts", req); !fault.Is(err, fault.ENOTFOUND) {
				t.Errorf("merge %v: %v, want not found", req, err)
			}
		}
		// With every contact in sight but only their own to change, the
		// refusal says so.
		role := access.Role{Name: "reader", Grants: access.Grants{"contact": {"read": "all", "update": "own", "delete": "own"}}}
		if _, err := f.pol.CreateRole(ctx, role.Spec()); err != nil {
			t.Fatal(err)
		}
		accesstest.SetRole(t, db, 1, self, "reader")
		f.pol.Invalidate(1)
		if _, err := f.svc.Merge(me, "contacts", duplicate.MergeRequest{Into: mine, From: []string{theirs}}); !hasField(err, fault.EFORBIDDEN, "from[0]") {
			t.Errorf("merging the colleague's: %v", err)
		}
		if _, err := f.engine.Get(ctx, "contact", theirs, false); err != nil {
			t.Errorf("the colleague's contact: %v", err)
		}
	})
}

func hasEmail(rec records.Record, addr string) bool {
	b, _ := json.Marshal(rec["emails"])
	return json.Valid(b) && slices.ContainsFunc(rec["emails"].([]any), func(v any) bool {
		m, _ := v.(map[string]any)
		return m["value"] == addr
	})
}

func linkIDs(v any) []string {
	out := []string{}
	links, _ := v.([]records.LinkRef)
	for _, l := range links {
		out = append(out, l.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestReviewAndDecisions checks the review queue: pairs between the
// thresholds, only those the caller may read; a "different" decision
// takes a pair out of the queue and its group for good, a rescore
// included; a merge empties the group.
func TestReviewAndDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		self, mate := f.people.Actor(), f.people.ByCls[accesstest.Teammate]
		ann := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"], "owner_id": "%d"}`, self))
		namesake := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "owner_id": "%d"}`, self))
		theirs := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee", "address": {"city": "Vilnius"}, "owner_id": "%d"}`, mate))
		twin := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Anne", "last_name": "Lee", "emails": ["ANN@x.example"], "owner_id": "%d"}`, self))
		review := func(ctx context.Context) []string {
			t.Helper()
			page, err := f.svc.Review(ctx, "contacts", "", 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range page.Data {
				if p.Probability < duplicate.DefaultReview || p.Probability >= duplicate.DefaultDuplicate || len(p.Contributions) == 0 {
					t.Errorf("pair %+v out of the queue's band or unexplained", p)
				}
				out = append(out, p.A+"-"+p.B)
			}
			slices.Sort(out)
			return out
		}
		pair := func(a, b string) string {
			if len(a) > len(b) || (len(a) == len(b) && a > b) {
				a, b = b, a
			}
			return a + "-" + b
		}
		all := review(ctx)
		if !slices.Contains(all, pair(ann, namesake)) || !slices.Contains(all, pair(namesake, theirs)) {
			t.Fatalf("the administrator's queue: %v", all)
		}
		if g := f.pages(ctx, 50); len(g) != 1 || !slices.Equal(g[0].IDs, sorted(ann, twin)) {
			t.Errorf("groups: %v", g)
		}
		// A salesperson never sees a pair with a colleague's record.
		accesstest.SetRole(t, db, 1, self, access.RoleSalesperson)
		f.pol.Invalidate(1)
		mine := review(as(1, self))
		for _, p := range mine {
			if slices.Contains([]string{pair(namesake, theirs), pair(ann, theirs)}, p) {
				t.Errorf("the salesperson sees %s", p)
			}
		}
		if !slices.Contains(mine, pair(ann, namesake)) {
			t.Errorf("the salesperson's queue lacks the pair of their own records: %v", mine)
		}
		// The colleague's record handed over joins the salesperson's queue.
		if _, err := f.engine.Update(ctx, "contact", theirs, 1, map[string]any{"owner_id": fmt.Sprint(self)}); err != nil {
			t.Fatal(err)
		}
		if got := review(as(1, self)); !slices.Contains(got, pair(namesake, theirs)) {
			t.Errorf("after the handover the salesperson's queue is %v", got)
		}
		if _, err := f.engine.Update(ctx, "contact", theirs, 2, map[string]any{"owner_id": fmt.Sprint(mate)}); err != nil {
			t.Fatal(err)
		}
		if got := review(as(1, self)); slices.Contains(got, pair(namesake, theirs)) {
			t.Errorf("after the handback the salesperson's queue is %v", got)
		}
		if err := f.svc.Decide(as(1, self), "contacts", duplicate.Decision{A: theirs, B: namesake}); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("a salesperson decides on a colleague's record: %v", err)
		}
		if _, err := f.svc.Overview(as(1, self), "contacts"); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson reads the settings: %v", err)
		}
		accesstest.SetRole(t, db, 1, self, access.RoleAdministrator)
		f.pol.Invalidate(1)
		// "Different" is kept: out of the queue, out of the group, and
		// never asked again, even after a rescore or a change.
		if err := f.svc.Decide(ctx, "contacts", duplicate.Decision{A: namesake, B: ann}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Decide(ctx, "contacts", duplicate.Decision{A: twin, B: ann}); err != nil {
			t.Fatal(err)
		}
		if g := f.pages(ctx, 50); len(g) != 0 {
			t.Errorf("groups after twin and ann were said different: %v", g)
		}
		if _, err := f.svc.Rescore(context.Background(), 1, "contacts"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.engine.Update(ctx, "contact", namesake, 1, map[string]any{"job_title": "CEO"}); err != nil {
			t.Fatal(err)
		}
		if got := review(ctx); slices.Contains(got, pair(ann, namesake)) {
			t.Errorf("a decided pair is asked again: %v", got)
		}
		if g := f.pages(ctx, 50); len(g) != 0 {
			t.Errorf("groups after the rescore: %v", g)
		}
		// "Same" groups the pair, whatever its probability; a merge then
		// leaves no group.
		if err := f.svc.Decide(ctx, "contacts", duplicate.Decision{A: ann, B: twin, Same: true}); err != nil {
			t.Fatal(err)
		}
		if g := f.pages(ctx, 50); len(g) != 1 || !slices.Equal(g[0].IDs, sorted(ann, twin)) {
			t.Errorf("groups after same: %v", g)
		}
		if _, err := f.svc.Merge(ctx, "contact", duplicate.MergeRequest{Into: ann, From: []string{twin}}); err != nil {
			t.Fatal(err)
		}
		if g := f.pages(ctx, 50); len(g) != 0 {
			t.Errorf("groups after the merge: %v", g)
		}
		for _, c := range []struct {
			d     duplicate.Decision
			field string
		}{{duplicate.Decision{A: "x", B: ann}, "a"}, {duplicate.Decision{A: ann, B: ""}, "b"}, {duplicate.Decision{A: ann, B: ann}, "b"}} {
			if err := f.svc.Decide(ctx, "contacts", c.d); !hasField(err, fault.EINVALID, c.field) {
				t.Errorf("decision %+v: %v", c.d, err)
			}
		}
	})
}

// TestBigBlocksAreCapped fills one block past duplicate.MaxBlock (many
// people sharing a family name and an initial): a write skips that block
// and counts it, and still finds a duplicate through another block.
func TestBigBlocksAreCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		for i := range duplicate.MaxBlock + 1 {
			f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Ann%c%c", "last_name": "Lee", "emails": ["crowd%d@x.example"]}`, 'a'+i%26, 'a'+i/26, i))
		}
		ann := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"]}`)
		before := duplicate.CappedBlocks.Load()
		twin := f.create(ctx, "contact", `{"first_name": "Anne", "last_name": "Lee", "emails": ["ANN@x.example"]}`)
		if duplicate.CappedBlocks.Load() == before {
			t.Error("the full block was not counted as capped")
		}
		if got := f.of(ctx, "contact", twin); !slices.Contains(got, ann) {
			t.Errorf("duplicates of the twin: %v, want %s among them", got, ann)
		}
	})
}

// TestWritesDuringARescoreAreKept changes, adds and deletes contacts while
// a background rescore compares a snapshot: the rescore's writing must not
// put back what those writes removed, nor lose what they added.
func TestWritesDuringARescoreAreKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		ann := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"]}`)
		twin := f.create(ctx, "contact", `{"first_name": "Anne", "last_name": "Lee", "emails": ["ANN@x.example"]}`)
		gone := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"], "job_title": "CTO"}`)
		bo := f.create(ctx, "contact", `{"first_name": "Bo", "last_name": "Kim", "emails": ["bo@y.example"]}`)
		if got := f.of(ctx, "contact", ann); !slices.Equal(got, sorted(twin, gone)) {
			t.Fatalf("before: duplicates of ann %v, want %v", got, sorted(twin, gone))
		}
		// Pairs of twins that nothing touches: the rescore writes them a
		// row a step, and they must come out as they went in.
		var twins [][]string
		for i := range 4 {
			a := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Cy%d", "last_name": "Voss", "emails": ["cy%d@v.example"]}`, i, i))
			b := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Cy%d", "last_name": "Voss", "emails": ["CY%d@v.example"]}`, i, i))
			twins = append(twins, sorted(a, b))
		}
		defer duplicate.SetWriteChunk(duplicate.SetWriteChunk(1))
		var late string
		duplicate.WhileRescoring(f.svc, func() {
			if _, err := f.engine.Update(ctx, "contact", twin, 1, map[string]any{"first_name": "Zed", "emails": []any{"zed@z.example"}}); err != nil {
				t.Error(err)
			}
			if err := f.engine.Delete(ctx, "contact", gone, 0); err != nil {
				t.Error(err)
			}
			late = f.create(ctx, "contact", `{"first_name": "Bo", "last_name": "Kim", "emails": ["BO@y.example"]}`)
		})
		res, err := f.svc.Rescore(context.Background(), 1, "contacts")
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 12 {
			t.Errorf("the rescore compared %d records, want the 12 of its snapshot", res.Records)
		}
		if got := f.of(ctx, "contact", ann); len(got) != 0 {
			t.Errorf("after the rescore, ann's duplicates are %v: the writes made during it were undone", got)
		}
		if got := f.of(ctx, "contact", bo); !slices.Equal(got, []string{late}) {
			t.Errorf("after the rescore, bo's duplicates are %v, want the contact added during it, %s", got, late)
		}
		want := append([][]string{sorted(bo, late)}, twins...)
		slices.SortFunc(want, func(x, y []string) int { return slices.Compare(x, y) })
		var got [][]string
		for _, g := range f.pages(ctx, 50) {
			got = append(got, sorted(g.IDs...))
		}
		slices.SortFunc(got, func(x, y []string) int { return slices.Compare(x, y) })
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("groups after the rescore: %v, want %v", got, want)
		}
	})
}
