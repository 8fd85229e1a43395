package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserForms creates a deal through its form, choosing its company
// with the picker by keyboard, adds a line item on the deal's page,
// creates a task about the deal, is warned while typing a contact that
// duplicates another, and merges two contacts taking one field from each.
func TestBrowserForms(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		made := func(path, body string) string {
			t.Helper()
			status, rec := s.call(t, token, "POST", path, body)
			if status != 201 {
				t.Fatalf("POST %s: %d %v", path, status, rec)
			}
			return fmt.Sprint(rec["id"])
		}
		pipeline := made("/api/v1/pipelines", `{"name": "Sales"}`)
		made("/api/v1/stages", `{"name": "Qualified", "pipeline_id": "`+pipeline+`"}`)
		made("/api/v1/stages", `{"name": "Contract", "pipeline_id": "`+pipeline+`", "required_fields": ["expected_close_date"]}`)
		made("/api/v1/companies", `{"name": "Acme <script>window.pwned=1</script> Looms"}`)
		made("/api/v1/products", `{"name": "Loom shuttle", "sku": "LS-1", "price": {"amount": 150000, "currency": "EUR"}}`)
		byron := made("/api/v1/contacts", `{"first_name": "Ada", "last_name": "Byron", "job_title": "Countess",
			"emails": ["ada.byron@analytical.org"]}`)
		king := made("/api/v1/contacts", `{"first_name": "Ada", "last_name": "King", "job_title": "Analyst",
			"emails": ["ada.byron@analytical.org"], "phones": ["+44 20 7946 0000"]}`)

		// A new deal: the company chosen with the picker, by keyboard.
		b.do("open a new deal's form", chromedp.Navigate(b.base+"/deals/new"), chromedp.WaitVisible(css(`#f-title`)),
			chromedp.SendKeys(css(`#f-title`), "Looms for Acme"), chromedp.SendKeys(css(`#f-value`), "1500"),
			chromedp.SendKeys(css(`#f-company_id`), "acme"),
			chromedp.WaitVisible(css(`#f-company_id-options [role="option"][data-value]`)))
		b.shoot("deal-new")
		b.do("the arrow key chooses the company", chromedp.Focus(css(`#f-company_id`)), chromedp.KeyEvent(kb.ArrowDown))
		if !b.eval(`(() => { const box = document.getElementById("f-company_id"), first = document.querySelector('#f-company_id-options [role="option"]');
			return box.getAttribute("aria-expanded") === "true" && box.getAttribute("aria-activedescendant") === first.id })()`) {
			t.Error("the arrow key does not choose the company's option in the picker")
		}
		b.do("Enter picks the company", chromedp.KeyEvent(kb.Enter), chromedp.WaitNotVisible(css(`#f-company_id-options`)))
		if !b.eval(`document.querySelector('input[name="company_id"]').value !== "" &&
			document.getElementById("f-company_id").value === "Acme <script>window.pwned=1</script> Looms"`) {
			t.Error("the picker did not keep the chosen company")
		}
		// The gated stage marks the close date as required.
		b.do("pick the gated stage", chromedp.SetValue(css(`#f-stage_id`), stageOption(b, "Contract")),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("f-stage_id").dispatchEvent(new Event("change", {bubbles: true}))`),
			chromedp.WaitVisible(css(`label[for="f-expected_close_date"] .hint`)))
		b.do("save the deal without its close date", chromedp.Click(css(`button[type="submit"].primary`)),
			chromedp.WaitVisible(css(`#expected_close_date-error`)))
		b.do("save it with the date", chromedp.SetValue(css(`#f-expected_close_date`), "2026-06-30"),
			chromedp.Click(css(`button[type="submit"].primary`)), chromedp.WaitVisible(css(`#line-items`)))
		if got := b.text("h1"); got != "Looms for Acme" {
			t.Errorf("the new deal's page is %q", got)
		}

		// A line item, its product picked with the mouse.
		b.do("add a line item", chromedp.SendKeys(css(`#f-product_id`), "loom"),
			chromedp.WaitVisible(css(`#f-product_id-options [role="option"][data-value]`)),
			chromedp.Click(css(`#f-product_id-options [role="option"][data-value]`)),
			chromedp.SendKeys(css(`#item-new-quantity`), "2"), chromedp.Click(css(`.item-new button[type="submit"]`)),
			chromedp.WaitVisible(css(`#item-0-quantity`)))
		if got := b.text(".items-sum strong"); got != "€3,000.00" {
			t.Errorf("the deal's total reads %q", got)
		}
		b.shoot("deal")
		deal := strings.TrimPrefix(formsAt(b), b.base+"/deals/")
		deal, _, _ = strings.Cut(deal, "#")

		// A task about the deal, found with the about picker.
		b.do("a new task", chromedp.Navigate(b.base+"/tasks/new"), chromedp.WaitVisible(css(`#f-title`)),
			chromedp.SendKeys(css(`#f-title`), "Send the offer"), chromedp.SetValue(css(`#f-due_at`), "2026-06-01T10:00"),
			chromedp.SendKeys(css(`#f-record_id`), "looms"),
			chromedp.WaitVisible(css(`#f-record_id-options [role="option"][data-type="deal"]`)),
			chromedp.Click(css(`#f-record_id-options [role="option"][data-type="deal"]`)),
			chromedp.Click(css(`button[type="submit"].primary`)), chromedp.WaitVisible(css(`.groups`)))
		if got := b.text("main"); !strings.Contains(got, "Looms for Acme") || !strings.Contains(got, "Send the offer") {
			t.Errorf("the task's page reads %q", got)
		}
		status, task := s.call(t, token, "GET", "/api/v1/tasks?limit=1", "")
		if list, _ := task["data"].([]any); status != 200 || len(list) != 1 || list[0].(map[string]any)["record_id"] != deal {
			t.Errorf("the task is %v, not about deal %s", task, deal)
		}

		// A contact that duplicates Ada Byron: the form warns as it is typed.
		b.do("a new contact", chromedp.Navigate(b.base+"/contacts/new"), chromedp.WaitVisible(css(`#f-first_name`)),
			chromedp.SendKeys(css(`#f-first_name`), "Ada"), chromedp.SendKeys(css(`input[name="emails[0].value"]`), "ada.byron@analytical.org"),
			chromedp.WaitVisible(css(`#duplicates a[href="/contacts/`+byron+`"]`)))
		b.shoot("duplicates")

		// Merge the two Adas: the last name kept, the job title the other's.
		b.do("the merge screen", chromedp.Navigate(b.base+"/contacts/"+byron+"/merge?with="+king),
			chromedp.WaitVisible(css(`input[name="field.job_title"]`)),
			chromedp.Click(css(`input[name="field.job_title"][value="`+king+`"]`)))
		b.shoot("merge")
		b.do("merge", chromedp.Click(css(`button[type="submit"].primary`)), chromedp.WaitVisible(css(`.groups`)))
		if got := b.text("main"); !strings.Contains(got, "Ada Byron") || !strings.Contains(got, "Analyst") || strings.Contains(got, "Countess") {
			t.Errorf("the kept contact reads %q", got)
		}
		if status, _ := s.call(t, token, "GET", "/api/v1/contacts/"+king, ""); status != 404 {
			t.Errorf("the merged contact answers %d", status)
		}
		// The deal's page in Russian.
		b.do("the deal in Russian", chromedp.Navigate(b.base+"/deals/"+deal), chromedp.WaitVisible(css(`#line-items`)),
			// Setting the picker's value sends its form.
			chromedp.SetValue(css(`#lang-pick`), "ru"),
			chromedp.WaitVisible(css(`html[lang="ru"] #line-items`)))
		if got := b.text("#line-items-title"); got != "Позиции" {
			t.Errorf("the line items in Russian are titled %q", got)
		}
		b.shoot("deal-ru")
		if b.eval(`window.pwned === 1`) {
			t.Error("a company's name ran as a script")
		}
	})
}

// formsAt is the address of the page the browser shows.
func formsAt(b *browser) string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// stageOption is the value of the option of the stage select named name.
func stageOption(b *browser, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#f-stage_id option")].find(o => o.textContent === `+
		fmt.Sprintf("%q", name)+`).value`))
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimSpace(v)
}
