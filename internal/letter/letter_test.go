package letter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/letter"
	rmail "github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mail/mailtest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// env is the service over a fresh database, with an administrator and a
// user of a role that reads every contact but not their job titles.
type env struct {
	t            *testing.T
	db           *store.DB
	e            *records.Engine
	svc          *letter.Service
	smtp         *mailtest.Server
	admin, clerk int64
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	pol := access.NewRolePolicy(db)
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: quiet, Policy: pol})
	srv := mailtest.Start(t, mailtest.Options{})
	out := rmail.NewQueue(db, rmail.SMTP{Addr: srv.Addr, Security: rmail.Plain, From: "crm@example.com", Timeout: 5 * time.Second}, quiet)
	v := &env{t: t, db: db, e: e, smtp: srv, svc: letter.New(db, e, letter.Options{Outgoing: out})}
	v.admin = accesstest.AddUser(t, db, 1, "ada@example.com", access.RoleAdministrator, 0)
	v.clerk = accesstest.AddUser(t, db, 1, "clerk@example.com", access.RoleSalesperson, 0)
	all := map[access.Action]access.Scope{access.Read: access.All}
	grants := access.Grants{"contact": all, "company": all, "deal": all}
	if _, err := pol.CreateRole(v.as(v.admin), access.RoleSpec{Name: "clerk", Label: "Clerk", Grants: grants,
		Fields: access.FieldRules{"contact": {"job_title": access.FieldHidden}}}); err != nil {
		t.Fatal(err)
	}
	accesstest.SetRole(t, db, 1, v.clerk, "clerk")
	q := jobs.New(db, jobs.Options{Workers: 4, Poll: 5 * time.Millisecond, Logger: quiet})
	out.Register(q)
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); q.Stop(context.Background()) })
	return v
}

func (v *env) as(user int64) context.Context {
	var role string
	if err := v.db.Reader().QueryRowContext(context.Background(), `SELECT role FROM users WHERE id = ?`, user).Scan(&role); err != nil {
		v.t.Fatal(err)
	}
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: user, Role: role})
}

func (v *env) create(object string, in map[string]any) string {
	v.t.Helper()
	r, err := v.e.Create(v.as(v.admin), object, in)
	if err != nil {
		v.t.Fatal(err)
	}
	return r["id"].(string)
}

func fields(err error) []string {
	var out []string
	var e *fault.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out = append(out, f.Field)
		}
	}
	slices.Sort(out)
	return out
}

// TestTemplatesRefuseWhatCannotBeFilled: a template is checked as a whole
// when it is saved, every problem named by its field; a clerk may use
// templates but not write them.
func TestTemplatesRefuseWhatCannotBeFilled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ptr := func(s string) *string { return &s }
		versions := map[string]letter.Version{
			"en": {Subject: "Hi {{contact.shoe_size}}", Body: "{{deal.title}} {{contact.first_name}}"},
			"xx": {Subject: "Hi", Body: "Hi"},
			"ru": {Subject: "", Body: "{{ contact first_name }}"},
			"pl": {Subject: "Line\none", Body: "{{user.password_hash}}"},
		}
		_, err := v.svc.Create(v.as(v.admin), letter.Input{Name: ptr(""), Object: ptr("contact"), Versions: &versions})
		want := []string{"name", "versions.en.body", "versions.en.subject", "versions.pl.body", "versions.pl.subject",
			"versions.ru.body", "versions.ru.subject", "versions.xx"}
		if got := fields(err); !slices.Equal(got, want) {
			t.Errorf("bad template: %v, want %v (%v)", got, want, err)
		}
		good := map[string]letter.Version{"en": {Subject: "Hi", Body: "Hello {{contact.first_name}}"}}
		if _, err := v.svc.Create(v.as(v.clerk), letter.Input{Name: ptr("Hello"), Object: ptr("contact"), Versions: &good}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a clerk wrote a template: %v", err)
		}
		tpl, err := v.svc.Create(v.as(v.admin), letter.Input{Name: ptr("Hello"), Object: ptr("contact"), Versions: &good})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.svc.Create(v.as(v.admin), letter.Input{Name: ptr("Hello"), Object: ptr("contact"), Versions: &good}); !slices.Equal(fields(err), []string{"name"}) {
			t.Errorf("a second template of one name: %v", err)
		}
		stale := tpl.Version + 1
		if _, err := v.svc.Update(v.as(v.admin), tpl.ID, letter.Input{Name: ptr("Hello again"), Version: &stale}); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("an update from a stale copy: %v", err)
		}
		if _, err := v.svc.Update(v.as(v.admin), tpl.ID, letter.Input{Object: ptr("deal")}); !slices.Equal(fields(err), []string{"object"}) {
			t.Errorf("a template's object changed: %v", err)
		}
		if list, err := v.svc.List(v.as(v.clerk)); err != nil || len(list) != 1 {
			t.Errorf("the clerk's list: %v %v", list, err)
		}
	})
}

// TestLetters writes a deal's letter in its contact's language with the
// value in that language's form, leaves a field the writer's role hides
// empty, and sends letters to a list: each recipient receives one, from
// the workspace's address with the writer as Reply-To and their signature
// at the end; a contact without an e-mail address is skipped.
func TestLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ctx := v.as(v.clerk)
		olga := v.create("contacts", map[string]any{"first_name": "Ольга", "last_name": "Петрова", "language": "ru",
			"job_title": "Secret title", "emails": []any{map[string]any{"value": "olga@example.ru"}}})
		jan := v.create("contacts", map[string]any{"first_name": "Jan", "last_name": "Nowak", "job_title": "Secret title",
			"emails": []any{map[string]any{"value": "jan@example.pl"}}})
		mute := v.create("contacts", map[string]any{"first_name": "Mute"})
		acme := v.create("companies", map[string]any{"name": "Acme"})
		pipeline := v.create("pipelines", map[string]any{"name": "Sales"})
		stage := v.create("stages", map[string]any{"name": "New", "pipeline_id": pipeline})
		deal := v.create("deals", map[string]any{"title": "Licences", "pipeline_id": pipeline, "stage_id": stage, "company_id": acme,
			"value": map[string]any{"amount": json.Number("123456789"), "currency": "EUR"}, "contacts": []any{map[string]any{"id": olga}}})
		ptr := func(s string) *string { return &s }
		object := "deal"
		offer, err := v.svc.Create(v.as(v.admin), letter.Input{Name: ptr("Offer"), Object: &object, Versions: &map[string]letter.Version{
			"en": {Subject: "Our offer to {{company.name}}", Body: "Dear {{contact.first_name}}, {{deal.value}}."},
			"ru": {Subject: "Предложение для {{company.name}}", Body: "{{contact.first_name}}, сумма {{deal.value}}. {{contact.job_title}}"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.svc.SetSignature(ctx, "Clerk Kent\nAcme sales"); err != nil {
			t.Fatal(err)
		}
		l, err := v.svc.Render(ctx, offer.ID, deal)
		if err != nil {
			t.Fatal(err)
		}
		// CLDR writes Russian money with no-break spaces.
		body := strings.ReplaceAll(strings.ReplaceAll(l.Body, "\u00a0", " "), "\u202f", " ")
		if l.Language != "ru" || l.To != "olga@example.ru" || l.Subject != "Предложение для Acme" ||
			!strings.HasPrefix(body, "Ольга, сумма 1 234 567,89 €. \n\n-- \nClerk Kent") {
			t.Errorf("the letter: %+v", l)
		}
		if strings.Contains(l.Body, "Secret") {
			t.Errorf("a hidden field was filled: %q", l.Body)
		}

		// A letter the clerk writes is filled as a template is: the deal's
		// value as Olga's language writes money. A field the clerk's role
		// hides cannot be named at all.
		own, err := v.svc.Write(ctx, letter.Draft{Object: "deal", RecordID: deal, Subject: "Для {{contact.first_name}}",
			Body: "Сумма {{deal.value}}."})
		if err != nil {
			t.Fatal(err)
		}
		if body := strings.ReplaceAll(strings.ReplaceAll(own.Body, "\u00a0", " "), "\u202f", " "); own.Language != "ru" ||
			own.Subject != "Для Ольга" || !strings.HasPrefix(body, "Сумма 1 234 567,89 €.\n\n-- \nClerk Kent") {
			t.Errorf("the clerk's letter: %+v", own)
		}
		if _, err := v.svc.Write(ctx, letter.Draft{Object: "deal", RecordID: deal, Subject: "{{deal.nothing}}", Body: " "}); !slices.Equal(fields(err), []string{"body", "subject"}) {
			t.Errorf("a bad draft: %v", err)
		}
		if _, err := v.svc.Write(ctx, letter.Draft{Object: "deal", RecordID: deal, Subject: "Hi", Body: "{{contact.job_title}}"}); !slices.Equal(fields(err), []string{"body"}) {
			t.Errorf("a hidden field named: %v", err)
		}
		for in, want := range map[string]string{"Engines": "Re: Engines", "RE: Engines": "RE: Engines", "re:x": "re:x", "": "Re:", "Réponse": "Re: Réponse"} {
			if got := letter.ReplySubject(in); got != want {
				t.Errorf("the answer to %q is %q, want %q", in, got, want)
			}
		}

		contact := "contact"
		hello, err := v.svc.Create(v.as(v.admin), letter.Input{Name: ptr("Hello"), Object: &contact, Versions: &map[string]letter.Version{
			"en": {Subject: "Hello {{contact.first_name}}", Body: "Hello {{contact.full_name}}, from {{user.email}}."}}})
		if err != nil {
			t.Fatal(err)
		}
		sent, err := v.svc.Send(ctx, hello.ID, letter.Sending{RecordIDs: []string{olga, jan, mute, "999999"}})
		if err != nil {
			t.Fatal(err)
		}
		if sent.Queued != 2 || len(sent.Skipped) != 2 || sent.Skipped[0] != (letter.Skipped{ID: mute, Reason: "no_email"}) ||
			sent.Skipped[1] != (letter.Skipped{ID: "999999", Reason: "not_found"}) {
			t.Errorf("sent %+v", sent)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(v.smtp.Messages()) < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		got := map[string]*mail.Message{}
		for _, m := range v.smtp.Messages() {
			msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
			if err != nil {
				t.Fatal(err)
			}
			got[m.To] = msg
		}
		if len(got) != 2 || got["olga@example.ru"] == nil || got["jan@example.pl"] == nil {
			t.Fatalf("received %d messages: %v", len(v.smtp.Messages()), got)
		}
		jm := got["jan@example.pl"]
		subject, _ := new(mime.WordDecoder).DecodeHeader(jm.Header.Get("Subject"))
		replyTo, _ := mail.ParseAddress(jm.Header.Get("Reply-To"))
		to, _ := mail.ParseAddress(jm.Header.Get("To"))
		if subject != "Hello Jan" || replyTo == nil || replyTo.Address != "clerk@example.com" || to == nil || to.Name != "Jan Nowak" ||
			jm.Header.Get("From") != "crm@example.com" {
			t.Errorf("the letter to Jan: %v", jm.Header)
		}

		// A filter sends to what the writer's list shows.
		sent, err = v.svc.Send(ctx, hello.ID, letter.Sending{Filter: &records.Filter{Field: "first_name", Op: "eq", Value: "Jan"}})
		if err != nil || sent.Queued != 1 {
			t.Errorf("by filter: %+v %v", sent, err)
		}
		if _, err := v.svc.Send(ctx, hello.ID, letter.Sending{}); !slices.Equal(fields(err), []string{"record_ids"}) {
			t.Errorf("a sending to nobody: %v", err)
		}
	})
}

// TestSendingLoad sends one templated letter to each of many contacts
// through a local SMTP server, with the job queue as the server runs it
// (four workers), and counts what arrives: every letter once. With
// RAPPORT_MAIL_LOAD=10000 it is the benchmark of docs/BENCHMARKS.md; by
// default it sends 40.
func TestSendingLoad(t *testing.T) {
	n := 40
	if s := os.Getenv("RAPPORT_MAIL_LOAD"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > letter.MaxRecipients {
			t.Fatalf("RAPPORT_MAIL_LOAD=%q: a number of letters up to %d", s, letter.MaxRecipients)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ids := make([]string, n)
		for i := range ids {
			ids[i] = v.create("contacts", map[string]any{"first_name": fmt.Sprintf("Reader%d", i),
				"emails": []any{map[string]any{"value": fmt.Sprintf("reader%d@example.com", i)}}})
		}
		object := "contact"
		name := "News"
		tpl, err := v.svc.Create(v.as(v.admin), letter.Input{Name: &name, Object: &object, Versions: &map[string]letter.Version{
			"en": {Subject: "News for {{contact.first_name}}", Body: "Dear {{contact.first_name}},\n\nour news.\n\n{{user.name}}"}}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sent, err := v.svc.Send(v.as(v.admin), tpl.ID, letter.Sending{RecordIDs: ids})
		if err != nil || sent.Queued != n {
			t.Fatalf("sent %d of %d: %v", sent.Queued, n, err)
		}
		queued := time.Since(start)
		for deadline := time.Now().Add(10 * time.Minute); len(v.smtp.Messages()) < n; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d letters of %d arrived", len(v.smtp.Messages()), n)
			}
		}
		took := time.Since(start)
		time.Sleep(200 * time.Millisecond) // a repeat would show now
		ids2, to := map[string]int{}, map[string]int{}
		for _, m := range v.smtp.Messages() {
			msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
			if err != nil {
				t.Fatal(err)
			}
			ids2[msg.Header.Get("Message-ID")]++
			to[m.To]++
		}
		if len(v.smtp.Messages()) != n || len(ids2) != n || len(to) != n {
			t.Errorf("%d messages arrived, %d distinct, to %d addresses; want %d of each", len(v.smtp.Messages()), len(ids2), len(to), n)
		}
		t.Logf("%d letters: queued in %v, all delivered in %v (%.0f a second)", n, queued.Round(time.Millisecond),
			took.Round(time.Millisecond), float64(n)/took.Seconds())
	})
}
