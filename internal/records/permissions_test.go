package records_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// permEnv is an engine that grants by role, over the people of
// accesstest.Setup in workspace 1.
type permEnv struct {
	t      testing.TB
	db     *store.DB
	pol    *access.RolePolicy
	e      *records.Engine
	people accesstest.People
	admin  context.Context // the administrator, who sets records up
	actor  context.Context // the actor whose role each case changes
}

func newPermEnv(t testing.TB, db *store.DB) *permEnv {
	pol := access.NewRolePolicy(db)
	e := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	people := accesstest.Setup(t, db, 1)
	return &permEnv{t: t, db: db, pol: pol, e: e, people: people,
		admin: actorCtx(1, fmt.Sprint(people.Admin)), actor: actorCtx(1, fmt.Sprint(people.Actor()))}
}

// become gives the actor role r, creating it first unless it is built in.
func (p *permEnv) become(r access.Role) {
	p.t.Helper()
	if !r.Builtin {
		if _, err := p.pol.CreateRole(p.admin, r.Spec()); err != nil && !fault.Is(err, fault.EINVALID) {
			p.t.Fatal(err)
		}
	}
	accesstest.SetRole(p.t, p.db, 1, p.people.Actor(), r.Name)
	p.pol.Invalidate(1)
}

// minimal is the smallest valid body of object, with extra fields.
func minimal(object, extra string) string {
	name := `"first_name": "P"`
	if object == "company" {
		name = `"name": "P"`
	}
	if extra != "" {
		name += ", " + extra
	}
	return "{" + name + "}"
}

// plant creates, as the administrator, one record of object owned by each
// kind of colleague, all tagged tag.
func (p *permEnv) plant(object, tag string) map[string]string {
	p.t.Helper()
	ids := map[string]string{}
	for _, cls := range accesstest.Classes {
		body := minimal(object, fmt.Sprintf(`"owner_id": "%d", "tags": [%q]`, p.people.ByCls[cls], tag))
		rec, err := p.e.Create(p.admin, object, in(p.t, body))
		if err != nil {
			p.t.Fatalf("plant %s: %v", body, err)
		}
		ids[cls] = id(rec)
	}
	return ids
}

// outcome names the result of an engine call as accesstest.Outcome does.
func outcome(err error) string {
	switch fault.Code(err) {
	case "":
		return accesstest.OK
	case fault.EFORBIDDEN:
		return accesstest.Forbidden
	case fault.ENOTFOUND:
		return accesstest.NotFound
	}
	return err.Error()
}

// TestPermissionMatrix checks every case against records owned by the
// actor, a teammate, a member of a managed team and an outsider.
func TestPermissionMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermEnv(t, db)
		for i, c := range accesstest.Cases() {
			p.become(c.Role)
			name := fmt.Sprintf("%s %s %s", c.Role.Name, c.Act, c.Object)
			tag := fmt.Sprintf("case%d", i)
			if c.Act == access.Create {
				p.checkCreates(t, name, c)
				continue
			}
			ids := p.plant(c.Object, tag)
			for _, cls := range accesstest.Classes {
				want := accesstest.Outcome(c.Role, c.Object, c.Act, cls)
				if got := outcome(p.do(c.Object, c.Act, ids[cls])); got != want {
					t.Errorf("%s on a record of %s: %s, want %s", name, cls, got, want)
				}
			}
			if c.Act == access.Read {
				p.checkList(t, name, c, tag, ids)
			}
		}
	})
}

// do performs act on one record as the actor.
func (p *permEnv) do(object string, act access.Action, recID string) error {
	var err error
	switch act {
	case access.Read:
		_, err = p.e.Get(p.actor, object, recID, false)
	case access.Update:
		_, err = p.e.Update(p.actor, object, recID, 1, in(p.t, `{"website": "https://changed.example"}`))
	case access.Delete:
		err = p.e.Delete(p.actor, object, recID, 1)
	}
	return err
}

func (p *permEnv) checkCreates(t *testing.T, name string, c accesstest.Case) {
	t.Helper()
	for _, cls := range accesstest.Classes {
		_, err := p.e.Create(p.actor, c.Object, in(t, minimal(c.Object, fmt.Sprintf(`"owner_id": "%d"`, p.people.ByCls[cls]))))
		if got, want := outcome(err), accesstest.Outcome(c.Role, c.Object, c.Act, cls); got != want {
			t.Errorf("%s owned by %s: %s, want %s", name, cls, got, want)
		}
	}
	// Without an owner, the record is the actor's.
	rec, err := p.e.Create(p.actor, c.Object, in(t, minimal(c.Object, "")))
	if got, want := outcome(err), accesstest.Outcome(c.Role, c.Object, c.Act, accesstest.Self); got != want {
		t.Errorf("%s without owner: %s, want %s", name, got, want)
	}
	if err == nil {
		if got, _ := p.e.Get(p.admin, c.Object, id(rec), false); got["owner_id"] != fmt.Sprint(p.people.Actor()) {
			t.Errorf("%s without owner: owner is %v", name, got["owner_id"])
		}
	}
}

// checkList checks that a list and its count hold exactly the records the
// role's read scope reaches.
func (p *permEnv) checkList(t *testing.T, name string, c accesstest.Case, tag string, ids map[string]string) {
	t.Helper()
	page, err := p.e.List(p.actor, c.Object, records.Query{Filter: cond("tags", records.Eq, tag), Count: true, Sort: []string{"id"}})
	scope := c.Role.Scope(c.Object, access.Read)
	if scope == access.None {
		if outcome(err) != accesstest.Forbidden {
			t.Errorf("%s: list without a read grant: %v", name, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: list: %v", name, err)
	}
	var want []string
	for _, cls := range accesstest.Classes {
		if accesstest.Reaches(scope, cls) {
			want = append(want, ids[cls])
		}
	}
	slices.Sort(want)
	got := idsOf(page.Data)
	slices.Sort(got)
	if !slices.Equal(got, want) || *page.Total != int64(len(want)) {
		t.Errorf("%s: list holds %q (total %d), want %q", name, got, *page.Total, want)
	}
}

// TestFieldRules checks that a hidden field is nowhere to be seen, a
// read-only one cannot be written, and that the engine's own values of
// both survive the actor's writes.
func TestFieldRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermEnv(t, db)
		for _, f := range []records.FieldSpec{{Name: "tier", Type: records.Select, Options: []string{"gold", "silver"}}, {Name: "score", Type: records.Integer}} {
			if _, err := p.e.AddField(p.admin, "contacts", f); err != nil {
				t.Fatal(err)
			}
		}
		hidden := []string{"birthday", "tier", "full_name", "owner_id"}
		role := access.Role{Name: "limited", Grants: access.Grants{"contact": {"create": "own", "read": "own", "update": "own"}},
			Fields: access.FieldRules{"contact": {"birthday": "hidden", "tier": "hidden", "full_name": "hidden", "owner_id": "hidden",
				"job_title": "read_only"}}}
		p.become(role)
		planted, err := p.e.Create(p.admin, "contacts", in(t, fmt.Sprintf(`{"first_name": "Ada", "last_name": "Byron", "birthday": "1815-12-10",
			"tier": "gold", "score": 1, "job_title": "Countess", "owner_id": "%d"}`, p.people.Actor())))
		if err != nil {
			t.Fatal(err)
		}
		noHidden := func(what string, rec records.Record) {
			t.Helper()
			for _, h := range hidden {
				if _, ok := rec[h]; ok {
					t.Errorf("%s shows hidden %s", what, h)
				}
			}
		}

		got, err := p.e.Get(p.actor, "contacts", id(planted), false)
		if err != nil {
			t.Fatal(err)
		}
		noHidden("get", got)
		if got["job_title"] != "Countess" || got["score"] == nil {
			t.Errorf("get lost visible fields: %v", got)
		}
		page, err := p.e.List(p.actor, "contacts", records.Query{Sort: []string{"last_name"}})
		if err != nil || len(page.Data) != 1 {
			t.Fatalf("list: %v %v", page, err)
		}
		noHidden("list", page.Data[0])

		fields, err := p.e.Fields(p.actor, "contacts")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			if slices.Contains(hidden, f.Name) {
				t.Errorf("fields list shows hidden %s", f.Name)
			}
			if f.Name == "job_title" && !f.ReadOnly {
				t.Error("fields list shows job_title writable")
			}
		}

		// A derived hidden field is still derived, and the owner defaults.
		made, err := p.e.Create(p.actor, "contacts", in(t, `{"first_name": "Grace", "last_name": "Hopper"}`))
		if err != nil {
			t.Fatal(err)
		}
		noHidden("create answer", made)
		if full, _ := p.e.Get(p.admin, "contacts", id(made), false); full["full_name"] != "Grace Hopper" || full["owner_id"] != fmt.Sprint(p.people.Actor()) {
			t.Errorf("created %v", full)
		}

		// An update keeps the values it cannot see.
		upd, err := p.e.Update(p.actor, "contacts", id(planted), 1, in(t, `{"first_name": "Augusta", "score": 2}`))
		if err != nil {
			t.Fatal(err)
		}
		noHidden("update answer", upd)
		full, _ := p.e.Get(p.admin, "contacts", id(planted), false)
		if full["tier"] != "gold" || full["birthday"] != "1815-12-10" || full["full_name"] != "Augusta Byron" || jsonOf(full["score"]) != "2" {
			t.Errorf("after the update: %v", full)
		}

		// Read-only: refused with a field error.
		_, err = p.e.Update(p.actor, "contacts", id(planted), 2, in(t, `{"job_title": "Lady"}`))
		wantInvalid(t, err, "job_title")

		// Naming a hidden field is answered as naming no field.
		for _, h := range hidden {
			p.sameAsMissing(t, h)
		}
	})
}

// sameAsMissing checks that every use of the hidden field name fails
// exactly as the same use of a field that does not exist.
func (p *permEnv) sameAsMissing(t *testing.T, name string) {
	t.Helper()
	missing := "zz_" + name
	probes := []func(field string) error{
		func(f string) error {
			_, err := p.e.Create(p.actor, "contacts", in(t, fmt.Sprintf(`{"first_name": "X", %q: "1"}`, f)))
			return err
		},
		func(f string) error {
			_, err := p.e.List(p.actor, "contacts", records.Query{Filter: cond(f, records.Eq, "1")})
			return err
		},
		func(f string) error {
			_, err := p.e.List(p.actor, "contacts", records.Query{Filter: or(cond("last_name", records.Eq, "x"), cond(f+".city", records.Empty, true))})
			return err
		},
		func(f string) error {
			_, err := p.e.List(p.actor, "contacts", records.Query{Sort: []string{"-" + f}})
			return err
		},
	}
	for i, probe := range probes {
		hiddenErr, missingErr := probe(name), probe(missing)
		if hiddenErr == nil {
			t.Errorf("probe %d of hidden %s succeeded", i, name)
			continue
		}
		if a, b := jsonOf(hiddenErr), strings.ReplaceAll(jsonOf(missingErr), missing, name); a != b {
			t.Errorf("probe %d: hidden %s answers %s, a missing field %s", i, name, a, b)
		}
	}
}

// TestLinkScope checks that links show, match and keep only what the
// actor may read.
func TestLinkScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermEnv(t, db)
		me, mate := p.people.Actor(), p.people.ByCls[accesstest.Teammate]
		mine, _ := p.e.Create(p.admin, "contacts", in(t, fmt.Sprintf(`{"first_name": "Mine", "owner_id": "%d"}`, me)))
		theirs, _ := p.e.Create(p.admin, "contacts", in(t, fmt.Sprintf(`{"first_name": "Theirs", "owner_id": "%d"}`, mate)))
		other, _ := p.e.Create(p.admin, "companies", in(t, fmt.Sprintf(`{"name": "Other", "owner_id": "%d"}`, mate)))
		co, err := p.e.Create(p.admin, "companies", in(t, fmt.Sprintf(`{"name": "Shared", "owner_id": "%d", "contacts": [%q, %q]}`,
			me, id(mine), id(theirs))))
		if err != nil {
			t.Fatal(err)
		}
		p.become(access.BuiltinRoles()[2]) // salesperson
		if r, ok := p.e.Policy().(interface{ Unwrap() access.Policy }); !ok || r.Unwrap() != p.pol {
			t.Fatal("the engine's policy is not the role policy")
		}

		got, err := p.e.Get(p.actor, "companies", id(co), false)
		if err != nil {
			t.Fatal(err)
		}
		if links := jsonOf(got["contacts"]); strings.Contains(links, id(theirs)) || !strings.Contains(links, id(mine)) {
			t.Errorf("company shows contacts %s", links)
		}
		page, err := p.e.List(p.actor, "companies", records.Query{Filter: cond("contacts", records.Eq, id(theirs))})
		if err != nil || len(page.Data) != 0 {
			t.Errorf("filter by a colleague's contact found %v (%v)", idsOf(page.Data), err)
		}
		// Naming a colleague's record is answered as naming none.
		_, errTheirs := p.e.Create(p.actor, "contacts", in(t, fmt.Sprintf(`{"first_name": "N", "companies": [%q]}`, id(other))))
		_, errNone := p.e.Create(p.actor, "contacts", in(t, `{"first_name": "N", "companies": ["99999999"]}`))
		if a, b := jsonOf(errTheirs), strings.ReplaceAll(jsonOf(errNone), "99999999", id(other)); errTheirs == nil || a != b {
			t.Errorf("linking a colleague's company: %s; a missing one: %s", a, b)
		}
		// Rewriting the links keeps the one the actor never saw.
		if _, err := p.e.Update(p.actor, "companies", id(co), 1, in(t, `{"contacts": []}`)); err != nil {
			t.Fatal(err)
		}
		full, _ := p.e.Get(p.admin, "companies", id(co), false)
		if links := jsonOf(full["contacts"]); !strings.Contains(links, id(theirs)) || strings.Contains(links, id(mine)) {
			t.Errorf("after clearing, the company links %s", links)
		}
		// A salesperson cannot give a record away.
		_, err = p.e.Update(p.actor, "contacts", id(mine), 1, in(t, fmt.Sprintf(`{"owner_id": "%d"}`, mate)))
		wantCode(t, err, fault.EFORBIDDEN)
	})
}
