package inbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// env is the inbox over a fresh database with the services whose hooks
// write on every contact and deal (duplicate keys, sales), a clock the
// test moves, and users of each built-in role in workspace 1.
type env struct {
	t                     testing.TB
	db                    *store.DB
	e                     *records.Engine
	in                    *inbox.Service
	admin, seller, reader int64
	other                 int64 // a second seller
	clock                 *clock
	pipeline, stage       string
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log, Policy: access.NewRolePolicy(db)})
	sales.New(db, e, sales.Options{Logger: log})
	duplicate.New(db, e, duplicate.Options{Logger: log, PhoneRegion: "PL"})
	c := &clock{t: time.Now().UTC()}
	v := &env{t: t, db: db, e: e, clock: c, in: inbox.New(db, e, inbox.Options{Logger: log, PhoneRegion: "PL", Now: c.now})}
	v.admin = accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
	v.seller = accesstest.AddUser(t, db, 1, "seller@example.com", access.RoleSalesperson, 0)
	v.other = accesstest.AddUser(t, db, 1, "other@example.com", access.RoleSalesperson, 0)
	v.reader = accesstest.AddUser(t, db, 1, "reader@example.com", access.RoleReadOnly, 0)
	v.pipeline = v.create(v.admin, "pipelines", map[string]any{"name": "Sales"})
	v.stage = v.create(v.admin, "stages", map[string]any{"name": "New", "pipeline_id": v.pipeline})
	return v
}

func (v *env) as(user int64) context.Context {
	var role string
	if err := v.db.Reader().QueryRowContext(context.Background(), `SELECT role FROM users WHERE id = ?`, user).Scan(&role); err != nil {
		v.t.Fatal(err)
	}
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: user, Role: role})
}

func (v *env) create(user int64, object string, in map[string]any) string {
	v.t.Helper()
	rec, err := v.e.Create(v.as(user), object, in)
	if err != nil {
		v.t.Fatal(err)
	}
	return rec["id"].(string)
}

func (v *env) count(query string, args ...any) int {
	v.t.Helper()
	var n int
	if err := v.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		v.t.Fatal(err)
	}
	return n
}

func (v *env) request(user int64, in inbox.Input) inbox.Request {
	v.t.Helper()
	r, err := v.in.Create(v.as(user), in)
	if err != nil {
		v.t.Fatal(err)
	}
	return r
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestMatchAndAccept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ada := v.create(v.admin, "contacts", map[string]any{"first_name": "Ada", "last_name": "Lovelace",
			"emails": []any{"Ada@Lovelace.org"}, "phones": []any{"601 234 567"}})
		r := v.request(v.admin, inbox.Input{Channel: "web_form", Name: "Ada L.", Email: " ada@lovelace.ORG ",
			UTM: inbox.UTM{Source: "google", Campaign: "spring"}, Payload: []byte(`{"x": 1}`), PipelineID: v.pipeline})
		if r.ContactID != ada || r.Matches != 1 || r.LikelyDup || r.Status != "new" || r.UTM.Campaign != "spring" {
			t.Fatalf("matched by e-mail: %+v", r)
		}
		// The same number typed another way matches too; a second contact
		// with it makes the request a likely duplicate.
		v.create(v.admin, "contacts", map[string]any{"last_name": "Byron", "phones": []any{"+48601234567"}})
		r2 := v.request(v.admin, inbox.Input{Channel: "phone_call", Phone: "0048 601-234-567"})
		if r2.ContactID != ada || r2.Matches != 2 || !r2.LikelyDup {
			t.Fatalf("matched by phone: %+v", r2)
		}
		if n := v.count(`SELECT count(*) FROM outbox WHERE object = 'inbox' AND action = 'request_arrived'`); n != 2 {
			t.Fatalf("%d arrival events", n)
		}
		v.clock.add(90 * time.Second)
		got, err := v.in.Accept(v.as(v.admin), r.ID, inbox.Accept{StageID: v.stage})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "accepted" || got.DealID == "" || got.ContactID != ada || got.WaitedSeconds != 90 {
			t.Fatalf("accepted: %+v", got)
		}
		deal, err := v.e.Get(v.as(v.admin), "deals", got.DealID, false)
		if err != nil {
			t.Fatal(err)
		}
		if deal["pipeline_id"] != v.pipeline || deal["source"] != "web_form" {
			t.Fatalf("deal %v", deal)
		}
		if _, err := v.in.Accept(v.as(v.admin), r.ID, inbox.Accept{}); !fault.Is(err, fault.ECONFLICT) {
			t.Fatalf("second accept: %v", err)
		}
		// A request from nobody known makes a contact and a company.
		r3 := v.request(v.admin, inbox.Input{Name: "Grace Hopper", Email: "grace@navy.mil", CompanyName: "Navy"})
		if r3.ContactID != "" {
			t.Fatalf("matched %+v", r3)
		}
		got, err = v.in.Accept(v.as(v.admin), r3.ID, inbox.Accept{PipelineID: v.pipeline, Title: "Compilers"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := v.e.Get(v.as(v.admin), "contacts", got.ContactID, false)
		if err != nil {
			t.Fatal(err)
		}
		if c["last_name"] != "Hopper" || c["first_name"] != "Grace" || got.CompanyID == "" {
			t.Fatalf("contact %v, request %+v", c, got)
		}
		if _, err := v.in.Decline(v.as(v.admin), r2.ID, ""); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("decline without a reason: %v", err)
		}
		v.clock.add(30 * time.Second)
		if got, err = v.in.Decline(v.as(v.admin), r2.ID, "a supplier calling"); err != nil || got.Status != "declined" {
			t.Fatalf("declined %+v %v", got, err)
		}
		sum, err := v.in.Summary(v.as(v.admin), time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		byChannel := map[string]inbox.ChannelSummary{}
		for _, s := range sum {
			byChannel[s.Channel] = s
		}
		if s := byChannel["web_form"]; s.Total != 1 || s.Accepted != 1 || s.AvgSortSeconds != 90 {
			t.Fatalf("web form summary %+v", s)
		}
		if s := byChannel["phone_call"]; s.Total != 1 || s.Declined != 1 || s.AvgSortSeconds != 120 {
			t.Fatalf("phone summary %+v", s)
		}
	})
}

// A refusal late in an acceptance (the deal's stage is not a stage)
// leaves neither the contact nor the company it had made.
func TestAcceptIsOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		r := v.request(v.admin, inbox.Input{Name: "Alan Turing", Email: "alan@bletchley.org", CompanyName: "Bletchley"})
		contacts, companies := v.count(`SELECT count(*) FROM contacts`), v.count(`SELECT count(*) FROM companies`)
		events := v.count(`SELECT count(*) FROM outbox`)
		_, err := v.in.Accept(v.as(v.admin), r.ID, inbox.Accept{PipelineID: v.pipeline, StageID: "999999"})
		if err == nil {
			t.Fatal("accepted into a stage that does not exist")
		}
		if fault.Code(err) == fault.EINTERNAL {
			t.Fatalf("a bad stage is a server error: %v", err)
		}
		if v.count(`SELECT count(*) FROM contacts`) != contacts || v.count(`SELECT count(*) FROM companies`) != companies ||
			v.count(`SELECT count(*) FROM outbox`) != events {
			t.Fatal("a refused acceptance left records or events behind")
		}
		got, err := v.in.Get(v.as(v.admin), r.ID)
		if err != nil || got.Status != "new" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

func TestPermissionsAndWorkspaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		mine := v.request(v.admin, inbox.Input{Name: "For the seller", AssignedUserID: id(v.seller)})
		theirs := v.request(v.admin, inbox.Input{Name: "For the other", AssignedUserID: id(v.other)})
		open := v.request(v.admin, inbox.Input{Name: "For anyone"})
		page, err := v.in.List(v.as(v.seller), inbox.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range page.Data {
			ids = append(ids, r.ID)
		}
		if len(ids) != 2 || ids[0] != mine.ID || ids[1] != open.ID {
			t.Fatalf("the seller sees %v", ids)
		}
		if _, err := v.in.Get(v.as(v.seller), theirs.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Fatalf("another's request: %v", err)
		}
		if _, err := v.in.Decline(v.as(v.seller), theirs.ID, "no"); !fault.Is(err, fault.ENOTFOUND) {
			t.Fatalf("declined another's request: %v", err)
		}
		// Reading deals lets one read the inbox, not sort it.
		if _, err := v.in.List(v.as(v.reader), inbox.Filter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.in.Decline(v.as(v.reader), open.ID, "no"); !fault.Is(err, fault.EFORBIDDEN) {
			t.Fatalf("a reader declined: %v", err)
		}
		// A workspace sees nothing of another's.
		accesstest.AddWorkspace(t, db, 2)
		stranger := accesstest.AddUser(t, db, 2, "admin2@example.com", access.RoleAdministrator, 0)
		ctx2 := access.WithActor(context.Background(), access.Actor{WorkspaceID: 2, UserID: stranger, Role: access.RoleAdministrator})
		if p, err := v.in.List(ctx2, inbox.Filter{}); err != nil || len(p.Data) != 0 {
			t.Fatalf("workspace 2 lists %+v %v", p, err)
		}
		if _, err := v.in.Accept(ctx2, open.ID, inbox.Accept{}); !fault.Is(err, fault.ENOTFOUND) {
			t.Fatalf("workspace 2 accepted: %v", err)
		}
		if _, err := v.in.Create(ctx2, inbox.Input{Name: "x", PipelineID: v.pipeline}); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("workspace 2 used workspace 1's pipeline: %v", err)
		}
		// The other workspace's contact with the same e-mail is no match.
		v.create(v.admin, "contacts", map[string]any{"last_name": "Here", "emails": []any{"same@samefirm.org"}})
		r, err := v.in.Create(ctx2, inbox.Input{Email: "same@samefirm.org"})
		if err != nil || r.ContactID != "" {
			t.Fatalf("matched across workspaces: %+v %v", r, err)
		}
	})
}

func TestFormSubmissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		f, err := v.in.CreateForm(v.as(v.admin), inbox.FormInput{Name: "Contact us", PipelineID: v.pipeline, AssignedUserID: id(v.seller),
			ConsentText: "I agree to be contacted.", Fields: []inbox.Field{
				{Name: "name", Label: "Name", MapsTo: "contact.name", Required: true},
				{Name: "email", Label: "E-mail", MapsTo: "contact.email", Type: "email"},
				{Name: "job", Label: "Job", MapsTo: "contact.job_title"},
				{Name: "msg", Label: "Message", MapsTo: "message", Type: "textarea"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.in.CreateForm(v.as(v.seller), inbox.FormInput{Name: "x"}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Fatalf("a seller made a form: %v", err)
		}
		pub, err := v.in.PublicForm(context.Background(), f.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		post := func(vals url.Values) (inbox.Submitted, error) {
			return v.in.Submit(context.Background(), pub, inbox.Submission{Values: vals, Address: "192.0.2.1"})
		}
		status := func(id string) inbox.Request {
			r, err := v.in.Get(v.as(v.admin), id)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		token := pub.Token(v.clock.now())
		// Missing and oversized fields are refused by name.
		_, err = post(url.Values{"_t": {token}, "msg": {string(make([]byte, 20000))}})
		var fe *fault.Error
		if !fault.Is(err, fault.EINVALID) || !asFault(err, &fe) || len(fe.Fields) != 3 {
			t.Fatalf("bad submission: %v", err)
		}
		good := url.Values{"_t": {token}, "name": {"Mary <script>alert(1)</script>"}, "email": {"mary@marysfirm.com"}, "job": {"Engineer"},
			"_consent": {"on"}, "utm_source": {"newsletter"}}
		// Sent at once: faster than a person fills a form.
		s, err := post(good)
		if err != nil || !s.Spam || status(s.RequestID).SpamReason != inbox.SpamTooFast {
			t.Fatalf("too fast: %+v %v", s, err)
		}
		v.clock.add(10 * time.Second)
		good.Set("_t", pub.Token(v.clock.now().Add(-5*time.Second)))
		s, err = post(good)
		if err != nil || s.Spam {
			t.Fatalf("good: %+v %v", s, err)
		}
		r := status(s.RequestID)
		if r.Name != "Mary <script>alert(1)</script>" || r.UTM.Source != "newsletter" || r.Consent == nil || *r.Consent != "I agree to be contacted." ||
			r.AssignedUserID != id(v.seller) || r.Channel != "web_form" {
			t.Fatalf("stored %+v", r)
		}
		// The same post again is the same request.
		again, err := post(good)
		if err != nil || again.RequestID != s.RequestID || !again.Replayed {
			t.Fatalf("replay: %+v %v", again, err)
		}
		hp := url.Values{"name": {"Bot"}, "_hp": {"http://spam.example"}, "_consent": {"on"}}
		if s, err := post(hp); err != nil || status(s.RequestID).SpamReason != inbox.SpamHoneypot {
			t.Fatalf("honeypot: %+v %v", s, err)
		}
		forged := url.Values{"name": {"Bot"}, "_t": {"1.abc.def"}, "_consent": {"on"}}
		if s, err := post(forged); err != nil || status(s.RequestID).SpamReason != inbox.SpamToken {
			t.Fatalf("forged: %+v %v", s, err)
		}
		// Spam is kept apart, never dropped.
		if p, err := v.in.List(v.as(v.admin), inbox.Filter{Status: "spam"}); err != nil || len(p.Data) != 3 {
			t.Fatalf("spam folder %+v %v", p, err)
		}
		if n := v.count(`SELECT count(*) FROM notifications WHERE user_id = ? AND kind = ?`, v.seller, inbox.KindRequest); n != 1 {
			t.Fatalf("%d notifications for the seller", n)
		}
		// Accepting carries the mapped job title to the new contact.
		got, err := v.in.Accept(v.as(v.seller), s.RequestID, inbox.Accept{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := v.e.Get(v.as(v.seller), "contacts", got.ContactID, false)
		if err != nil || c["job_title"] != "Engineer" {
			t.Fatalf("contact %v %v", c, err)
		}
	})
}

func TestStraightToDeal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		zero := 0
		f, err := v.in.CreateForm(v.as(v.admin), inbox.FormInput{Name: "Quote", PipelineID: v.pipeline, StageID: v.stage,
			AssignedUserID: id(v.seller), StraightToDeal: true, MinFillSeconds: &zero,
			Fields: []inbox.Field{{Name: "email", Label: "E-mail", MapsTo: "contact.email", Required: true}}})
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := v.in.PublicForm(context.Background(), f.PublicID)
		s, err := v.in.Submit(context.Background(), pub, inbox.Submission{Values: url.Values{"email": {"lead@leadfirm.com"}}})
		if err != nil || s.DealID == "" {
			t.Fatalf("%+v %v", s, err)
		}
		deal, err := v.e.Get(v.as(v.seller), "deals", s.DealID, false)
		if err != nil || deal["owner_id"] != id(v.seller) || deal["stage_id"] != v.stage {
			t.Fatalf("deal %v %v", deal, err)
		}
	})
}

func asFault(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}

// lockedBuffer is a log a background sender writes to while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A form mails its confirmation once a day to one address, never for
// spam, so the form cannot be used to mail strangers.
func TestConfirmationsAreLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		var sent lockedBuffer
		v.in = inbox.New(db, v.e, inbox.Options{PhoneRegion: "PL", Now: v.clock.now,
			Mail: mail.LogSender{Log: slog.New(slog.NewTextHandler(&sent, nil))}})
		zero := 0
		f, err := v.in.CreateForm(v.as(v.admin), inbox.FormInput{Name: "Newsletter", MinFillSeconds: &zero,
			Confirmation: "Thanks for writing to us.", Fields: []inbox.Field{{Name: "email", Label: "E-mail", MapsTo: "contact.email"}}})
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := v.in.PublicForm(context.Background(), f.PublicID)
		post := func(vals url.Values) inbox.Submitted {
			s, err := v.in.Submit(context.Background(), pub, inbox.Submission{Values: vals})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if !post(url.Values{"email": {"first@visitor.org"}}).Confirmed {
			t.Error("the first submission was not confirmed")
		}
		if post(url.Values{"email": {"FIRST@visitor.org"}}).Confirmed {
			t.Error("an address was mailed twice in a day")
		}
		if post(url.Values{"email": {"stranger@victim.org"}, "_hp": {"x"}}).Confirmed {
			t.Error("spam was confirmed")
		}
		if post(url.Values{"email": {"Someone <other@visitor.org>"}}).Confirmed {
			t.Error("an address with a name was mailed")
		}
		if !post(url.Values{"email": {"second@visitor.org"}}).Confirmed {
			t.Error("another address was not confirmed")
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(sent.String(), "to=") < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := sent.String(); strings.Count(got, "to=") != 2 || !strings.Contains(got, "to=first@visitor.org") ||
			strings.Contains(got, "victim") {
			t.Fatalf("mailed:\n%s", got)
		}
	})
}
