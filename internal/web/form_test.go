package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// addCustomFields gives contacts a field of each type the form edits.
func (a *app) addCustomFields(ctx context.Context) {
	a.t.Helper()
	for _, spec := range []records.FieldSpec{
		{Name: "interest", Label: "Interest", Type: records.Select, Options: []string{"tea", "coffee"}},
		{Name: "score", Label: "Score", Type: records.Integer},
		{Name: "vip", Label: "VIP", Type: records.Boolean},
		{Name: "met_on", Label: "Met on", Type: records.Date},
	} {
		if _, err := a.engine.AddField(ctx, "contacts", spec); err != nil {
			a.t.Fatal(err)
		}
	}
}

var newID = regexp.MustCompile(`^/contacts/(\d+)$`)

func TestCreateAContactThroughTheForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.addCustomFields(ctx)
		token := a.csrf()
		a.get("/contacts").want(t, "the list", http.StatusOK, `href="/contacts/new"`)
		a.get("/contacts/new").want(t, "the empty form", http.StatusOK, `name="first_name"`, `name="emails[0].value"`,
			`name="phones[0].value"`, `name="interest"`, `<option value="coffee">coffee</option>`, `name="score"`, `name="vip"`,
			`name="met_on" value="" aria-describedby="" type="date"`, `name="csrf_token" value="`+token+`"`)

		form := url.Values{"csrf_token": {token}, "first_name": {"Grace"}, "last_name": {"Hopper"},
			"emails[0].value": {"grace@example.com"}, "phones[0].value": {"020 7946 0000"},
			"interest": {"coffee"}, "score": {"42"}, "vip": {"true"}, "met_on": {"2026-03-01"}, "source": {"referral"}}
		saved := a.post("/contacts/new", form)
		saved.want(t, "saving the form", http.StatusSeeOther)
		m := newID.FindStringSubmatch(saved.location)
		if m == nil {
			t.Fatalf("saving sends the browser to %q, not to the new contact", saved.location)
		}
		rec, err := a.engine.Get(ctx, "contacts", m[1], false)
		if err != nil {
			t.Fatal(err)
		}
		if rec["full_name"] != "Grace Hopper" || rec["interest"] != "coffee" || fmt.Sprint(rec["score"]) != "42" || rec["vip"] != true ||
			rec["met_on"] != "2026-03-01" || rec["source"] != "referral" || fmt.Sprint(rec["owner_id"]) != a.userID(ctx) {
			t.Errorf("the saved contact is %v", rec)
		}
		a.get(saved.location).want(t, "the new contact's page", http.StatusOK, "Grace Hopper", "grace@example.com",
			"&#43;44 20 7946 0000", "coffee", `href="`+saved.location+`/edit"`)

		form.Del("csrf_token")
		a.post("/contacts/new", form).want(t, "a form without the CSRF token", http.StatusForbidden)
		a.get("/widgets/new").want(t, "a form of no object", http.StatusNotFound)
	})
}

func TestFormErrorsKeepWhatWasTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.addCustomFields(ctx)
		token := a.csrf()
		// The first e-mail left blank, the second wrong: the error is
		// the second input's, though the engine counts it as the first.
		bad := a.post("/contacts/new", url.Values{"csrf_token": {token}, "first_name": {"Grace <b>"},
			"emails[0].value": {""}, "emails[1].value": {"not-an-email"}, "score": {"many"}})
		en := locale.For("en")
		bad.want(t, "invalid input", http.StatusBadRequest, `value="Grace &lt;b&gt;"`, `value="not-an-email"`,
			`<p class="error" id="emails[1].value-error">`+en.FieldError(fault.FieldError{Field: "emails[0].value", Code: "email"}),
			`<p class="error" id="score-error">`+en.FieldError(fault.FieldError{Field: "score", Code: "type"}))
		if !strings.Contains(bad.body, `name="emails[1].value" value="not-an-email" aria-describedby="emails[1].value-error" type="email" autocomplete="off" aria-label="E-mails" aria-invalid="true"`) {
			t.Error("the wrong e-mail is not marked invalid")
		}
		page, err := a.engine.List(ctx, "contacts", records.Query{Limit: 10})
		if err != nil || len(page.Data) != 0 {
			t.Errorf("a refused form saved %d contacts (%v)", len(page.Data), err)
		}

		// A required field, in the user's language.
		a.post("/language", url.Values{"lang": {"ru"}, "back": {"/companies/new"}, "csrf_token": {token}}).
			want(t, "picking Russian", http.StatusSeeOther)
		ru := locale.For("ru")
		a.post("/companies/new", url.Values{"csrf_token": {token}, "industry": {"Looms"}}).want(t, "a company without a name",
			http.StatusBadRequest, "Новая компания", `value="Looms"`, ru.FieldError(fault.FieldError{Field: "name", Code: "required"}))
	})
}

func TestEditAContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.addCustomFields(ctx)
		rec, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper",
			"emails": []any{map[string]any{"value": "grace@example.com", "label": "work"}, "hopper@example.com"}, "score": json.Number("7")})
		if err != nil {
			t.Fatal(err)
		}
		id := rec["id"].(string)
		token := a.csrf()
		edit := a.get("/contacts/" + id + "/edit")
		edit.want(t, "the edit form", http.StatusOK, `name="version" value="1"`, `name="first_name" value="Grace"`,
			`name="emails[0].value" value="grace@example.com"`, `name="emails[0].label" value="work"`,
			`name="emails[1].value" value="hopper@example.com"`, `name="emails[2].value" value=""`, `name="score" value="7"`)

		// Another user changes the last name while the form is open.
		if _, err := a.engine.Update(ctx, "contacts", id, 1, map[string]any{"last_name": "Murray"}); err != nil {
			t.Fatal(err)
		}
		typed := url.Values{"csrf_token": {token}, "version": {"1"}, "first_name": {"Amazing Grace"}, "last_name": {"Hopper"}, "owner_id": {a.userID(ctx)},
			"emails[0].value": {"grace@example.com"}, "emails[0].label": {"work"}, "emails[1].value": {""}, "score": {"8"}}
		stale := a.post("/contacts/"+id+"/edit", typed)
		stale.want(t, "a stale edit", http.StatusConflict, "Someone else saved this record", `value="Amazing Grace"`,
			`name="version" value="2"`, `Saved now: <span class="value">Murray</span>`)
		now, _ := a.engine.Get(ctx, "contacts", id, false)
		if now["first_name"] != "Grace" || now["last_name"] != "Murray" {
			t.Errorf("a stale edit changed the contact: %v", now)
		}
		// First name, last name, e-mails and score differ from what is
		// saved now; the fields typed as saved are not marked.
		if n := strings.Count(stale.body, "Saved now:"); n != 4 {
			t.Errorf("a stale edit marks %d fields as saved differently, want 4", n)
		}

		// Saving again, knowing both, keeps what was typed.
		typed.Set("version", "2")
		a.post("/contacts/"+id+"/edit", typed).want(t, "saving again", http.StatusSeeOther, "/contacts/"+id)
		now, _ = a.engine.Get(ctx, "contacts", id, false)
		emails, _ := now["emails"].([]any)
		if now["full_name"] != "Amazing Grace Hopper" || fmt.Sprint(now["score"]) != "8" || len(emails) != 1 ||
			emails[0].(map[string]any)["label"] != "work" {
			t.Errorf("after the edit the contact is %v", now)
		}

		typed.Set("version", "")
		a.post("/contacts/"+id+"/edit", typed).want(t, "an edit without a version", http.StatusConflict, `name="version" value="3"`)
		typed.Set("version", "3")
		typed.Set("score", "1.5")
		a.post("/contacts/"+id+"/edit", typed).want(t, "an invalid edit", http.StatusBadRequest, `value="1.5"`, `name="version" value="3"`)
		a.get("/contacts/99999/edit").want(t, "the form of a missing contact", http.StatusNotFound)
	})
}

func TestFormLeavesOutWhatTheRoleMayNotChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		// A salesperson who may not see job titles nor change sources.
		roles := access.NewRolePolicy(db)
		sales, err := roles.Role(ctx, access.RoleSalesperson)
		if err != nil {
			t.Fatal(err)
		}
		spec := sales.Spec()
		spec.Name, spec.Label = "clerk", "Clerk"
		spec.Fields = access.FieldRules{"contact": {"job_title": access.FieldHidden, "source": access.FieldReadOnly}}
		if _, err := roles.CreateRole(ctx, spec); err != nil {
			t.Fatal(err)
		}
		colleague, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Colleague's", "owner_id": a.userID(ctx)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "clerk"); err != nil {
			t.Fatal(err)
		}
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		token := a.csrf()
		form := a.get("/contacts/new")
		form.want(t, "Sam's form", http.StatusOK, `name="first_name"`)
		for _, name := range []string{`name="job_title"`, `name="source"`, `name="full_name"`} {
			if strings.Contains(form.body, name) {
				t.Errorf("Sam's form has %s", name)
			}
		}
		saved := a.post("/contacts/new", url.Values{"csrf_token": {token}, "first_name": {"Sam's"}, "job_title": {"Spy"}, "source": {"chat"}})
		saved.want(t, "Sam saves a contact", http.StatusSeeOther)
		rec, err := a.engine.Get(ctx, "contacts", strings.TrimPrefix(saved.location, "/contacts/"), false)
		if err != nil || rec["job_title"] != nil || rec["source"] != nil || rec["first_name"] != "Sam's" {
			t.Errorf("Sam's contact is %v (%v)", rec, err)
		}
		a.get("/contacts/"+colleague["id"].(string)+"/edit").want(t, "the form of a colleague's contact", http.StatusNotFound)
		a.post("/contacts/"+colleague["id"].(string)+"/edit", url.Values{"csrf_token": {token}, "version": {"1"},
			"first_name": {"Mine"}}).want(t, "editing a colleague's contact", http.StatusNotFound)
	})
}

// TestNumbersAreReadWithTheCountryChosenAtSetUp checks that the country
// chosen on the set-up page, not the server's, reads the phone numbers
// typed into a form without a country code.
func TestNumbersAreReadWithTheCountryChosenAtSetUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db) // the server's country is GB
		form := url.Values{}
		for k, v := range setUpForm {
			form[k] = v
		}
		form.Set("phone_region", "DE")
		a.post("/setup", form).want(t, "set-up in Germany", http.StatusSeeOther)
		saved := a.post("/contacts/new", url.Values{"csrf_token": {a.csrf()}, "first_name": {"Konrad"}, "phones[0].value": {"030 12345678"}})
		saved.want(t, "saving a German number", http.StatusSeeOther)
		a.get(saved.location).want(t, "the contact's page", http.StatusOK, "&#43;49 30 12345678")
	})
}
