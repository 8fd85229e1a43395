package api_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestUsersAndTeams(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		admin, sam := "{admin_token}", "{sam_token}"
		e.run([]call{
			{name: "create a team", method: "POST", path: "/api/v1/teams", token: admin, body: `{"name":"North","manager_id":"{admin_id}"}`,
				status: 201, contains: []string{`"name":"North"`, `"manager_id":"{admin_id}"`, `"members":0`}, save: map[string]string{"north": "id"}},
			{name: "a duplicate team", method: "POST", path: "/api/v1/teams", token: admin, body: `{"name":"North"}`, status: 400,
				contains: []string{`"field":"name"`}},
			{name: "a team without a name", method: "POST", path: "/api/v1/teams", token: admin, body: `{"manager_id":"{admin_id}"}`, status: 400},
			{name: "a team with a made-up manager", method: "POST", path: "/api/v1/teams", token: admin, body: `{"name":"S","manager_id":"999"}`,
				status: 400, contains: []string{`"field":"manager_id"`}},
			{name: "a salesperson cannot make teams", method: "POST", path: "/api/v1/teams", token: sam, body: `{"name":"Mine"}`, status: 403},
			{name: "add a user", method: "POST", path: "/api/v1/users", token: admin, status: 201,
				body:     `{"email":"Kim@Example.com","name":"Kim","password":"kim kim kim kim","role":"manager","language":"pt-br","time_zone":"Europe/Lisbon","team_id":"{north}"}`,
				contains: []string{`"email":"kim@example.com"`, `"language":"pt-BR"`, `"time_zone":"Europe/Lisbon"`, `"team_id":"{north}"`, `"status":"active"`},
				absent:   []string{"password"}, save: map[string]string{"kim": "id"}},
			{name: "a user with everything wrong", method: "POST", path: "/api/v1/users", token: admin, status: 400,
				body:     `{"email":"nope","password":"short","role":"emperor","language":"xx-!!","time_zone":"Mars/Olympus"}`,
				contains: []string{`"field":"email"`, `"field":"password"`, `"field":"role"`, `"field":"language"`, `"field":"time_zone"`}},
			{name: "a salesperson cannot add users", method: "POST", path: "/api/v1/users", token: sam, status: 403,
				body: `{"email":"x@example.com","password":"xxxxxxxxxxxx","role":"administrator"}`},
			{name: "everyone reads the directory", method: "GET", path: "/api/v1/users", token: sam, status: 200,
				contains: []string{`"email":"kim@example.com"`, `"email":"admin@example.com"`}, absent: []string{"hash", "secret"}},
			{name: "filter by team", method: "GET", path: "/api/v1/users?team_id={north}", token: sam, status: 200,
				contains: []string{"kim@example.com"}, absent: []string{"admin@example.com"}},
			{name: "the team counts its member", method: "GET", path: "/api/v1/teams/{north}", token: sam, status: 200, contains: []string{`"members":1`}},
			{name: "get a user", method: "GET", path: "/api/v1/users/{kim}", token: sam, status: 200, contains: []string{`"name":"Kim"`}},
			{name: "an unknown user", method: "GET", path: "/api/v1/users/999999", token: sam, status: 404},
			{name: "change a user", method: "PATCH", path: "/api/v1/users/{kim}", token: admin, body: `{"role":"salesperson","team_id":null,"name":"Kim K"}`,
				status: 200, contains: []string{`"role":"salesperson"`, `"team_id":null`, `"name":"Kim K"`}},
			{name: "a salesperson cannot change users", method: "PATCH", path: "/api/v1/users/{kim}", token: sam, body: `{"name":"X"}`, status: 403},
			{name: "rename the team, drop its manager", method: "PATCH", path: "/api/v1/teams/{north}", token: admin, body: `{"name":"Nord","manager_id":null}`,
				status: 200, contains: []string{`"name":"Nord"`, `"manager_id":null`}},
			{name: "delete the team", method: "DELETE", path: "/api/v1/teams/{north}", token: admin, status: 204},
			{name: "the team is gone", method: "GET", path: "/api/v1/teams/{north}", token: admin, status: 404},
			{name: "list teams", method: "GET", path: "/api/v1/teams", token: sam, status: 200, contains: []string{`"data":[]`}},
			{name: "the OpenAPI document has them", method: "GET", path: "/api/v1/openapi.json", token: sam, status: 200,
				contains: []string{`"/sessions"`, `"/users/{id}/deactivate"`, `"/tokens"`, `"name":"rapport_session"`}},
		})
	})
}

func TestMe(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		sam := "{sam_token}"
		e.run([]call{
			signIn("s", "sam@example.com", samPassword),
			signIn("other", "sam@example.com", samPassword),
			{name: "change my profile", method: "PATCH", path: "/api/v1/me", cookie: "{s_cookie}", csrf: "{s_csrf}", status: 200,
				body: `{"name":"Samantha","language":"de","time_zone":"Europe/Berlin"}`, contains: []string{`"name":"Samantha"`, `"time_zone":"Europe/Berlin"`}},
			{name: "a bad time zone", method: "PATCH", path: "/api/v1/me", token: sam, body: `{"time_zone":"Local"}`, status: 400},
			{name: "my role is not mine to change", method: "PATCH", path: "/api/v1/me", token: sam, body: `{"role":"administrator"}`, status: 400,
				contains: []string{`"field":"role"`}},
			{name: "a new password needs the current one", method: "PATCH", path: "/api/v1/me", token: sam, body: `{"password":"a fresh password"}`,
				status: 400, contains: []string{`"field":"current_password"`}},
			{name: "keep_tokens without a password", method: "PATCH", path: "/api/v1/me", token: sam, body: `{"keep_tokens":true}`,
				status: 400, contains: []string{`"field":"keep_tokens"`}},
			{name: "change my password", method: "PATCH", path: "/api/v1/me", cookie: "{s_cookie}", csrf: "{s_csrf}", status: 200,
				body: `{"password":"a fresh password","current_password":"` + samPassword + `"}`,
				contains: []string{`"signed_out":{"sessions":1,"tokens":1,"tokens_kept":false,`,
					"1 other session was signed out, and 1 API token was revoked: make new tokens"}},
			{name: "this session stays", method: "GET", path: "/api/v1/me", cookie: "{s_cookie}", status: 200, absent: []string{"signed_out"}},
			{name: "the other session ended", method: "GET", path: "/api/v1/me", cookie: "{other_cookie}", status: 401},
			{name: "the token was revoked", method: "GET", path: "/api/v1/me", token: sam, status: 401},
			signIn("new", "sam@example.com", "a fresh password"),
			{name: "a new token", method: "POST", path: "/api/v1/tokens", cookie: "{new_cookie}", csrf: "{new_csrf}", body: `{"name":"cli"}`,
				status: 201, save: map[string]string{"cli": "token"}},
			{name: "change it again, keeping the tokens", method: "PATCH", path: "/api/v1/me", token: "{cli}", status: 200,
				body:     `{"password":"a third password","current_password":"a fresh password","keep_tokens":true}`,
				contains: []string{`"signed_out":{"sessions":2,"tokens":0,"tokens_kept":true,`, "your API tokens were kept, as you asked"}},
			{name: "the kept token works", method: "GET", path: "/api/v1/me", token: "{cli}", status: 200},
			{name: "the sessions ended", method: "GET", path: "/api/v1/me", cookie: "{new_cookie}", status: 401},
		})
		assertAudited(t, db, map[string]int{"password_change": 2})
	})
}

func TestTokensThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		e.run([]call{
			signIn("s", "sam@example.com", samPassword),
			{name: "make a read token", method: "POST", path: "/api/v1/tokens", cookie: "{s_cookie}", csrf: "{s_csrf}", status: 201,
				body: `{"name":"reports","scope":"read","expires_at":"2999-01-01T00:00:00Z"}`, contains: []string{`"token":"rpt_1_`, `"scope":"read"`},
				save: map[string]string{"ro": "token", "ro_id": "id"}},
			{name: "a bad scope", method: "POST", path: "/api/v1/tokens", token: "{sam_token}", body: `{"name":"x","scope":"admin"}`, status: 400},
			{name: "no name", method: "POST", path: "/api/v1/tokens", token: "{sam_token}", body: `{"scope":"read"}`, status: 400},
			{name: "already expired", method: "POST", path: "/api/v1/tokens", token: "{sam_token}", body: `{"name":"x","expires_at":"2001-01-01T00:00:00Z"}`,
				status: 400, contains: []string{`"field":"expires_at"`}},
			{name: "the read token reads", method: "GET", path: "/api/v1/contacts", token: "{ro}", status: 200},
			{name: "the read token cannot write", method: "POST", path: "/api/v1/contacts", token: "{ro}", body: `{"first_name":"R"}`, status: 403},
			{name: "nor make tokens", method: "POST", path: "/api/v1/tokens", token: "{ro}", body: `{"name":"escalate"}`, status: 403},
			{name: "list my tokens", method: "GET", path: "/api/v1/tokens", token: "{sam_token}", status: 200,
				contains: []string{`"name":"reports"`, `"name":"test"`, `"last_used_at":"`, `"expires_at":"2999-01-01T00:00:00Z"`}, absent: []string{"{ro}", "rpt_"}},
			{name: "someone else's tokens are not listed", method: "GET", path: "/api/v1/tokens", token: "{admin_token}", status: 200,
				absent: []string{"reports"}},
			{name: "nor revocable by them", method: "DELETE", path: "/api/v1/tokens/{ro_id}", token: "{admin_token}", status: 404},
			{name: "revoke", method: "DELETE", path: "/api/v1/tokens/{ro_id}", token: "{sam_token}", status: 204},
			{name: "the revoked token", method: "GET", path: "/api/v1/contacts", token: "{ro}", status: 401},
			{name: "revoked twice", method: "DELETE", path: "/api/v1/tokens/{ro_id}", token: "{sam_token}", status: 404},
		})
		assertAudited(t, db, map[string]int{"token_create": 1, "token_revoke": 1})
	})
}

func TestDeactivationThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		admin := "{admin_token}"
		e.run([]call{
			signIn("s", "sam@example.com", samPassword),
			{name: "sam's contact", method: "POST", path: "/api/v1/contacts", token: admin, body: `{"first_name":"Ann","owner_id":"{sam_id}"}`,
				status: 201, save: map[string]string{"ann": "id"}},
			{name: "sam's company", method: "POST", path: "/api/v1/companies", token: admin, body: `{"name":"Acme","owner_id":"{sam_id}"}`,
				status: 201, save: map[string]string{"acme": "id"}},
			{name: "the last administrator cannot be demoted", method: "PATCH", path: "/api/v1/users/{admin_id}", token: admin,
				body: `{"role":"manager"}`, status: 409, contains: []string{"no active administrator"}},
			{name: "nor deactivated", method: "POST", path: "/api/v1/users/{admin_id}/deactivate", token: admin, status: 409},
			{name: "a salesperson cannot deactivate", method: "POST", path: "/api/v1/users/{admin_id}/deactivate", token: "{sam_token}", status: 403},
			{name: "reassign to nobody", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: admin, body: `{"reassign_to":"999999"}`,
				status: 400, contains: []string{`"field":"reassign_to"`}},
			{name: "deactivate and reassign", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: admin, body: `{"reassign_to":"{admin_id}"}`,
				status: 200, contains: []string{`"status":"deactivated"`, `"contacts":1`, `"companies":1`}},
			{name: "the contact moved, with a new version", method: "GET", path: "/api/v1/contacts/{ann}", token: admin, status: 200,
				contains: []string{`"owner_id":"{admin_id}"`, `"version":2`}},
			{name: "the company moved", method: "GET", path: "/api/v1/companies/{acme}", token: admin, status: 200,
				contains: []string{`"owner_id":"{admin_id}"`}},
			{name: "sam's token is refused at once", method: "GET", path: "/api/v1/me", token: "{sam_token}", status: 401},
			{name: "sam's session is refused at once", method: "GET", path: "/api/v1/me", cookie: "{s_cookie}", status: 401},
			{name: "sam cannot sign in", method: "POST", path: "/api/v1/sessions", body: `{"email":"sam@example.com","password":"` + samPassword + `"}`,
				status: 401},
			{name: "deactivated twice", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: admin, status: 409},
			{name: "the directory shows it", method: "GET", path: "/api/v1/users?status=deactivated", token: admin, status: 200,
				contains: []string{"sam@example.com"}, absent: []string{"admin@example.com"}},
			{name: "reactivate", method: "POST", path: "/api/v1/users/{sam_id}/reactivate", token: admin, status: 200,
				contains: []string{`"status":"active"`, `"deactivated_at":null`}},
			signIn("again", "sam@example.com", samPassword),
			{name: "the old token stays revoked", method: "GET", path: "/api/v1/me", token: "{sam_token}", status: 401},
			{name: "promote sam", method: "PATCH", path: "/api/v1/users/{sam_id}", token: admin, body: `{"role":"administrator"}`, status: 200},
			{name: "now the first administrator may step down", method: "PATCH", path: "/api/v1/users/{admin_id}", token: admin,
				body: `{"role":"manager"}`, status: 200},
		})
		var events int
		db.Reader().QueryRowContext(t.Context(), `SELECT count(*) FROM outbox WHERE workspace_id = 1 AND object IN ('contact', 'company')
			AND action = 'update' AND changes IS NOT NULL`).Scan(&events)
		if events != 2 {
			t.Errorf("%d ownership events in the outbox, want 2", events)
		}
	})
}

// TestManagingUsersDoesNotWidenReach checks that a role that may manage
// users but not roles cannot use that to reach further: it cannot act on
// an administrator (change, deactivate, reactivate, take over their
// records), change teams, their members or managers, or hand a user's
// records to someone when it could not move them one by one.
func TestManagingUsersDoesNotWidenReach(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		admin, una := "{admin_token}", "{una_token}"
		unaToken := func(e *authEnv) {
			token, err := e.accounts.CreateToken(context.Background(), 1, "una@example.com", "t", account.ScopeReadWrite, nil)
			if err != nil {
				e.t.Fatal(err)
			}
			e.vars["una_token"] = token
		}
		e.run([]call{
			{name: "a role that manages users, not roles", method: "POST", path: "/api/v1/roles", token: admin, status: 201,
				body: `{"name":"user_admin","grants":{"user":{"read":"all","update":"all"},"team":{"read":"all","create":"all","update":"all","delete":"all"},
					"contact":{"read":"team","update":"team"},"company":{"read":"team","update":"team"}}}`},
			{name: "una has it", method: "POST", path: "/api/v1/users", token: admin, status: 201,
				body: `{"email":"una@example.com","name":"Una","password":"una una una una","role":"user_admin"}`, save: map[string]string{"una": "id"}},
			{name: "a second administrator", method: "POST", path: "/api/v1/users", token: admin, status: 201,
				body: `{"email":"ada@example.com","name":"Ada","password":"ada ada ada ada","role":"administrator"}`, save: map[string]string{"ada": "id"}},
			{name: "una manages a team", method: "POST", path: "/api/v1/teams", token: admin, body: `{"name":"North","manager_id":"{una}"}`,
				status: 201, save: map[string]string{"north": "id"}},
			{name: "sam's contact", method: "POST", path: "/api/v1/contacts", token: admin, body: `{"first_name":"Secret","owner_id":"{sam_id}"}`,
				status: 201, save: map[string]string{"secret": "id"}},
			{name: "una cannot read it", method: "GET", path: "/api/v1/contacts/{secret}", token: una, status: 404, before: unaToken},

			{name: "moving sam into una's team", method: "PATCH", path: "/api/v1/users/{sam_id}", token: una, body: `{"team_id":"{north}"}`,
				status: 403, contains: []string{"moving a user into or out of a team takes the right to manage roles"}},
			{name: "so una still cannot read sam's contact", method: "GET", path: "/api/v1/contacts/{secret}", token: una, status: 404},
			{name: "making a team", method: "POST", path: "/api/v1/teams", token: una, body: `{"name":"South"}`, status: 403,
				contains: []string{"making, changing or deleting a team"}},
			{name: "changing a team's manager", method: "PATCH", path: "/api/v1/teams/{north}", token: una, body: `{"manager_id":"{una}"}`, status: 403},
			{name: "deleting a team", method: "DELETE", path: "/api/v1/teams/{north}", token: una, status: 403},
			{name: "assigning a role", method: "PATCH", path: "/api/v1/users/{sam_id}", token: una, body: `{"role":"manager"}`, status: 403},

			{name: "renaming an administrator", method: "PATCH", path: "/api/v1/users/{admin_id}", token: una, body: `{"name":"Pwned"}`,
				status: 403, contains: []string{"acting on an administrator (admin@example.com)"}},
			{name: "deactivating an administrator and taking their records", method: "POST", path: "/api/v1/users/{ada}/deactivate", token: una,
				body: `{"reassign_to":"{una}"}`, status: 403},
			{name: "deactivating an administrator", method: "POST", path: "/api/v1/users/{ada}/deactivate", token: una, status: 403},
			{name: "the administrators are untouched", method: "GET", path: "/api/v1/users?status=active", token: una, status: 200,
				contains: []string{`"name":"Admin"`, "ada@example.com"}, absent: []string{"Pwned"}},
			{name: "an administrator deactivates ada", method: "POST", path: "/api/v1/users/{ada}/deactivate", token: admin, status: 200},
			{name: "reactivating an administrator", method: "POST", path: "/api/v1/users/{ada}/reactivate", token: una, status: 403},

			{name: "taking over sam's records", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: una,
				body: `{"reassign_to":"{una}"}`, status: 403, contains: []string{"handing over user {sam_id}'s records"}},
			{name: "sam still owns the contact", method: "GET", path: "/api/v1/contacts/{secret}", token: admin, status: 200,
				contains: []string{`"owner_id":"{sam_id}"`}},

			// What managing users is for still works.
			{name: "renaming sam", method: "PATCH", path: "/api/v1/users/{sam_id}", token: una, body: `{"name":"Samuel"}`, status: 200},
			{name: "deactivating sam", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: una, status: 200},
			{name: "reactivating sam", method: "POST", path: "/api/v1/users/{sam_id}/reactivate", token: una, status: 200},
			{name: "una may now change everyone's contacts", method: "PATCH", path: "/api/v1/roles/user_admin", token: admin, status: 200,
				body: `{"grants":{"contact":{"read":"all","update":"all"},"company":{"read":"all","update":"all"}}}`},
			{name: "so una may hand sam's over", method: "POST", path: "/api/v1/users/{sam_id}/deactivate", token: una,
				body: `{"reassign_to":"{una}"}`, status: 200, contains: []string{`"contacts":1`}},
			{name: "an administrator may move people between teams", method: "PATCH", path: "/api/v1/users/{ada}", token: admin,
				body: `{"team_id":"{north}"}`, status: 200},
		})
	})
}
