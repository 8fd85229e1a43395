package access_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// system is a context acting as an administrator without a user, as a
// setup step does.
func system(ws int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, Role: access.RoleAdministrator})
}

func as(ws, user int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user})
}

// TestBuiltinRoles pins the default grants, and checks that migration 00005
// and SeedRoles give every workspace exactly these.
func TestBuiltinRoles(t *testing.T) {
	records := []string{"contact", "company", "deal", "task", "activity", "list", "ticket"}
	readable := []string{"user", "team", "pipeline", "product", "currency"}
	want := map[string]func(object string, act access.Action) access.Scope{
		access.RoleAdministrator: func(string, access.Action) access.Scope { return access.All },
		access.RoleManager: func(o string, act access.Action) access.Scope {
			return recordScope(o, act, access.Team)
		},
		access.RoleSalesperson: func(o string, act access.Action) access.Scope {
			return recordScope(o, act, access.Own)
		},
		access.RoleReadOnly: func(o string, act access.Action) access.Scope {
			if act == access.Read && (slices.Contains(records, o) || slices.Contains(readable, o)) {
				return access.All
			}
			return access.None
		},
	}
	roles := access.BuiltinRoles()
	for _, r := range roles {
		for _, o := range append(records, access.SettingObjects...) {
			for _, act := range access.Actions {
				if got, w := r.Scope(o, act), want[r.Name](o, act); got != w {
					t.Errorf("%s may %s %s with scope %s, want %s", r.Name, act, o, got, w)
				}
			}
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := access.NewRolePolicy(db)
		accesstest.AddWorkspace(t, db, 2)
		err := db.Tx(context.Background(), func(q store.Querier) error {
			return access.SeedRoles(context.Background(), q, db.Dialect, 2) // again: changes nothing
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, ws := range []int64{1, 2} {
			got, err := p.Roles(system(ws))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(roles) {
				t.Fatalf("workspace %d has %d roles, want %d", ws, len(got), len(roles))
			}
			for _, r := range roles {
				g, err := p.Role(system(ws), r.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !g.Builtin || g.Label != r.Label || !reflect.DeepEqual(g.Grants, r.Grants) || len(g.Fields) != 0 {
					t.Errorf("workspace %d role %s is %+v, want %+v", ws, r.Name, g, r)
				}
			}
		}
	})
}

// recordScope is a manager's or salesperson's grant: scope on records,
// except that deals are deleted by administrators only, and reading users,
// teams, pipelines, the catalogue and currencies.
func recordScope(o string, act access.Action, scope access.Scope) access.Scope {
	switch {
	case o == "deal" && act == access.Delete:
		return access.None
	case slices.Contains(access.RecordObjects, o):
		return scope
	case slices.Contains([]string{"user", "team", "pipeline", "product", "currency"}, o) && act == access.Read:
		return access.All
	}
	return access.None
}

// TestPolicyScopes walks every action and scope against records owned by
// each kind of colleague, and checks what lists are restricted to.
func TestPolicyScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := access.NewRolePolicy(db)
		people := accesstest.Setup(t, db, 1)
		actor := access.Actor{WorkspaceID: 1, UserID: people.Actor()}
		for _, act := range access.Actions {
			for _, scope := range access.Scopes {
				role := access.Role{Name: "r_" + string(act) + "_" + string(scope), Grants: access.Grants{"contact": {act: scope}}}
				if _, err := p.CreateRole(system(1), role.Spec()); err != nil {
					t.Fatal(err)
				}
				accesstest.SetRole(t, db, 1, people.Actor(), role.Name)
				p.Invalidate(1)
				for _, cls := range accesstest.Classes {
					rec := map[string]any{"owner_id": strconv.FormatInt(people.ByCls[cls], 10)}
					err := p.Authorize(ctx, actor, "contact", act, rec)
					if ok := accesstest.Reaches(scope, cls); ok != (err == nil) {
						t.Errorf("%s %s on a record of %s: %v", act, scope, cls, err)
					} else if err != nil && !fault.Is(err, fault.EFORBIDDEN) {
						t.Errorf("%s %s: %v is not forbidden", act, scope, err)
					}
				}
				if err := p.Authorize(ctx, actor, "contact", act, nil); (scope != access.None) != (err == nil) {
					t.Errorf("%s %s on no record: %v", act, scope, err)
				}
				if err := p.Authorize(ctx, actor, "company", act, nil); err == nil {
					t.Errorf("%s %s reaches companies", act, scope)
				}
				if act == access.Read {
					checkRestrict(t, p, actor, people, scope)
				}
			}
		}
		// An unowned record is nobody's: only the all scope reaches it.
		accesstest.SetRole(t, db, 1, people.Actor(), "r_update_team")
		p.Invalidate(1)
		if err := p.Authorize(ctx, actor, "contact", access.Update, map[string]any{"owner_id": nil}); err == nil {
			t.Error("team scope reaches an unowned record")
		}
		// A read-only token writes nothing, whatever the role.
		accesstest.SetRole(t, db, 1, people.Actor(), access.RoleAdministrator)
		p.Invalidate(1)
		ro := actor
		ro.ReadOnly = true
		if err := p.Authorize(ctx, ro, "contact", access.Update, nil); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("read-only token may update: %v", err)
		}
		if err := p.Authorize(ctx, ro, "contact", access.Export, nil); err != nil {
			t.Errorf("read-only token may not export: %v", err)
		}
		// A user whose role does not exist may do nothing.
		accesstest.SetRole(t, db, 1, people.Actor(), "vanished")
		p.Invalidate(1)
		if err := p.Authorize(ctx, actor, "contact", access.Read, nil); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a user without a role may read: %v", err)
		}
	})
}

func checkRestrict(t *testing.T, p *access.RolePolicy, actor access.Actor, people accesstest.People, scope access.Scope) {
	t.Helper()
	rs, err := p.Restrict(context.Background(), actor, "contact")
	if err != nil {
		t.Fatal(err)
	}
	if scope == access.All {
		if rs != nil {
			t.Errorf("all scope restricts to %+v", rs)
		}
		return
	}
	if len(rs) != 1 || rs[0].Field != "owner_id" {
		t.Fatalf("%s scope restricts to %+v", scope, rs)
	}
	var want []string
	for _, cls := range accesstest.Classes {
		if accesstest.Reaches(scope, cls) {
			want = append(want, strconv.FormatInt(people.ByCls[cls], 10))
		}
	}
	got := slices.Clone(rs[0].In)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s scope restricts to owners %q, want %q", scope, got, want)
	}
}

// TestPolicyCache checks that a change made through the policy applies at
// once, and one made elsewhere within CacheTTL.
func TestPolicyCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		p := access.NewRolePolicy(db)
		p.SetClock(func() time.Time { return now })
		people := accesstest.Setup(t, db, 1)
		actor := access.Actor{WorkspaceID: 1, UserID: people.Actor()}
		canDelete := func() bool { return p.Authorize(ctx, actor, "contact", access.Delete, nil) == nil }

		if _, err := p.CreateRole(system(1), access.RoleSpec{Name: "clerk", Grants: access.Grants{"contact": {"delete": "all"}}}); err != nil {
			t.Fatal(err)
		}
		accesstest.SetRole(t, db, 1, people.Actor(), "clerk")
		p.Invalidate(1)
		if !canDelete() {
			t.Fatal("clerk may not delete")
		}
		// Through the policy: at once.
		_, err := p.UpdateRole(system(1), "clerk", func(s *access.RoleSpec) error {
			s.Grants["contact"]["delete"] = access.None
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if canDelete() {
			t.Error("a role change through the policy did not apply at once")
		}
		// Behind its back (another process): after the cache expires.
		accesstest.SetRole(t, db, 1, people.Actor(), access.RoleAdministrator)
		if canDelete() {
			t.Error("the cache did not hold")
		}
		now = now.Add(access.CacheTTL)
		if !canDelete() {
			t.Error("the cache did not expire")
		}
	})
}

// TestRoleManagement covers creating, changing and deleting roles, and
// what is refused.
func TestRoleManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := access.NewRolePolicy(db)
		people := accesstest.Setup(t, db, 1)
		admin := as(1, people.Admin)

		// Only role managers see or change roles.
		accesstest.SetRole(t, db, 1, people.Actor(), access.RoleManager)
		if _, err := p.Roles(as(1, people.Actor())); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a manager lists roles: %v", err)
		}
		if _, err := p.CreateRole(as(1, people.Actor()), access.RoleSpec{Name: "x"}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a manager creates a role: %v", err)
		}

		// Validation names every problem.
		_, err := p.CreateRole(admin, access.RoleSpec{Name: "Bad Name",
			Grants: access.Grants{"widget": {}, "contact": {"fly": "all", "read": "some"}},
			Fields: access.FieldRules{"role": {"x": "hidden"}, "contact": {"id": "hidden", "birthday": "secret"}}})
		wantFields(t, err, "name", "grants.widget", "grants.contact.fly", "grants.contact.read", "fields.role",
			"fields.contact.id", "fields.contact.birthday")

		spec := access.RoleSpec{Name: "owner", Label: "Owner", Grants: access.BuiltinRoles()[0].Grants,
			Fields: access.FieldRules{"contact": {"birthday": access.FieldHidden}}}
		r, err := p.CreateRole(admin, spec)
		if err != nil {
			t.Fatal(err)
		}
		if r.Builtin || r.Fields["contact"]["birthday"] != access.FieldHidden || r.Scope("deal", access.Delete) != access.All {
			t.Errorf("created %+v", r)
		}
		if _, err := p.CreateRole(admin, spec); !fault.Is(err, fault.EINVALID) {
			t.Errorf("duplicate role: %v", err)
		}

		// Built-in roles do not change.
		_, err = p.UpdateRole(admin, access.RoleSalesperson, func(*access.RoleSpec) error { return nil })
		wantCode(t, err, fault.ECONFLICT)
		wantCode(t, p.DeleteRole(admin, access.RoleAdministrator), fault.ECONFLICT)
		_, err = p.UpdateRole(admin, "owner", func(s *access.RoleSpec) error { s.Name = "boss"; return nil })
		wantFields(t, err, "name")
		_, err = p.UpdateRole(admin, "nobody", func(*access.RoleSpec) error { return nil })
		wantCode(t, err, fault.ENOTFOUND)

		// The last administrator's role keeps role management.
		for _, u := range append([]int64{people.Admin}, people.ByCls[accesstest.Teammate], people.ByCls[accesstest.Managed],
			people.ByCls[accesstest.Outsider]) {
			accesstest.SetRole(t, db, 1, u, "owner")
		}
		p.Invalidate(1)
		admin = as(1, people.Admin)
		_, err = p.UpdateRole(admin, "owner", func(s *access.RoleSpec) error {
			s.Grants["role"]["update"] = access.Own
			return nil
		})
		wantCode(t, err, fault.ECONFLICT)
		if got, _ := p.Role(admin, "owner"); got.Scope("role", access.Update) != access.All {
			t.Error("the refused change was stored")
		}
		// Another change of the same role is fine.
		r, err = p.UpdateRole(admin, "owner", func(s *access.RoleSpec) error {
			s.Label = "Owners"
			delete(s.Fields, "contact")
			return nil
		})
		if err != nil || r.Label != "Owners" || len(r.Fields) != 0 {
			t.Errorf("update: %+v, %v", r, err)
		}

		// A role in use is not deleted; an unused one is.
		wantCode(t, p.DeleteRole(admin, "owner"), fault.ECONFLICT)
		if _, err := p.CreateRole(admin, access.RoleSpec{Name: "temp"}); err != nil {
			t.Fatal(err)
		}
		if err := p.DeleteRole(admin, "temp"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, p.DeleteRole(admin, "temp"), fault.ENOTFOUND)

		// Every change reached the outbox, as object "role".
		got := outbox(t, db)
		want := []string{"create owner", "update owner", "create temp", "delete temp"}
		if !slices.Equal(got, want) {
			t.Errorf("role events %q, want %q", got, want)
		}
	})
}

func outbox(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT action, record_id, `+db.Dialect.JSONOut("changes")+
		` FROM outbox WHERE object = 'role' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, id, changes string
		if err := rows.Scan(&action, &id, &changes); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(changes), &m); err != nil || len(m) == 0 {
			t.Errorf("event %s %s changes %s", action, id, changes)
		}
		out = append(out, action+" "+id)
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if fault.Code(err) != code {
		t.Errorf("error %v, want code %s", err, code)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	fe, ok := err.(*fault.Error)
	if !ok || fe.Code != fault.EINVALID {
		t.Fatalf("error %v is not invalid input", err)
	}
	var got []string
	for _, f := range fe.Fields {
		got = append(got, f.Field)
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("error names %q, want %q among them", got, f)
		}
	}
}

// TestOwnerCondition: a restriction becomes an owner IN list, several are
// all required, and one on another field or allowing nobody matches
// nothing.
func TestOwnerCondition(t *testing.T) {
	for _, c := range []struct {
		rs   []access.Restriction
		cond string
		args string
	}{
		{nil, "", "[]"},
		{[]access.Restriction{{Field: "owner_id", In: []string{"3", "5"}}}, "d.owner_id IN (?, ?)", "[3 5]"},
		{[]access.Restriction{{Field: "owner_id", In: []string{"3"}}, {Field: "owner_id", In: []string{"3", "4"}}},
			"d.owner_id IN (?) AND d.owner_id IN (?, ?)", "[3 3 4]"},
		{[]access.Restriction{{Field: "owner_id", In: []string{}}}, "1=0", "[]"},
		{[]access.Restriction{{Field: "owner_id", In: []string{"x"}}}, "1=0", "[]"},
		{[]access.Restriction{{Field: "team_id", In: []string{"1"}}}, "1=0", "[]"},
	} {
		cond, args := access.OwnerCondition(c.rs, "d.owner_id")
		if cond != c.cond || fmt.Sprint(args) != c.args {
			t.Errorf("%v: %q %v, want %q %s", c.rs, cond, args, c.cond, c.args)
		}
	}
}
