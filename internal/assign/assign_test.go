package assign_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// wednesday is the clock of the tests: Wednesday 9 December 2026, 10:00
// UTC, inside office hours in London and outside them in Tokyo.
var wednesday = time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC)

type env struct {
	t        *testing.T
	db       *store.DB
	e        *records.Engine
	rules    *assign.Service
	in       *inbox.Service
	admin    int64
	team     int64
	members  []int64 // of team, in id order
	other    int64   // a user in no team
	otherWS  int64   // an administrator of workspace 2
	activity *activity.Service
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log, Policy: access.NewRolePolicy(db)})
	rules := assign.New(db, assign.Options{Logger: log, Now: func() time.Time { return wednesday }})
	rules.Hook(e)
	v := &env{t: t, db: db, e: e, rules: rules,
		in:       inbox.New(db, e, inbox.Options{Logger: log, PhoneRegion: "PL", Assign: rules, Now: func() time.Time { return wednesday }}),
		activity: activity.New(db, e, activity.Options{Logger: log})}
	v.admin = accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
	v.team = accesstest.AddTeam(t, db, 1, "Sales")
	for i := range 3 {
		v.members = append(v.members, accesstest.AddUser(t, db, 1, "seller"+strconv.Itoa(i)+"@example.com", access.RoleSalesperson, v.team))
	}
	v.other = accesstest.AddUser(t, db, 1, "other@example.com", access.RoleSalesperson, 0)
	accesstest.AddWorkspace(t, db, 2)
	v.otherWS = accesstest.AddUser(t, db, 2, "admin2@example.com", access.RoleAdministrator, 0)
	return v
}

func (v *env) as(ws, user int64, role string) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user, Role: role})
}

func (v *env) put(st assign.Settings) assign.Settings {
	v.t.Helper()
	out, err := v.rules.Put(v.as(1, v.admin, access.RoleAdministrator), st)
	if err != nil {
		v.t.Fatal(err)
	}
	return out
}

func (v *env) exec(query string, args ...any) {
	v.t.Helper()
	if err := v.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
}

// arrive sends a request through the inbox and returns who got it.
func (v *env) arrive(in inbox.Input) string {
	v.t.Helper()
	if in.Name == "" {
		in.Name = "Ann"
	}
	r, err := v.in.Create(v.as(1, v.admin, access.RoleAdministrator), in)
	if err != nil {
		v.t.Fatal(err)
	}
	return r.AssignedUserID
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// TestRoundRobinFair gives 1,000 requests to a team of three by turns:
// each member gets their share to within one, in order, and the rule that
// fired is on each request's audit trail.
func TestRoundRobinFair(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.put(assign.Settings{Rules: []assign.Rule{{Name: "Sales team", Method: assign.RoundRobin, TeamID: id(v.team)}}})
		counts := map[string]int{}
		var order []string
		for range 1000 {
			u := v.arrive(inbox.Input{})
			counts[u]++
			order = append(order, u)
		}
		for _, m := range v.members {
			if n := counts[id(m)]; n < 333 || n > 334 {
				t.Errorf("member %d got %d of 1000 requests, want 333 or 334 (all: %v)", m, n, counts)
			}
		}
		for i := 3; i < len(order); i++ {
			if order[i] != order[i-3] {
				t.Fatalf("request %d went to %s, request %d to %s: not in turn", i, order[i], i-3, order[i-3])
			}
		}
		var logged int
		db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE workspace_id = 1 AND object = 'inbox'
			AND action = 'assign'`).Scan(&logged)
		if logged != 1000 {
			t.Errorf("%d assignments on the audit trail, want 1000", logged)
		}
	})
}

// TestRoundRobinConcurrent picks from many goroutines at once, each in a
// transaction of its own: no turn is served twice, so the shares stay
// exact.
func TestRoundRobinConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.put(assign.Settings{Rules: []assign.Rule{{Name: "Sales team", Method: assign.RoundRobin, TeamID: id(v.team)}}})
		var mu sync.Mutex
		counts := map[int64]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 30 {
					err := db.Tx(context.Background(), func(q store.Querier) error {
						c, ok, err := v.rules.Pick(context.Background(), q, 1, assign.Lead{Object: "inbox"})
						if err == nil && !ok {
							err = errors.New("no user chosen")
						}
						if err == nil {
							mu.Lock()
							counts[c.UserID]++
							mu.Unlock()
						}
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, m := range v.members {
			if counts[m] != 80 {
				t.Errorf("member %d got %d of 240 concurrent picks, want 80 (all: %v)", m, counts[m], counts)
			}
		}
	})
}

// TestAvailability skips members out of hours, on a day off or at their
// cap, tries the next rule when none is left, and ends with the fallback
// user, whose assignment says so.
func TestAvailability(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		a, b, c := v.members[0], v.members[1], v.members[2]
		v.exec(`UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = ?`, c) // 19:00 there
		office := &assign.Hours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "18:00"}
		st := v.put(assign.Settings{
			Rules: []assign.Rule{
				{Name: "German speakers", Languages: []string{"de"}, Method: assign.OneUser, UserID: id(v.other)},
				{Name: "Office hours", Method: assign.RoundRobin, TeamID: id(v.team), Hours: office, Cap: 2},
			},
			FallbackUserID: id(v.other),
			DaysOff:        []assign.DayOff{{UserID: id(b), From: "2026-12-07", To: "2026-12-11"}},
		})
		// c is out of hours in Tokyo and b is on holiday: a gets the
		// requests until the cap, then the fallback user.
		for i, want := range []int64{a, a, v.other, v.other} {
			if got := v.arrive(inbox.Input{}); got != id(want) {
				t.Errorf("request %d went to %s, want %d", i, got, want)
			}
		}
		var changes string
		db.Reader().QueryRowContext(context.Background(), `SELECT `+db.Dialect.JSONOut("changes")+` FROM audit_log WHERE workspace_id = 1 AND action = 'assign'
			ORDER BY id DESC LIMIT 1`).Scan(&changes)
		var last map[string]struct{ After string }
		json.Unmarshal([]byte(changes), &last)
		if last["assignment_rule"].After != assign.FallbackRule || last["owner_id"].After != id(v.other) {
			t.Errorf("the last assignment reads %s, want the fallback user %d", changes, v.other)
		}
		// The cap still holds.
		if got := v.arrive(inbox.Input{}); got != id(v.other) {
			t.Errorf("a request went to %s, want the fallback %d", got, v.other)
		}
		// Without a fallback user, what no rule takes stays unassigned.
		st.FallbackUserID = ""
		st = v.put(st)
		if got := v.arrive(inbox.Input{}); got != "" {
			t.Errorf("a request went to %s, want nobody", got)
		}
		// Weekend: no hours at all.
		closed := *office
		closed.Days = []string{"sat"}
		st.Rules[1].Hours, st.Rules[1].Cap = &closed, 0
		st.DaysOff = nil
		st = v.put(st)
		if got := v.arrive(inbox.Input{}); got != "" {
			t.Errorf("on a working day outside the rule's days a request went to %s, want nobody", got)
		}
		// A deactivated member is passed over.
		st.Rules[1].Hours = nil
		st = v.put(st)
		v.exec(`UPDATE users SET status = 'deactivated' WHERE id IN (?, ?)`, a, c)
		for range 3 {
			if got := v.arrive(inbox.Input{}); got != id(b) {
				t.Errorf("a request went to %s, want the one active member %d", got, b)
			}
		}
	})
}

// TestConditions routes by source, territory and language, and a deal
// or contact created without an owner through the API's path gets one,
// written on its timeline.
func TestConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		a := v.members[0]
		v.put(assign.Settings{Rules: []assign.Rule{
			{Name: "Ads", Sources: []string{"ads"}, Method: assign.OneUser, UserID: id(v.other)},
			{Name: "Poland", Territories: []string{"PL", "Mazowieckie"}, Objects: []string{"contact", "deal"}, Method: assign.OneUser, UserID: id(a)},
			{Name: "Least loaded", Objects: []string{"deal"}, Method: assign.LeastOpenDeals, TeamID: id(v.team)},
		}})
		if got := v.arrive(inbox.Input{Source: "ADS"}); got != id(v.other) {
			t.Errorf("a request from ads went to %s, want %d", got, v.other)
		}
		if got := v.arrive(inbox.Input{Source: "fair"}); got != "" {
			t.Errorf("a request from a fair went to %s, want nobody", got)
		}
		admin := v.as(1, v.admin, access.RoleAdministrator)
		contact, err := v.e.Create(assign.Unowned(admin), "contacts", map[string]any{"first_name": "Jan",
			"address": map[string]any{"country": "PL", "city": "Warszawa"}})
		if err != nil {
			t.Fatal(err)
		}
		if contact["owner_id"] != id(a) {
			t.Errorf("a contact in Poland is owned by %v, want %d", contact["owner_id"], a)
		}
		// Without the mark (the web app's forms), the creator owns it.
		mine, err := v.e.Create(admin, "contacts", map[string]any{"first_name": "Ewa", "address": map[string]any{"country": "PL"}})
		if err != nil {
			t.Fatal(err)
		}
		if mine["owner_id"] != id(v.admin) {
			t.Errorf("a contact made in the web app is owned by %v, want its creator %d", mine["owner_id"], v.admin)
		}
		page, err := v.activity.Timeline(admin, "contacts", contact["id"].(string), activity.TimelineQuery{Limit: 10, Kinds: []string{"assigned"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 || page.Data[0].Changes["owner_id"] == nil {
			t.Fatalf("the contact's timeline has %+v, want one assignment", page.Data)
		}
		// Deals without a contact go to the least loaded member: the
		// first gets one, then the next, and so on.
		seen := map[any]bool{}
		for range 3 {
			deal := v.createDeal(admin)
			seen[deal["owner_id"]] = true
		}
		if len(seen) != 3 {
			t.Errorf("three deals went to %d members, want 3 (least open deals)", len(seen))
		}
	})
}

func (v *env) createDeal(ctx context.Context) records.Record {
	v.t.Helper()
	p, err := v.e.Create(ctx, "pipelines", map[string]any{"name": "P" + strconv.Itoa(int(time.Now().UnixNano()%1e9))})
	if err != nil {
		v.t.Fatal(err)
	}
	s, err := v.e.Create(ctx, "stages", map[string]any{"name": "New", "pipeline_id": p["id"]})
	if err != nil {
		v.t.Fatal(err)
	}
	d, err := v.e.Create(assign.Unowned(ctx), "deals", map[string]any{"title": "Deal", "pipeline_id": p["id"], "stage_id": s["id"]})
	if err != nil {
		v.t.Fatal(err)
	}
	return d
}

// TestBadSettings refuses bad rules naming the field, keeps workspaces
// apart and lets only administrators in.
func TestBadSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		admin := v.as(1, v.admin, access.RoleAdministrator)
		for _, c := range []struct {
			name        string
			in          assign.Settings
			field, code string
		}{
			{"unknown team", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.RoundRobin, TeamID: "999"}}}, "rules[0].team_id", "unknown"},
			{"unknown user", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: "999"}}}, "rules[0].user_id", "unknown"},
			{"another workspace's user", assign.Settings{FallbackUserID: id(v.otherWS)}, "fallback_user_id", "unknown"},
			{"not an id", assign.Settings{FallbackUserID: "abc"}, "fallback_user_id", "type"},
			{"no method", assign.Settings{Rules: []assign.Rule{{Name: "R"}}}, "rules[0].method", "required"},
			{"bad method", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: "random"}}}, "rules[0].method", "option"},
			{"no name", assign.Settings{Rules: []assign.Rule{{Method: assign.OneUser, UserID: id(v.other)}}}, "rules[0].name", "required"},
			{"bad hours", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other),
				Hours: &assign.Hours{Days: []string{"mon"}, From: "25:00", To: "18:00"}}}}, "rules[0].hours.from", "format"},
			{"bad day", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other),
				Hours: &assign.Hours{Days: []string{"monday"}, From: "09:00", To: "18:00"}}}}, "rules[0].hours.days", "option"},
			{"empty span", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other),
				Hours: &assign.Hours{Days: []string{"mon"}, From: "09:00", To: "09:00"}}}}, "rules[0].hours.to", "same"},
			{"negative cap", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other), Cap: -1}}}, "rules[0].cap", "range"},
			{"bad object", assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other), Objects: []string{"task"}}}}, "rules[0].objects", "option"},
			{"unknown rule id", assign.Settings{Rules: []assign.Rule{{ID: "42", Name: "R", Method: assign.OneUser, UserID: id(v.other)}}}, "rules[0].id", "unknown"},
			{"day off backwards", assign.Settings{DaysOff: []assign.DayOff{{UserID: id(v.other), From: "2026-12-10", To: "2026-12-01"}}}, "days_off[0].to", "range"},
			{"day off not a date", assign.Settings{DaysOff: []assign.DayOff{{UserID: id(v.other), From: "tomorrow"}}}, "days_off[0].from", "format"},
		} {
			_, err := v.rules.Put(admin, c.in)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
				t.Errorf("%s: got %v, want an invalid input error", c.name, err)
				continue
			}
			found := false
			for _, f := range fe.Fields {
				found = found || (f.Field == c.field && f.Code == c.code)
			}
			if !found {
				t.Errorf("%s: got %+v, want %s %s", c.name, fe.Fields, c.field, c.code)
			}
		}
		if st, _ := v.rules.Get(admin); len(st.Rules) != 0 || st.Version != 0 {
			t.Errorf("refused settings left %+v behind", st)
		}
		if _, err := v.rules.Get(v.as(1, v.other, access.RoleSalesperson)); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson reading the rules got %v, want forbidden", err)
		}
		st := v.put(assign.Settings{Rules: []assign.Rule{{Name: "R", Method: assign.OneUser, UserID: id(v.other)}}})
		if st.Rules[0].ID == "" || st.Version != 1 {
			t.Errorf("saved settings are %+v, want a rule id and version 1", st)
		}
		st.Version = 7
		if _, err := v.rules.Put(admin, st); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("a stale version got %v, want a conflict", err)
		}
		if other, _ := v.rules.Get(v.as(2, v.otherWS, access.RoleAdministrator)); len(other.Rules) != 0 {
			t.Errorf("workspace 2 sees %+v", other.Rules)
		}
	})
}

// TestDeactivation: the account service's deactivation, which moves a
// user's records, hands their waiting inbox requests on too, and the
// rules pass the deactivated member over from then on.
func TestDeactivation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		a, b := v.members[0], v.members[1]
		v.put(assign.Settings{Rules: []assign.Rule{{Name: "Team", Method: assign.RoundRobin, TeamID: id(v.team)}}})
		for range 3 {
			v.arrive(inbox.Input{})
		}
		admin := v.as(1, v.admin, access.RoleAdministrator)
		d, err := account.New(db).DeactivateUser(admin, id(a), id(b))
		if err != nil {
			t.Fatal(err)
		}
		if d.Reassigned["inbox_requests"] != 1 {
			t.Errorf("deactivation moved %v, want a's one waiting request", d.Reassigned)
		}
		var left int
		db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM inbox_requests WHERE assigned_user_id = ?`, a).Scan(&left)
		if left != 0 {
			t.Errorf("%d requests still wait for the deactivated user", left)
		}
		for range 4 {
			if got := v.arrive(inbox.Input{}); got == id(a) {
				t.Fatalf("a request went to the deactivated user %d", a)
			}
		}
	})
}
