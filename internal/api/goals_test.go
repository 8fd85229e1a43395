package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestGoalsAPI: administrators set goals; a salesperson reads their own
// and their team's, and another team's is not found, in the list as by id.
func TestGoalsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		ppl := f.people
		for _, cls := range []string{accesstest.Self, accesstest.Outsider} {
			accesstest.SetRole(t, db, 1, ppl.ByCls[cls], access.RoleSalesperson)
		}
		admin := f.tokens["admin"]
		teamOf := func(cls string) string {
			var id int64
			if err := db.Raw().QueryRow(db.Dialect.Rebind(`SELECT team_id FROM users WHERE id = ?`), ppl.ByCls[cls]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(id, 10)
		}
		mine := f.made(admin, "POST", "/api/v1/goals", `{"metric": "calls", "subject": "team", "subject_id": "`+teamOf(accesstest.Self)+
			`", "period": "2026-12", "target": 40}`, 201)
		theirs := f.made(admin, "POST", "/api/v1/goals", `{"metric": "won_value", "subject": "team", "subject_id": "`+
			teamOf(accesstest.Outsider)+`", "period": "2026-Q4", "target": 990077, "currency": "EUR"}`, 201)
		rep := f.tokens[accesstest.Self]
		if status, text := f.call(rep, "GET", "/api/v1/goals", ""); status != 200 || !strings.Contains(text, `"id":"`+mine+`"`) ||
			strings.Contains(text, "990077") {
			t.Errorf("list: %d %s", status, text)
		}
		if status, text := f.call(rep, "GET", "/api/v1/goals/"+theirs, ""); status != 404 || strings.Contains(text, "990077") {
			t.Errorf("another team's goal: %d %s", status, text)
		}
		if status, _ := f.call(rep, "GET", "/api/v1/goals/"+mine, ""); status != 200 {
			t.Errorf("own team's goal: %d", status)
		}
		if status, _ := f.call(rep, "PATCH", "/api/v1/goals/"+mine, `{"target": 1}`); status != 403 {
			t.Errorf("a salesperson changed a goal: %d", status)
		}
		if status, text := f.call(admin, "POST", "/api/v1/goals", `{"metric": "calls", "subject": "user", "period": "2026-14", "target": 0}`); status != 400 ||
			!strings.Contains(text, `"period"`) || !strings.Contains(text, `"target"`) {
			t.Errorf("bad goal: %d %s", status, text)
		}
		if status, _ := f.call(admin, "DELETE", "/api/v1/goals/"+theirs, ""); status != 204 {
			t.Errorf("delete: %d", status)
		}
	})
}
