package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestListExport downloads a filtered list from its page: the download
// holds the list's filter, sort and columns, a salesperson's only their
// own records, and a role that may not export sees no download.
func TestListExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		for i := range 5 {
			source := "referral"
			if i%2 == 1 {
				source = "event"
			}
			a.create(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Person %d", i), "last_name": "=SUM(A1)", "source": source})
		}
		page := a.get("/contacts?f0=source&o0=eq&v0=referral&sort=-full_name")
		page.want(t, "a filtered list", http.StatusOK, "Download")
		link := regexp.MustCompile(`href="(/contacts/export\?[^"]*format=csv[^"]*)"`).FindStringSubmatch(page.body)
		if link == nil {
			t.Fatalf("no CSV download on the list: %.2000s", page.body)
		}
		got := a.get(html.UnescapeString(link[1]))
		if got.status != http.StatusOK {
			t.Fatalf("download: %d %.300s", got.status, got.body)
		}
		rows, err := csv.NewReader(strings.NewReader(got.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][1] != "full_name" || !strings.HasPrefix(rows[1][1], "Person 4") || !strings.HasPrefix(rows[3][1], "Person 0") {
			t.Errorf("the download of the referrals, by name descending: %v", rows)
		}
		if strings.Contains(got.body, ",=SUM") {
			t.Errorf("a formula reached the download as a formula: %s", got.body)
		}
		// The vCard download holds the same contacts, however many columns
		// the list shows; companies offer none.
		vcf := regexp.MustCompile(`href="(/contacts/export\?[^"]*format=vcf[^"]*)"`).FindStringSubmatch(page.body)
		if vcf == nil {
			t.Fatalf("no vCard download on the contacts list")
		}
		if cards := a.get(html.UnescapeString(vcf[1])); cards.status != http.StatusOK || strings.Count(cards.body, "BEGIN:VCARD") != 3 || !strings.Contains(cards.body, "FN:Person 4") {
			t.Errorf("the vCard download: %d %s", cards.status, cards.body)
		}
		if body := a.get("/companies").body; strings.Contains(body, "format=vcf") {
			t.Error("the companies list offers vCards")
		}
		// As every page of the web app, a hand-made address that is refused
		// answers "not found", telling nothing of what exists.
		a.get("/contacts/export?format=pdf").want(t, "an unknown format", http.StatusNotFound)

		// A salesperson downloads their own records only.
		u := a.signInAs("sam@example.com", "salesperson")
		a.create(actorOf(u, "salesperson"), "contacts", map[string]any{"first_name": "Own", "last_name": "Contact"})
		mine := a.get("/contacts/export?format=csv")
		if mine.status != http.StatusOK || !strings.Contains(mine.body, "Own Contact") || strings.Contains(mine.body, "Person") {
			t.Errorf("the salesperson's download: %d %s", mine.status, mine.body)
		}
		// A read-only user sees no download and may not take one.
		a.signInAs("rita@example.com", "read_only")
		if body := a.get("/contacts").body; strings.Contains(body, "/contacts/export") {
			t.Error("a read-only user is offered a download")
		}
		a.get("/contacts/export?format=csv").want(t, "a read-only user's download", http.StatusNotFound)
	})
}
