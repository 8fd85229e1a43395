package activity_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// outbox records the mail it is given.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) taken() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.sent
	o.sent = nil
	return out
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is the service over a fresh database with role-based
// permissions and the people of accesstest.Setup in workspace 1.
type fixture struct {
	t      *testing.T
	db     *store.DB
	engine *records.Engine
	pol    *access.RolePolicy
	svc    *activity.Service
	mail   *outbox
	clock  *clock
	people accesstest.People
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	f := &fixture{t: t, db: db, engine: engine, pol: pol, mail: &outbox{},
		clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	f.svc = activity.New(db, engine, activity.Options{Logger: quiet, Mail: f.mail, PhoneRegion: "US", Now: f.clock.Now})
	f.people = accesstest.Setup(t, db, 1)
	return f
}

// as returns a context acting as user in workspace ws.
func as(ws, user int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user})
}

func (f *fixture) admin() context.Context { return as(1, f.people.Admin) }

// create makes a record from JSON, failing the test on error.
func (f *fixture) create(ctx context.Context, object, body string) records.Record {
	f.t.Helper()
	rec, err := f.try(ctx, object, body)
	if err != nil {
		f.t.Fatalf("create %s %s: %v", object, body, err)
	}
	return rec
}

func (f *fixture) try(ctx context.Context, object, body string) (records.Record, error) {
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		f.t.Fatal(err)
	}
	return f.engine.Create(ctx, object, in)
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// fieldOf returns the field of the first field error of err.
func fieldOf(err error) string {
	var fe *fault.Error
	if e, ok := err.(*fault.Error); ok {
		fe = e
	}
	if fe == nil || len(fe.Fields) == 0 {
		return ""
	}
	return fe.Fields[0].Field
}

func TestActivityRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		contact := f.create(ctx, "contacts", `{"first_name": "Ada"}`)["id"].(string)
		accesstest.AddWorkspace(t, db, 2)
		other := accesstest.AddUser(t, db, 2, "two@example.com", access.RoleAdministrator, 0)
		foreign := f.create(as(2, other), "contacts", `{"first_name": "Elsewhere"}`)["id"].(string)
		deleted := f.create(ctx, "contacts", `{"first_name": "Gone"}`)["id"].(string)
		if err := f.engine.Delete(ctx, "contacts", deleted, 0); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name, object, body string
			field              string // the field at fault; "" means accepted
			check              func(t *testing.T, r records.Record)
		}{
			{name: "task defaults to not done and occurs when due", object: "tasks",
				body: `{"title": "Call back", "type": "call", "due_at": "2026-03-02T10:00:00Z", "record_type": "contacts", "record_id": "` + contact + `"}`,
				check: func(t *testing.T, r records.Record) {
					want(t, r, "done", false)
					want(t, r, "done_at", nil)
					want(t, r, "occurred_at", "2026-03-02T10:00:00.000000Z")
					want(t, r, "record_type", "contact")
				}},
			{name: "task made done gets done_at", object: "tasks", body: `{"title": "Sent", "done": true}`,
				check: func(t *testing.T, r records.Record) { want(t, r, "done_at", "2026-03-02T09:00:00.000000Z") }},
			{name: "task of unknown type", object: "tasks", body: `{"title": "x", "type": "dance"}`, field: "type"},
			{name: "note is sanitised", object: "notes",
				body: `{"body": "<p onclick=\"steal()\" style=\"color:red\">Hi <b>there</b><script>alert(1)</script> <a href=\"javascript:alert(1)\">x</a></p>"}`,
				check: func(t *testing.T, r records.Record) {
					body := r["body"].(string)
					for _, bad := range []string{"script", "onclick", "style", "javascript"} {
						if strings.Contains(body, bad) {
							t.Errorf("body keeps %q: %s", bad, body)
						}
					}
					if !strings.Contains(body, "<b>there</b>") {
						t.Errorf("body lost its formatting: %s", body)
					}
					if r["occurred_at"] == nil {
						t.Error("a note occurs when created")
					}
				}},
			{name: "note of nothing but a script", object: "notes", body: `{"body": "<script>alert(1)</script>"}`, field: "body"},
			{name: "call number to E.164", object: "calls",
				body: `{"direction": "outbound", "phone": "(415) 555-2671", "started_at": "2026-03-01T15:00:00Z", "duration_seconds": 90}`,
				check: func(t *testing.T, r records.Record) {
					want(t, r, "phone", "+14155552671")
					want(t, r, "phone_typed", "(415) 555-2671")
					want(t, r, "occurred_at", "2026-03-01T15:00:00.000000Z")
				}},
			{name: "unparsable number kept as typed", object: "calls", body: `{"direction": "inbound", "phone": "ask reception"}`,
				check: func(t *testing.T, r records.Record) {
					want(t, r, "phone", "ask reception")
					want(t, r, "phone_typed", "ask reception")
				}},
			{name: "negative duration", object: "calls", body: `{"direction": "inbound", "duration_seconds": -5}`, field: "duration_seconds"},
			{name: "meeting ends before it starts", object: "meetings",
				body: `{"title": "Demo", "starts_at": "2026-03-03T10:00:00Z", "ends_at": "2026-03-03T09:00:00Z"}`, field: "ends_at"},
			{name: "meeting occurs when it starts", object: "meetings",
				body:  `{"title": "Demo", "starts_at": "2026-03-03T10:00:00Z", "ends_at": "2026-03-03T11:00:00Z", "place": "HQ"}`,
				check: func(t *testing.T, r records.Record) { want(t, r, "occurred_at", "2026-03-03T10:00:00.000000Z") }},
			{name: "about a missing record", object: "notes", body: `{"body": "x", "record_type": "contact", "record_id": "999999"}`, field: "record_id"},
			{name: "about a deleted record", object: "notes", body: `{"body": "x", "record_type": "contact", "record_id": "` + deleted + `"}`, field: "record_id"},
			{name: "about another workspace's record", object: "notes", body: `{"body": "x", "record_type": "contact", "record_id": "` + foreign + `"}`, field: "record_id"},
			{name: "about a record of the wrong object", object: "notes", body: `{"body": "x", "record_type": "company", "record_id": "` + contact + `"}`, field: "record_id"},
			{name: "about an object that has no activities", object: "notes", body: `{"body": "x", "record_type": "task", "record_id": "1"}`, field: "record_type"},
			{name: "record id without object", object: "notes", body: `{"body": "x", "record_id": "` + contact + `"}`, field: "record_type"},
			{name: "object without record id", object: "notes", body: `{"body": "x", "record_type": "contact"}`, field: "record_id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.count(`SELECT count(*) FROM activities`)
				rec, err := f.try(ctx, c.object, c.body)
				if c.field != "" {
					if !fault.Is(err, fault.EINVALID) || fieldOf(err) != c.field {
						t.Fatalf("error %v, want one on %s", err, c.field)
					}
					if after := f.count(`SELECT count(*) FROM activities`); after != before {
						t.Fatalf("a refused write left %d rows", after-before)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, rec)
			})
		}
	})
}

func want(t *testing.T, r records.Record, field string, v any) {
	t.Helper()
	if fmt.Sprint(r[field]) != fmt.Sprint(v) {
		t.Errorf("%s = %v, want %v", field, r[field], v)
	}
}

func TestTaskDoneAndUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		task := f.create(ctx, "tasks", `{"title": "Follow up", "due_at": "2026-03-04T08:00:00Z"}`)
		id := task["id"].(string)
		update := func(version int64, body string) records.Record {
			in, _ := records.DecodeInput([]byte(body))
			rec, err := f.engine.Update(ctx, "tasks", id, version, in)
			if err != nil {
				t.Fatalf("update %s: %v", body, err)
			}
			return rec
		}
		r := update(1, `{"done": true, "result": "Agreed on a demo"}`)
		want(t, r, "done", true)
		want(t, r, "done_at", "2026-03-02T09:00:00.000000Z")
		r = update(r["version"].(int64), `{"done": false}`)
		want(t, r, "done_at", nil)
		r = update(r["version"].(int64), `{"due_at": null}`)
		want(t, r, "occurred_at", task["created_at"])
		// A meeting moved so that it ends before it starts is refused.
		m := f.create(ctx, "meetings", `{"title": "M", "starts_at": "2026-03-03T10:00:00Z", "ends_at": "2026-03-03T11:00:00Z"}`)
		in, _ := records.DecodeInput([]byte(`{"starts_at": "2026-03-03T12:00:00Z"}`))
		if _, err := f.engine.Update(ctx, "meetings", m["id"].(string), 1, in); fieldOf(err) != "ends_at" {
			t.Fatalf("moved meeting: %v, want an error on ends_at", err)
		}
	})
}

// A salesperson can attach an activity only to a record they may read.
func TestActivityAboutUnreadableRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		theirs := f.create(f.admin(), "contacts", fmt.Sprintf(`{"first_name": "T", "owner_id": "%d"}`, f.people.ByCls[accesstest.Teammate]))
		mine := f.create(f.admin(), "contacts", fmt.Sprintf(`{"first_name": "M", "owner_id": "%d"}`, f.people.Actor()))
		accesstest.SetRole(t, db, 1, f.people.Actor(), access.RoleSalesperson)
		f.pol.Invalidate(1)
		ctx := as(1, f.people.Actor())
		_, err := f.try(ctx, "notes", `{"body": "x", "record_type": "contact", "record_id": "`+theirs["id"].(string)+`"}`)
		if fieldOf(err) != "record_id" {
			t.Fatalf("note on a colleague's contact: %v", err)
		}
		f.create(ctx, "notes", `{"body": "x", "record_type": "contact", "record_id": "`+mine["id"].(string)+`"}`)
	})
}

func TestReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		now := f.clock.Now()
		owner := f.people.ByCls[accesstest.Teammate]
		task := func(title string, due time.Duration, extra string) string {
			return f.create(ctx, "tasks", fmt.Sprintf(`{"title": %q, "due_at": %q, "owner_id": "%d"%s}`,
				title, now.Add(due).Format(time.RFC3339), owner, extra))["id"].(string)
		}
		soon := task("Soon", 10*time.Minute, "")
		task("Late", -time.Hour, "")
		task("Long forgotten", -30*24*time.Hour, "") // overdue before it was seen: not announced
		later := task("Later", 2*time.Hour, "")
		task("Done", 5*time.Minute, `, "done": true`)
		gone := task("Deleted", -time.Minute, "")
		if err := f.engine.Delete(ctx, "tasks", gone, 0); err != nil {
			t.Fatal(err)
		}
		// The assignee was told of each task given them; those mails go
		// first, so that what follows counts reminders alone.
		if _, err := f.svc.MailNotifications(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(f.mail.taken()); n != 6 {
			t.Errorf("%d mails of tasks assigned, want 6", n)
		}

		remind := func(want int, kinds ...string) {
			t.Helper()
			n, err := f.svc.Remind(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("made %d reminders, want %d", n, want)
			}
			sent, err := f.svc.MailNotifications(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			mails := f.mail.taken()
			if sent != want || len(mails) != want {
				t.Fatalf("mailed %d (%d taken), want %d", sent, len(mails), want)
			}
			for i, m := range mails {
				if m.To != f.people.Email[accesstest.Teammate] || !strings.HasPrefix(m.Subject, kinds[i]) {
					t.Errorf("mail %d: to %s, %q; want %s to %s", i, m.To, m.Subject, kinds[i], f.people.Email[accesstest.Teammate])
				}
			}
		}
		remind(2, "Task overdue: Late", "Task due soon: Soon")
		remind(0) // each once
		f.clock.set(now.Add(11 * time.Minute))
		remind(1, "Task overdue: Soon")
		remind(0)
		// A new due time reminds again.
		in, _ := records.DecodeInput([]byte(fmt.Sprintf(`{"due_at": %q}`, now.Add(20*time.Minute).Format(time.RFC3339))))
		if _, err := f.engine.Update(ctx, "tasks", later, 0, in); err != nil {
			t.Fatal(err)
		}
		remind(1, "Task due soon: Later")
		remind(0)
		if n := f.count(`SELECT count(*) FROM notifications WHERE record_id = ? AND kind <> 'assigned'`, soon); n != 2 {
			t.Errorf("task %s has %d notifications, want 2 (due soon, overdue)", soon, n)
		}
		if n := f.count(`SELECT count(*) FROM notifications WHERE user_id <> ?`, owner); n != 0 {
			t.Errorf("%d notifications went to someone other than the assignee", n)
		}
	})
}
