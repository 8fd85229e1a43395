package activity_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// told returns the notifications of user, oldest first, as "kind: title"
// lines, and marks nothing read.
func (f *fixture) told(user int64) []string {
	f.t.Helper()
	page, err := f.svc.Inbox().List(as(1, user), notify.Query{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for i := len(page.Data) - 1; i >= 0; i-- {
		out = append(out, page.Data[i].Kind+": "+page.Data[i].Title)
	}
	return out
}

func (f *fixture) update(ctx context.Context, object, id string, in map[string]any) {
	f.t.Helper()
	rec, err := f.engine.Get(ctx, object, id, false)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.engine.Update(ctx, object, id, rec["version"].(int64), in); err != nil {
		f.t.Fatalf("update %s %s: %v", object, id, err)
	}
}

func wantTold(t *testing.T, who string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s was told:\n  %s\nwant:\n  %s", who, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestWorkingTogether checks who is told what: an assignee of someone
// else's doing, a colleague mentioned in a note, and the followers of a
// record; never the writer, never a user who may not read the record.
func TestWorkingTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sales.New(db, f.engine, sales.Options{})
		admin := f.admin()
		me, mate, outsider := f.people.Actor(), f.people.ByCls[accesstest.Teammate], f.people.ByCls[accesstest.Outsider]
		// The outsider sells: they see only what they own.
		accesstest.SetRole(t, db, 1, outsider, access.RoleSalesperson)
		f.pol.Invalidate(1)

		pipeline := f.create(admin, "pipelines", `{"name": "Sales"}`)["id"].(string)
		f.create(admin, "stages", `{"pipeline_id": "`+pipeline+`", "name": "Qualified"}`)
		proposal := f.create(admin, "stages", `{"pipeline_id": "`+pipeline+`", "name": "Proposal"}`)["id"].(string)
		reason := f.create(admin, "loss_reasons", `{"name": "Price"}`)["id"].(string)

		// I create a contact I own: nobody is told, and I follow it.
		contact := f.create(as(1, me), "contacts", `{"first_name": "Bob", "last_name": "<b>Byron</b>"}`)["id"].(string)
		// The admin assigns me a deal and a task; I assign myself one.
		deal := f.create(admin, "deals", `{"title": "Engine order", "owner_id": "`+itoa(me)+`"}`)["id"].(string)
		f.create(admin, "tasks", `{"title": "Call Bob", "owner_id": "`+itoa(me)+`"}`)
		f.create(as(1, me), "tasks", `{"title": "My own", "owner_id": "`+itoa(me)+`"}`)
		// The admin gives the outsider a task about nothing, and a contact.
		f.create(admin, "tasks", `{"title": "For the outsider", "owner_id": "`+itoa(outsider)+`"}`)

		// My teammate follows the deal; the outsider may not read it, and
		// follows it only by a row written past the service.
		if err := f.svc.Follow(as(1, mate), "deals", deal, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Follow(as(1, outsider), "deals", deal, true); err == nil {
			t.Error("the outsider followed a deal they cannot read")
		}
		exec(t, db, `INSERT INTO follows (workspace_id, user_id, record_type, record_id, created_at) VALUES (1, ?, 'deal', ?, ?)`,
			outsider, deal, db.Dialect.Time(f.clock.Now()))

		// I move the deal, then lose it: the admin (its creator) and my
		// teammate hear of both; I, who did it, and the outsider do not.
		f.update(as(1, me), "deals", deal, map[string]any{"stage_id": proposal})
		f.update(as(1, me), "deals", deal, map[string]any{"status": "lost", "loss_reason_id": reason})

		// A note on the deal mentions my teammate and the outsider, and
		// links to an address nobody has.
		body := `<p>Ask <a href="mailto:` + f.people.Email[accesstest.Teammate] + `">@Mate</a> and <a href="mailto:` +
			f.people.Email[accesstest.Outsider] + `">@Out</a>, not <a href="mailto:nobody@example.com">@Nobody</a> <script>x</script></p>`
		f.create(as(1, me), "notes", `{"body": `+quote(body)+`, "record_type": "deal", "record_id": "`+deal+`"}`)
		// A note on my contact, mentioning myself.
		f.create(as(1, mate), "notes", `{"body": "Met <a href=\"mailto:`+f.people.Email[accesstest.Self]+`\">@Me</a>", "record_type": "contact", "record_id": "`+contact+`"}`)

		wantTold(t, "I", f.told(me),
			"assigned: A deal was assigned to you",
			"assigned: A task was assigned to you",
			"mentioned: "+f.people.Email[accesstest.Teammate]+" mentioned you")
		wantTold(t, "my teammate", f.told(mate),
			"stage_changed: A deal you follow moved to Proposal",
			"deal_lost: A deal you follow was lost",
			"mentioned: "+f.people.Email[accesstest.Self]+" mentioned you")
		wantTold(t, "the admin", f.told(f.people.Admin),
			"stage_changed: A deal you follow moved to Proposal",
			"deal_lost: A deal you follow was lost",
			"note_added: New note on a deal you follow")
		wantTold(t, "the outsider", f.told(outsider), "assigned: A task was assigned to you")

		// A notification copies nothing of the record, which the reader
		// may later lose sight of: it points at it.
		page, _ := f.svc.Inbox().List(as(1, me), notify.Query{Limit: 1})
		if n := page.Data[0]; n.Body != f.people.Email[accesstest.Teammate]+" mentioned you in a note on a contact." ||
			n.RecordType != "contact" || n.RecordID != contact {
			t.Errorf("mention %+v", n)
		}
		// Following is a toggle.
		if on, _ := f.svc.Following(as(1, mate), "deals", deal); !on {
			t.Error("my teammate does not follow the deal")
		}
		if err := f.svc.Follow(as(1, mate), "deals", deal, false); err != nil {
			t.Fatal(err)
		}
		if on, _ := f.svc.Following(as(1, mate), "deals", deal); on {
			t.Error("my teammate still follows the deal")
		}
		if on, _ := f.svc.Following(as(1, me), "contacts", contact); !on {
			t.Error("the creator of a contact does not follow it")
		}
	})
}

// TestMailPreferences checks that a kind a user turned mail off for still
// reaches the app but not the mailbox.
func TestMailPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		me := f.people.Actor()
		inbox := f.svc.Inbox()
		if err := inbox.SetPreferences(as(1, me), []string{notify.KindMentioned, "nonsense"}); err == nil {
			t.Error("a preference of an unknown kind was taken")
		}
		if err := inbox.SetPreferences(as(1, me), []string{notify.KindMentioned}); err != nil {
			t.Fatal(err)
		}
		prefs, err := inbox.Preferences(as(1, me))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range prefs {
			if p.Mail != (p.Kind == notify.KindMentioned) {
				t.Errorf("%s: mail %v", p.Kind, p.Mail)
			}
		}
		if prefs, _ := inbox.Preferences(as(1, f.people.Admin)); !prefs[0].Mail {
			t.Error("a user who never chose does not get mail")
		}
		f.create(f.admin(), "tasks", `{"title": "Call Bob", "owner_id": "`+itoa(me)+`"}`)
		f.create(f.admin(), "notes", `{"body": "Hi <a href=\"mailto:`+f.people.Email[accesstest.Self]+`\">@Me</a>"}`)
		if n, err := f.svc.MailNotifications(context.Background()); err != nil || n != 1 {
			t.Fatalf("mailed %d (%v), want only the mention", n, err)
		}
		if sent := f.mail.taken(); len(sent) != 1 || !strings.Contains(sent[0].Subject, "mentioned you") {
			t.Errorf("mailed %+v", sent)
		}
		if got := f.told(me); len(got) != 2 {
			t.Errorf("in the app: %v", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestNotesReadOnlyTheirRecordsFollowers writes notes about a record in
// a workspace with 100,000 follows of other records (an import follows
// every record it creates) and in one with none: each note reads its
// record's followers, and must not read every follow of the workspace to
// find them. Times are compared, never asserted alone: rounds of notes in
// the two workspaces take turns, and the quickest round of each counts,
// so that a pause of the machine does not decide.
func TestNotesReadOnlyTheirRecordsFollowers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		accesstest.AddWorkspace(t, db, 2)
		other := as(2, accesstest.AddUser(t, db, 2, "two@example.com", access.RoleAdministrator, 0))
		exec(t, db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
			INSERT INTO follows (workspace_id, user_id, record_type, record_id, created_at)
			SELECT 1, ?, 'contact', 1000000 + i, '2026-01-01T00:00:00Z' FROM n`, f.people.ByCls[accesstest.Teammate])
		round := func(ctx context.Context, contact string) time.Duration {
			start := time.Now()
			for range 20 {
				f.create(ctx, "notes", `{"body": "Called", "record_type": "contact", "record_id": "`+contact+`"}`)
			}
			return time.Since(start)
		}
		followed := f.create(f.admin(), "contacts", `{"first_name": "Ada"}`)["id"].(string)
		alone := f.create(other, "contacts", `{"first_name": "Bea"}`)["id"].(string)
		round(f.admin(), followed) // warm both
		round(other, alone)
		busy, quiet := time.Hour, time.Hour
		for range 5 {
			busy = min(busy, round(f.admin(), followed))
			quiet = min(quiet, round(other, alone))
		}
		if busy > 4*quiet {
			t.Errorf("20 notes took %v beside 100,000 follows, %v beside none", busy, quiet)
		}
	})
}
