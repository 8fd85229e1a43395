package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserLists builds a filter with an or group in the contacts list,
// picks a column, saves the list as a view, edits a cell in place with the
// keyboard, and assigns two rows to a colleague at once. Screenshots
// "list-filter", "list-bulk" and, in Russian, "list-ru".
func TestBrowserLists(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		rapport(t, append([]string{"user", "create", "--email", "sam@example.com", "--name", "Sam Spade",
			"--role", "salesperson", "--password", "a long secret"}, db...)...)
		for _, c := range []string{
			`{"first_name":"Ada","last_name":"Alpha","source":"referral","job_title":"CEO"}`,
			`{"first_name":"Bob","last_name":"Beta","source":"event"}`,
			`{"first_name":"Cy","last_name":"Gamma","source":"event"}`,
			`{"first_name":"Di","last_name":"Delta <script>window.pwned=1</script>","source":"event"}`,
		} {
			if status, body := s.call(t, token, "POST", "/api/v1/contacts", c); status != 201 {
				t.Fatalf("create a contact: %d %v", status, body)
			}
		}
		// choose picks an option of a select as a user does, which fires
		// its change event.
		choose := func(sel, value string) chromedp.Action[chromedp.Void] {
			return chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + quoteJS(sel) + `);
				el.value = ` + quoteJS(value) + `; el.dispatchEvent(new Event("change", {bubbles: true})); })()`)
		}
		b.do("open the contacts", chromedp.Navigate(s.base+"/contacts"), chromedp.WaitVisible(css(`#list-query`)))
		b.do("add a condition on the source", chromedp.Click(css(`button[name="add"][value="0"]`)), chromedp.WaitVisible(css(`#filter-f0`)),
			choose("#filter-f0", "source"), chromedp.WaitReady(css(`#filter-v0 option[value="event"]`)),
			chromedp.SetValue(css(`#filter-v0`), "event"))
		b.do("add an or group", chromedp.Click(css(`button[name="add_group"]`)), chromedp.WaitVisible(css(`#filter-f2`)),
			choose("#filter-f1", "first_name"), chromedp.WaitReady(css(`#filter-o1 option[value="starts_with"]`)),
			choose("#filter-o1", "starts_with"), chromedp.WaitReady(css(`#filter-o1 option[value="starts_with"][selected]`)),
			chromedp.SendKeys(css(`#filter-v1`), "Bo"),
			choose("#filter-f2", "last_name"), chromedp.WaitReady(css(`#filter-f2 option[value="last_name"][selected]`)),
			chromedp.SendKeys(css(`#filter-v2`), "Delta <script>window.pwned=1</script>"))
		b.do("show the job title", chromedp.Click(css(`.columns-menu summary`)), chromedp.Click(css(`input[name="col"][value="job_title"]`)))
		b.do("apply", chromedp.Click(css(`.builder-apply .primary`)), chromedp.WaitVisible(css(`th a[href*="col=job_title"]`)))
		rows := b.text(`table.records tbody`)
		if !strings.Contains(rows, "Bob Beta") || !strings.Contains(rows, "Di Delta <script>") || strings.Contains(rows, "Cy Gamma") || strings.Contains(rows, "Ada Alpha") {
			t.Errorf("the filtered list shows %q", rows)
		}
		if !b.eval(`location.search.includes("f0=source") && location.search.includes("m1=or")`) {
			t.Error("the address does not carry the filter")
		}
		b.shoot("list-filter")

		b.do("save the list as a view", chromedp.Click(css(`.views-menu summary`)), chromedp.SendKeys(css(`#view-name`), "Events"),
			chromedp.SetValue(css(`#view-visibility`), "team"), chromedp.Click(css(`.save-view button`)),
			chromedp.WaitVisible(css(`a[aria-current="true"]`)))
		if got := b.text(".views-menu summary"); got != "View: Events" {
			t.Errorf("the menu says %q", got)
		}

		b.do("edit Bob's job title", chromedp.Click(css(`button.cell-edit[data-cell*="field=job_title"]`)),
			chromedp.WaitVisible(css(`.cell-form input[name="job_title"]`)))
		if !b.eval(`document.activeElement && document.activeElement.name === "job_title"`) {
			t.Error("the editor did not take the focus")
		}
		b.do("Escape cancels", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(css(`.cell-form`)))
		if !b.eval(`document.activeElement && document.activeElement.classList.contains("cell-edit")`) {
			t.Error("after Escape the focus is not back on the cell")
		}
		b.do("Enter opens it again and saves", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`.cell-form input[name="job_title"]`)),
			chromedp.SendKeys(css(`.cell-form input[name="job_title"]`), "Buyer"+kb.Enter), chromedp.WaitNotPresent(css(`.cell-form`)))
		if rows := b.text(`table.records tbody`); !strings.Contains(rows, "Buyer") {
			t.Errorf("the saved cell is not shown: %q", rows)
		}

		b.do("pick two rows", chromedp.Click(css(`#pick-all`)), choose("#bulk-action", "owner"),
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("bulk-owner");
				s.value = [...s.options].find((o) => o.text === "Sam Spade").value; })()`))
		b.do("assign them to Sam", chromedp.Click(css(`#bulk-form button[type="submit"]`)), chromedp.WaitVisible(css(`.bulk-result`)))
		if got := b.text(".bulk-result"); !strings.Contains(got, "2 records changed.") {
			t.Errorf("the bulk result says %q", got)
		}
		if rows := b.text(`table.records tbody`); strings.Count(rows, "Sam Spade") != 2 {
			t.Errorf("the rows after assigning: %q", rows)
		}
		if b.eval(`window.pwned === 1`) {
			t.Error("a contact's name ran as a script")
		}
		b.shoot("list-bulk")
		_, found := s.call(t, token, "GET", "/api/v1/contacts?job_title=Buyer", "")
		if data, _ := found["data"].([]any); len(data) != 1 {
			t.Errorf("the API finds %d contacts with the edited title", len(data))
		}
		b.do("the list in Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] #list-query`)))
		if got := b.text(".builder-apply .primary"); got != "Применить" {
			t.Errorf("in Russian the builder's button reads %q", got)
		}
		b.shoot("list-ru")
	})
}

// quoteJS writes s as a JavaScript string literal.
func quoteJS(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
