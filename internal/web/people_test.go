package web_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// colleague adds a user with a role, as the operator would.
func (a *app) colleague(email, name, role string) account.User {
	a.t.Helper()
	u, err := a.accounts.CreateUser(context.Background(), 1, email, name, "a long secret", role)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// browser is a second browser with cookies of its own: newClient sets the
// jar of the test server's one client, which two browsers cannot share.
func (a *app) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *a.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// signInWith replaces the client with a fresh browser signed in as email.
func (a *app) signInWith(email, password string) {
	a.t.Helper()
	a.client = a.newClient()
	a.post("/signin", url.Values{"email": {email}, "password": {password}, "next": {"/contacts"}}).
		want(a.t, "sign-in of "+email, http.StatusSeeOther, "/contacts")
}

func TestASalespersonFindsNoAdministratorsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ada := a.userID(a.admin())
		a.colleague("sam@example.com", "Sam", "salesperson")
		a.signInWith("sam@example.com", "a long secret")
		token := a.csrf()
		for _, path := range []string{"/settings/users", "/settings/users/" + ada + "/deactivate", "/settings/teams",
			"/settings/roles", "/settings/roles/salesperson/edit", "/settings/audit", "/settings/jobs"} {
			a.get(path).want(t, "GET "+path, http.StatusNotFound, "Not found")
		}
		form := url.Values{"csrf_token": {token}, "name": {"x"}, "role": {"administrator"}, "reassign_to": {ada}, "user_id": {ada}}
		for _, path := range []string{"/settings/users", "/settings/users/" + ada + "/role", "/settings/users/" + ada + "/deactivate",
			"/settings/users/" + ada + "/reactivate", "/settings/teams", "/settings/teams/1/edit", "/settings/teams/1/members",
			"/settings/teams/1/members/" + ada + "/remove", "/settings/teams/1/delete", "/settings/roles",
			"/settings/roles/salesperson/edit", "/settings/roles/salesperson/delete"} {
			a.post(path, form).want(t, "POST "+path, http.StatusNotFound, "Not found")
		}
		// Their own page and tokens are everyone's.
		a.get("/me").want(t, "Sam's own page", http.StatusOK, "My account", `href="/me" title="sam@example.com" aria-current="page"`)
		a.get("/settings/tokens").want(t, "Sam's tokens", http.StatusOK, "API tokens")
	})
}

func TestUsersAddChangeDeactivateAndReactivate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		ada := a.userID(ctx)
		token := a.csrf()
		bad := url.Values{"csrf_token": {token}, "name": {"Mary <script>"}, "email": {"mary@"}, "password": {"short"}, "role": {"salesperson"}}
		ans := a.post("/settings/users", bad)
		ans.want(t, "a user with a bad e-mail", http.StatusBadRequest, "Enter an e-mail address", "This is too short",
			`value="Mary &lt;script&gt;"`, `value="mary@"`)
		if strings.Contains(ans.body, "<script>") || strings.Contains(ans.body, `value="short"`) {
			t.Error("the form echoes a name unescaped, or the password")
		}
		good := url.Values{"csrf_token": {token}, "name": {"Sam <script>"}, "email": {"sam@example.com"}, "password": {"a long secret"},
			"role": {"salesperson"}}
		a.post("/settings/users", good).want(t, "a new user", http.StatusSeeOther, "/settings/users?done=added")
		list := a.get("/settings/users?done=added")
		list.want(t, "the users", http.StatusOK, "Added.", "Sam &lt;script&gt;", "sam@example.com", "Salesperson")
		sam, err := a.accounts.UserByEmail(context.Background(), 1, "sam@example.com")
		if err != nil {
			t.Fatal(err)
		}

		a.post("/settings/teams", url.Values{"csrf_token": {token}, "name": {"North"}, "manager_id": {ada}}).
			want(t, "a team", http.StatusSeeOther, "/settings/teams?done=added")
		teams, _ := a.accounts.ListTeams(ctx)
		a.post("/settings/users/"+sam.ID+"/role", url.Values{"csrf_token": {token}, "role": {"manager"}, "team_id": {teams[0].ID}}).
			want(t, "Sam's role and team", http.StatusSeeOther, "/settings/users?done=saved")
		if u, _ := a.accounts.GetUser(ctx, sam.ID); u.Role != "manager" || u.TeamID == nil || *u.TeamID != teams[0].ID {
			t.Errorf("after the change Sam is %+v", u)
		}
		a.get("/settings/teams").want(t, "the team", http.StatusOK, "North", "Manager: Ada Lovelace", "Sam &lt;script&gt;")

		// Deactivating Sam hands their contact to Ada and ends their session.
		samsBrowser := a.browser()
		mine := a.client
		a.client = samsBrowser
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		a.client = mine
		contact, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Grace", "owner_id": sam.ID})
		if err != nil {
			t.Fatal(err)
		}
		a.get("/settings/users/"+sam.ID+"/deactivate").want(t, "the deactivation form", http.StatusOK,
			"Deactivate Sam &lt;script&gt;", `<option value="`+ada+`">Ada Lovelace</option>`)
		a.post("/settings/users/"+sam.ID+"/deactivate", url.Values{"csrf_token": {token}, "reassign_to": {ada}}).
			want(t, "Sam deactivated", http.StatusSeeOther, "/settings/users?done=deactivated")
		got, err := a.engine.Get(ctx, "contacts", contact["id"].(string), false)
		if err != nil || got["owner_id"] != ada {
			t.Errorf("Grace's owner after Sam left: %v %v", got["owner_id"], err)
		}
		a.client = samsBrowser
		a.get("/contacts").want(t, "Sam's browser after deactivation", http.StatusSeeOther, "/signin?next=%2Fcontacts")
		a.client = mine
		a.get("/settings/users").want(t, "the users after", http.StatusOK, "Deactivated", "Reactivate")
		a.post("/settings/users/"+sam.ID+"/deactivate", url.Values{"csrf_token": {token}}).
			want(t, "deactivating a deactivated user", http.StatusNotFound)
		a.post("/settings/users/"+ada+"/deactivate", url.Values{"csrf_token": {token}}).
			want(t, "deactivating the last administrator", http.StatusConflict, "would leave the workspace without an administrator")
		a.post("/settings/users/"+sam.ID+"/reactivate", url.Values{"csrf_token": {token}}).
			want(t, "Sam reactivated", http.StatusSeeOther, "/settings/users?done=reactivated")
		if u, _ := a.accounts.GetUser(ctx, sam.ID); u.Status != account.StatusActive {
			t.Errorf("Sam is %s after reactivation", u.Status)
		}
	})
}

func TestUsersListQueriesDoNotGrowWithUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.get("/settings/users") // the policy reads the roles once
		few := a.get("/settings/users").queries(t)
		for _, e := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			a.colleague(e+"@example.com", strings.ToUpper(e), "salesperson")
		}
		if many := a.get("/settings/users").queries(t); many != few {
			t.Errorf("the users page makes %d queries for 9 users, %d for 1", many, few)
		}
	})
}

func TestRolesListQueriesDoNotGrowWithRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.get("/settings/roles")
		few := a.get("/settings/roles").queries(t)
		token := a.csrf()
		for _, name := range []string{"north", "south", "east", "west", "interns"} {
			a.post("/settings/roles", url.Values{"csrf_token": {token}, "name": {name}, "from": {"salesperson"}}).
				want(t, "role "+name, http.StatusSeeOther)
		}
		a.get("/settings/roles")
		if many := a.get("/settings/roles").queries(t); many != few {
			t.Errorf("the roles page makes %d queries for 9 roles, %d for 4", many, few)
		}
		a.post("/settings/roles", url.Values{"csrf_token": {token}, "name": {"odd"}, "from": {"nobody"}}).
			want(t, "a role from a role that is not", http.StatusBadRequest, "Choose a role to start from.")
	})
}

func TestARoleGridChangesWhatASalespersonSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper",
			"phones": []any{"020 7946 0958"}}); err != nil {
			t.Fatal(err)
		}
		sam := a.colleague("sam@example.com", "Sam", "salesperson")
		a.post("/settings/roles", url.Values{"csrf_token": {token}, "name": {"Field Sales"}, "from": {"salesperson"}}).
			want(t, "a role with a bad name", http.StatusBadRequest, `value="Field Sales"`, "This is not in the expected format.")
		a.post("/settings/roles", url.Values{"csrf_token": {token}, "name": {"field_sales"}, "label": {"Field <b>sales"}, "from": {"salesperson"}}).
			want(t, "a new role", http.StatusSeeOther, "/settings/roles/field_sales/edit?done=added")
		a.get("/settings/roles/salesperson/edit").want(t, "a built-in role", http.StatusOK, "A built-in role cannot change", "<fieldset disabled>")
		grid := a.get("/settings/roles/field_sales/edit")
		grid.want(t, "the new role's grid", http.StatusOK, "Field &lt;b&gt;sales", `name="grant.contact.read"`, `name="rule.contact.phones"`)
		if !regexp.MustCompile(`(?s)name="grant.contact.read".*?<option value="own" selected>`).MatchString(grid.body) {
			t.Error("the grid does not show the copied scope of reading contacts")
		}
		a.post("/settings/users/"+sam.ID+"/role", url.Values{"csrf_token": {token}, "role": {"field_sales"}, "team_id": {""}}).
			want(t, "Sam gets the role", http.StatusSeeOther)

		a.signInWith("sam@example.com", "a long secret")
		if body := a.get("/contacts").body; strings.Contains(body, "Grace") {
			t.Fatal("with their own contacts only, Sam sees Ada's")
		}
		a.signInWith("ada@example.com", "analytical-engine")
		token = a.csrf()
		a.post("/settings/roles/field_sales/edit", url.Values{"csrf_token": {token}, "grant.contact.read": {"all"}, "rule.contact.phones": {"hidden"}}).
			want(t, "the grid saved", http.StatusSeeOther, "/settings/roles/field_sales/edit?done=saved")
		a.post("/settings/roles/field_sales/edit", url.Values{"csrf_token": {token}, "grant.contact.read": {"everything"}}).
			want(t, "a scope that is none", http.StatusConflict, "Check what you entered")
		a.post("/settings/roles/salesperson/edit", url.Values{"csrf_token": {token}, "grant.contact.read": {"all"}}).
			want(t, "changing a built-in role", http.StatusConflict, "cannot change")

		a.signInWith("sam@example.com", "a long secret")
		list := a.get("/contacts")
		list.want(t, "Sam's contacts after the change", http.StatusOK, "Grace Hopper")
		if strings.Contains(list.body, "7946") {
			t.Error("Sam sees a phone number that the role hides")
		}
	})
}

func TestATokenIsShownOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		a.post("/settings/tokens", url.Values{"csrf_token": {token}, "name": {""}}).
			want(t, "a token without a name", http.StatusBadRequest, "This field is required.")
		made := a.post("/settings/tokens", url.Values{"csrf_token": {token}, "name": {"Zapier <script>"}, "scope": {"read"}})
		made.want(t, "a new token", http.StatusCreated, "Copy it now", "Zapier &lt;script&gt;", "Read only", `data-copy="token-secret"`)
		m := regexp.MustCompile(`id="token-secret" class="mono" value="(rpt_[^"]+)"`).FindStringSubmatch(made.body)
		if m == nil {
			t.Fatal("the new token is not on the page")
		}
		if _, err := a.accounts.Authenticate(context.Background(), m[1]); err != nil {
			t.Fatalf("the token shown does not work: %v", err)
		}
		later := a.get("/settings/tokens")
		later.want(t, "the tokens later", http.StatusOK, "Zapier &lt;script&gt;")
		if strings.Contains(later.body, m[1]) {
			t.Error("the token is shown again")
		}
		id := regexp.MustCompile(`action="/settings/tokens/(\d+)/revoke"`).FindStringSubmatch(later.body)
		a.post("/settings/tokens/"+id[1]+"/revoke", url.Values{"csrf_token": {token}}).
			want(t, "revoking", http.StatusSeeOther, "/settings/tokens?done=revoked")
		if _, err := a.accounts.Authenticate(context.Background(), m[1]); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Errorf("a revoked token still works: %v", err)
		}
	})
}

func TestAuditTrailFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		sam := a.colleague("sam@example.com", "Sam <b>", "salesperson")
		a.signInWith("sam@example.com", "a long secret")
		a.post("/settings/tokens", url.Values{"csrf_token": {a.csrf()}, "name": {"Sam's <i>token"}}).want(t, "Sam's token", http.StatusCreated)
		a.signInWith("ada@example.com", "analytical-engine")

		all := a.get("/settings/audit")
		all.want(t, "the whole trail", http.StatusOK, "Signed in", "token_create", "Sam &lt;b&gt;", "Sam&#39;s &lt;i&gt;token")
		signIns := a.get("/settings/audit?action=sign_in")
		signIns.want(t, "sign-ins", http.StatusOK, "Signed in", "Sam &lt;b&gt;", "Ada Lovelace")
		if strings.Contains(signIns.body, "token_create") {
			t.Error("the sign-ins show a token's creation")
		}
		bySam := a.get("/settings/audit?object=token&user_id=" + sam.ID)
		bySam.want(t, "Sam's tokens", http.StatusOK, "token_create", `value="token"`)
		if strings.Contains(bySam.body, "Signed in") {
			t.Error("filtered by object, the trail shows sign-ins")
		}
		tomorrow := time.Now().Add(48 * time.Hour).Format(time.DateOnly)
		a.get("/settings/audit?from="+tomorrow).want(t, "from the day after tomorrow", http.StatusOK, "Nothing matches these filters.")
		a.get("/settings/audit?to=yesterday").want(t, "a bad date", http.StatusBadRequest, `id="to-error"`, `value="yesterday"`)
		a.get("/settings/audit?cursor=nonsense").want(t, "a bad cursor", http.StatusBadRequest)
		a.get("/settings/jobs?status=dead").want(t, "dead jobs", http.StatusOK, "Background jobs", "No jobs here.")
		a.get("/settings/jobs?status=sleeping").want(t, "an unknown status", http.StatusBadRequest)
	})
}

func TestAuditTrailPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		for range 55 {
			if _, _, err := a.accounts.SignIn(context.Background(), account.SignIn{Workspace: 1, Email: "ada@example.com",
				Password: "analytical-engine"}); err != nil {
				t.Fatal(err)
			}
		}
		first := a.get("/settings/audit?action=sign_in")
		more := regexp.MustCompile(`href="(/settings/audit\?[^"]+)"`).FindAllStringSubmatch(first.body, -1)
		next := ""
		for _, m := range more {
			if strings.Contains(m[1], "cursor=") {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if next == "" || !strings.Contains(next, "action=sign_in") {
			t.Fatalf("no link to older entries keeping the filter: %v", more)
		}
		a.get(next).want(t, "the older entries", http.StatusOK, "Signed in")
	})
}

func TestTheTimeZoneChangesMyDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		due := time.Now().Add(-time.Hour).Truncate(time.Minute)
		a.task(ctx, a.userID(ctx), "Call Grace", due)
		en := locale.For("en")
		a.get("/").want(t, "My day in UTC", http.StatusOK, en.DateTime(due, time.UTC))

		token := a.csrf()
		a.post("/me", url.Values{"csrf_token": {token}, "name": {"Ada <b>"}, "language": {"en"}, "time_zone": {"Mars/Olympus"}}).
			want(t, "a bad zone", http.StatusBadRequest, `<p class="error" id="time_zone-error">`)
		a.post("/me", url.Values{"csrf_token": {token}, "name": {"Ada <b>"}, "language": {"de"}, "time_zone": {"Asia/Tokyo"}}).
			want(t, "a language Rapport does not speak", http.StatusBadRequest, `<p class="error" id="language-error">`, `value="Ada &lt;b&gt;"`)
		a.post("/me", url.Values{"csrf_token": {token}, "name": {"Ada <b>"}, "language": {"en"}, "time_zone": {"Asia/Tokyo"}}).
			want(t, "the profile", http.StatusSeeOther, "/me?done=saved")
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		a.get("/").want(t, "My day in Tokyo", http.StatusOK, en.DateTime(due, tokyo), "Ada &lt;b&gt;")
		a.get("/me").want(t, "the profile page", http.StatusOK, `<option value="Asia/Tokyo" selected>`)
	})
}

func TestEveryTimeZoneOfThePickerLoads(t *testing.T) {
	a := newApp(t, storetest.SQLite(t))
	a.setUp()
	body := a.get("/me").body
	zones := regexp.MustCompile(`<option value="([A-Za-z_/+-]+/[A-Za-z_/+-]+|UTC)"`).FindAllStringSubmatch(body, -1)
	if len(zones) < 300 {
		t.Fatalf("only %d zones to pick from", len(zones))
	}
	for _, z := range zones {
		if _, err := time.LoadLocation(z[1]); err != nil {
			t.Errorf("zone %s: %v", z[1], err)
		}
	}
}

var totpSecret = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

func TestTwoFactorEnrolmentAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		a.get("/me").want(t, "two-factor off", http.StatusOK, "Turn on two-factor sign-in")
		enrol := a.post("/me/totp", url.Values{"csrf_token": {token}})
		enrol.want(t, "enrolment", http.StatusOK, `<svg class="qr"`, `name="code"`)
		m := totpSecret.FindStringSubmatch(enrol.body)
		if m == nil {
			t.Fatal("no secret on the enrolment page")
		}
		again := a.post("/me/totp/confirm", url.Values{"csrf_token": {token}, "secret": {m[1]}, "code": {"000000"}})
		again.want(t, "a wrong code", http.StatusBadRequest, "That code is not right", m[1], `<svg class="qr"`)
		code, _ := account.TOTPCode(m[1], a.clock.now())
		a.post("/me/totp/confirm", url.Values{"csrf_token": {token}, "secret": {m[1]}, "code": {code}}).
			want(t, "the right code", http.StatusSeeOther, "/me?done=totp_on")
		a.get("/me?done=totp_on").want(t, "two-factor on", http.StatusOK, "Two-factor sign-in is on.", "Turn off two-factor sign-in")

		a.client = a.newClient()
		step := a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}, "next": {"/me"}})
		step.want(t, "the password", http.StatusOK, `name="code"`)
		pending := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(step.body)
		a.clock.pass(time.Minute)
		code, _ = account.TOTPCode(m[1], a.clock.now())
		a.post("/signin/code", url.Values{"token": {pending[1]}, "code": {code}, "next": {"/me"}}).
			want(t, "the code", http.StatusSeeOther, "/me")
		token = a.csrf()
		a.post("/me/totp/off", url.Values{"csrf_token": {token}, "password": {"wrong password"}}).
			want(t, "turning off with a wrong password", http.StatusBadRequest, "That password is not right.")
		a.post("/me/totp/off", url.Values{"csrf_token": {token}, "password": {"analytical-engine"}}).
			want(t, "turning off", http.StatusSeeOther, "/me?done=totp_off")
	})
}

func TestSignOutEverywhereElse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		here := a.client
		a.client = a.browser()
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}).want(t, "a second browser", http.StatusSeeOther)
		there := a.client
		a.client = here
		page := a.get("/me")
		page.want(t, "two sessions", http.StatusOK, "this browser", "Sign out everywhere else")
		if n := strings.Count(page.body, `class="device"`); n != 2 {
			t.Errorf("%d sessions listed, want 2", n)
		}
		a.post("/me/sessions/end", url.Values{"csrf_token": {a.csrf()}}).want(t, "signing out elsewhere", http.StatusSeeOther, "/me?done=signed_out")
		a.get("/me?done=signed_out").want(t, "this browser after", http.StatusOK, "You are signed out everywhere else.")
		a.client = there
		a.get("/contacts").want(t, "the other browser after", http.StatusSeeOther, "/signin?next=%2Fcontacts")
	})
}

func TestTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		ada := a.userID(ctx)
		sam := a.colleague("sam@example.com", "Sam <i>", "salesperson")
		token := a.csrf()
		a.get("/settings/teams").want(t, "no teams", http.StatusOK, "No teams yet.")
		a.post("/settings/teams", url.Values{"csrf_token": {token}, "name": {"North <script>"}}).want(t, "a team", http.StatusSeeOther)
		a.post("/settings/teams", url.Values{"csrf_token": {token}, "name": {"North <script>"}}).
			want(t, "the same name again", http.StatusBadRequest, `<p class="error" id="name-error">This already exists.</p>`, `value="North &lt;script&gt;"`)
		teams, _ := a.accounts.ListTeams(ctx)
		id := teams[0].ID
		a.post("/settings/teams/"+id+"/edit", url.Values{"csrf_token": {token}, "name": {"South"}, "manager_id": {ada}}).
			want(t, "renamed, with a manager", http.StatusSeeOther, "/settings/teams?done=saved")
		a.post("/settings/teams/"+id+"/members", url.Values{"csrf_token": {token}, "user_id": {sam.ID}}).
			want(t, "Sam joins", http.StatusSeeOther)
		page := a.get("/settings/teams")
		page.want(t, "the team", http.StatusOK, "South", "Manager: Ada Lovelace", `id="member-`+id+`-`+sam.ID+`">Sam &lt;i&gt;</span>`)
		if strings.Contains(page.body, "<script>") || strings.Contains(page.body, "Sam <i>") {
			t.Error("the teams page shows a name as HTML")
		}
		a.post("/settings/teams/"+id+"/members/"+sam.ID+"/remove", url.Values{"csrf_token": {token}}).want(t, "Sam leaves", http.StatusSeeOther)
		if u, _ := a.accounts.GetUser(ctx, sam.ID); u.TeamID != nil {
			t.Errorf("Sam is still in team %s", *u.TeamID)
		}
		a.post("/settings/teams/"+id+"/delete", url.Values{"csrf_token": {token}}).want(t, "deleted", http.StatusSeeOther, "/settings/teams?done=deleted")
		a.post("/settings/teams/"+id+"/delete", url.Values{"csrf_token": {token}}).want(t, "deleted again", http.StatusNotFound)
	})
}
