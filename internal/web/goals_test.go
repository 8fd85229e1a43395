package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestGoalsPageShowsASalespersonOnlyTheirTeamsGoals: the administrator
// sets a goal for Sam's team and one for another team; Sam's goals page,
// dashboard and My day show the first only, the second is not found to
// him, and he is offered no form to set one.
func TestGoalsPageShowsASalespersonOnlyTheirTeamsGoals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		north, south := accesstest.AddTeam(t, db, 1, "North"), accesstest.AddTeam(t, db, 1, "South")
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Raw().Exec(db.Dialect.Rebind(`UPDATE users SET team_id = ? WHERE id = ?`), north, sam.ID); err != nil {
			t.Fatal(err)
		}
		id := func(n int64) string { return strconv.FormatInt(n, 10) }
		month := a.clock.now().Format("2006-01")
		csrf := a.csrf()
		for _, g := range []struct{ team, target string }{{id(north), "41"}, {id(south), "977"}} {
			a.post("/goals", url.Values{"metric": {"calls"}, "for": {"team:" + g.team}, "period": {month}, "target": {g.target}, "csrf_token": {csrf}}).
				want(t, "the administrator sets a goal", http.StatusSeeOther)
		}
		var theirs string
		if err := db.Raw().QueryRow(db.Dialect.Rebind(`SELECT id FROM goals WHERE subject_id = ?`), south).Scan(&theirs); err != nil {
			t.Fatal(err)
		}
		a.post("/goals", url.Values{"metric": {"calls"}, "for": {"team:" + id(north)}, "period": {"2026-13"}, "target": {"x"}, "csrf_token": {csrf}}).
			want(t, "a bad goal", http.StatusBadRequest, `id="add-period-error"`, `id="add-target-error"`)

		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		for _, path := range []string{"/goals", "/dashboard", "/"} {
			page := a.get(path)
			page.want(t, path, http.StatusOK, "Team North")
			if strings.Contains(page.body, "977") || strings.Contains(page.body, "South") {
				t.Errorf("Sam's %s shows the other team's goal", path)
			}
		}
		if page := a.get("/goals"); strings.Contains(page.body, `action="/goals"`) {
			t.Error("a salesperson is offered the form to set goals")
		}
		csrf = a.csrf()
		a.post("/goals/"+theirs+"/delete", url.Values{"csrf_token": {csrf}}).want(t, "Sam deletes the other team's goal", http.StatusNotFound)
		a.post("/goals", url.Values{"metric": {"calls"}, "for": {"team:" + id(north)}, "period": {month}, "target": {"5"}, "csrf_token": {csrf}}).
			want(t, "Sam sets a goal", http.StatusForbidden)
	})
}
