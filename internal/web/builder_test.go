package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var reportID = regexp.MustCompile(`report=(\d+)`)

// TestASavedReportKeepsHiddenFieldsHidden: a report shared with the
// workspace holds field names only; a salesperson who opens it counts
// only their own deals, and its measure of a field their role hides is
// dropped, named nowhere.
func TestASavedReportKeepsHiddenFieldsHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		if _, err := a.engine.AddField(ctx, "deals", records.FieldSpec{Name: "secret_score", Label: "Secret score", Type: records.Integer}); err != nil {
			t.Fatal(err)
		}
		if _, err := access.NewRolePolicy(db).CreateRole(ctx, access.RoleSpec{Name: "seller", Label: "Seller",
			Grants: access.Grants{"deal": {"read": "own"}, "pipeline": {"read": "all"}},
			Fields: access.FieldRules{"deal": {"secret_score": "hidden"}}}); err != nil {
			t.Fatal(err)
		}
		kim := a.signInAs("kim@example.com", "seller")
		a.create(ctx, "deals", map[string]any{"title": "Kim's", "owner_id": kim.ID, "secret_score": json.Number("5")})
		a.create(ctx, "deals", map[string]any{"title": "Ada's", "secret_score": json.Number("98765")})
		a.create(ctx, "deals", map[string]any{"title": "Ada's too", "secret_score": json.Number("1")})

		a.switchTo("ada@example.com")
		query := "object=deals&m1=count&m2=sum&mf2=secret_score&chart=table"
		a.get("/reports/builder?"+query).want(t, "the administrator's report", http.StatusOK, "Secret score", "98,771", ">3<")
		ans := a.post("/reports/builder/save", url.Values{"csrf_token": {a.csrf()}, "name": {"Scores <all>"}, "visibility": {"workspace"}, "query": {query}})
		ans.want(t, "save the report", http.StatusSeeOther)
		m := reportID.FindStringSubmatch(ans.location)
		if m == nil {
			t.Fatalf("saving went to %q", ans.location)
		}
		a.get("/reports/builder/export?"+query+"&format=csv").want(t, "the CSV", http.StatusOK, "Count,Sum: Secret score\n3,98771\n")

		a.switchTo("kim@example.com")
		page := a.get("/reports/builder?report=" + m[1])
		page.want(t, "Kim opens the shared report", http.StatusOK, "Scores &lt;all&gt;", ">1<")
		for _, hidden := range []string{"Secret score", "secret_score", "98,771", "98765", ">3<"} {
			if strings.Contains(page.body, hidden) {
				t.Errorf("Kim's report shows %q", hidden)
			}
		}
		hiddenGroup := a.get("/reports/builder?object=deals&g1=secret_score&m1=count")
		hiddenGroup.want(t, "a grouping Kim's role hides", http.StatusOK, ">1<")
		// The page's own address, which the layout keeps for its menus,
		// is what the user asked for; the report itself names nothing.
		if report := hiddenGroup.body[strings.Index(hiddenGroup.body, `class="report-builder"`):]; strings.Contains(report, "secret_score") {
			t.Error("a report grouped by a hidden field names it")
		}
		a.get("/reports/builder/export?object=deals&m1=count&format=pdf").want(t, "an unknown format", http.StatusNotFound)
	})
}
