package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"
)

// TestBrowserImport imports a Windows-1251 CSV with semicolons through
// the import screen: the encoding and delimiter are detected, the first
// rows read right, the columns are mapped by their names; a dry run says
// what each row would do, the import runs in the background to its
// summary, and the undo takes it back. The log lists it.
func TestBrowserImport(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		text := "Имя;Фамилия;E-mail;Город\r\n" +
			"Иван;Петров;ivan@example.com;Алматы\r\n" +
			"Мария;Соколова;maria@example.com;Вильнюс\r\n" +
			"Ольга;Ким;not-an-address;Варшава\r\n"
		data, err := charmap.Windows1251.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "люди.csv")
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}

		b.do("open the contacts' import menu", chromedp.Navigate(b.base+"/contacts"), chromedp.Click(css(`.import-menu summary`)),
			chromedp.WaitVisible(css(`#import-link`)))
		b.shoot("contacts-import-link")
		b.do("open the import screen from the contacts", chromedp.Click(css(`#import-link`)), chromedp.WaitVisible(css(`#import-file`)))
		b.shoot("import-upload")
		b.axeAtWidths("import-upload", false)
		b.do("upload the file", chromedp.SetUploadFiles(css(`#import-file`), []string{file}),
			chromedp.Click(css(`#import-upload button[type="submit"]`)), chromedp.WaitVisible(css(`#import-preview`)))
		if got := b.text(`#import-encoding-found`); !strings.Contains(got, "windows-1251") {
			t.Errorf("detected encoding: %q", got)
		}
		if got := b.text(`#import-delimiter-found`); !strings.Contains(got, "(;)") {
			t.Errorf("detected delimiter: %q", got)
		}
		if got := b.text(`#import-preview tbody`); !strings.Contains(got, "Иван") || !strings.Contains(got, "Вильнюс") {
			t.Errorf("the preview reads %q", got)
		}
		for sel, want := range map[string]string{`#col-0`: "first_name", `#col-1`: "last_name", `#col-2`: "emails", `#col-3`: "address.city"} {
			if got, _ := chromedp.Run(b.ctx, chromedp.Value(css(sel))); got != want {
				t.Errorf("%s is mapped to %q, want %q", sel, got, want)
			}
		}
		b.shoot("import-preview")
		b.axeAtWidths("import-preview", true)
		b.language("ru")
		b.do("the screen in Russian", chromedp.WaitVisible(css(`#import-preview`)))
		b.shoot("import-preview-ru")
		b.axeAtWidths("import-preview-ru", false)
		b.language("en")
		b.do("the screen in English", chromedp.WaitVisible(css(`#import-preview`)))

		// A wrong encoding reads the names wrong; putting it back reads
		// them right again, each time without a reload.
		choose := func(enc string) chromedp.Action[chromedp.Void] {
			return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("import-encoding"); s.value = "` + enc + `";
				s.dispatchEvent(new Event("change", {bubbles: true})); })()`)
		}
		b.do("choose another encoding", choose("koi8-r"),
			chromedp.Poll[chromedp.Void](`!document.querySelector("#import-preview tbody").textContent.includes("Иван")`))
		if got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("import-encoding").value`)); got != "koi8-r" {
			t.Errorf("the encoding chosen shows as %q", got)
		}
		b.do("detect the encoding again", choose(""),
			chromedp.Poll[chromedp.Void](`document.querySelector("#import-preview tbody").textContent.includes("Иван")`))
		if os.Getenv("IMPORTUI_DEBUG") != "" {
			h, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(css(`#import-main`)))
			t.Logf("before the dry run: %.3000s", h)
		}
		b.do("dry run", chromedp.Click(css(`#import-dry`)), chromedp.WaitVisible(css(`#import-dry-counts`)))
		if got := b.text(`#import-dry-counts`); !strings.Contains(got, "created: 2") || !strings.Contains(got, "failed: 1") {
			t.Errorf("the dry run says %q", got)
		}
		if got := b.text(`#import-outcomes .outcome-failed`); !strings.Contains(got, "4") {
			t.Errorf("the failed row: %q", got)
		}
		b.shoot("import-dry-run")
		if status, list := s.call(t, token, "GET", "/api/v1/contacts", ""); status != 200 || len(list["data"].([]any)) != 0 {
			t.Fatalf("the dry run left contacts: %d %v", status, list)
		}

		b.do("import", chromedp.Click(css(`#import-run`)), chromedp.WaitVisible(css(`#import-state`)))
		b.do("see it end", chromedp.Poll[chromedp.Void](`document.getElementById("import-status").textContent.trim() === "Imported"`))
		if got := b.text(`#import-summary`); !strings.Contains(got, "created: 2") || !strings.Contains(got, "failed: 1") {
			t.Errorf("the summary says %q", got)
		}
		b.shoot("import-done")
		b.axeAtWidths("import-done", false)
		if status, list := s.call(t, token, "GET", "/api/v1/contacts?sort=first_name", ""); status != 200 || len(list["data"].([]any)) != 2 {
			t.Fatalf("after the import: %d %v", status, list)
		}

		b.do("undo it", chromedp.Click(css(`.import-undo summary`)), chromedp.WaitVisible(css(`#import-undo`)),
			chromedp.Click(css(`#import-undo`)), chromedp.WaitVisible(css(`#import-status.status-undone`)))
		if status, list := s.call(t, token, "GET", "/api/v1/contacts", ""); status != 200 || len(list["data"].([]any)) != 0 {
			t.Fatalf("the undo left contacts: %d %v", status, list)
		}

		b.do("the log", chromedp.Navigate(b.base+"/imports"), chromedp.WaitVisible(css(`#imports-log`)))
		if got := b.text(`#imports-log tbody`); !strings.Contains(got, "люди.csv") || !strings.Contains(got, "Undone") || !strings.Contains(got, "Dry run") {
			t.Errorf("the log reads %q", got)
		}
		b.shoot("imports-log")
		b.axeAtWidths("imports-log", false)
	})
}

// TestBrowserErase erases a contact's personal data from their page: the
// confirmation names what goes, refuses a name typed wrong, and the page
// then shows the contact erased.
func TestBrowserErase(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		status, c := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Grace", "last_name": "Hopper", "emails": ["grace@example.com"]}`)
		if status != 201 {
			t.Fatalf("a contact: %d", status)
		}
		page := b.base + "/contacts/" + c["id"].(string)
		b.do("open the contact", chromedp.Navigate(page), chromedp.WaitVisible(css(`#personal-data`)))
		b.do("ask to erase", chromedp.Click(css(`#erase-link`)), chromedp.WaitVisible(css(`#erase-confirm`)))
		if got := b.text(`#erase-form`); !strings.Contains(got, "grace@example.com") || !strings.Contains(got, "Grace Hopper") {
			t.Errorf("the confirmation reads %q", got)
		}
		b.do("type another name", chromedp.SendKeys(css(`#erase-confirm`), "Ada"), chromedp.Click(css(`#erase-do`)),
			chromedp.WaitVisible(css(`#confirm-error`)))
		b.shoot("erase-confirm")
		b.axeAtWidths("erase-confirm", true)
		if _, again := s.call(t, token, "GET", "/api/v1/contacts/"+c["id"].(string), ""); again["first_name"] != "Grace" {
			t.Fatalf("a wrong name erased the contact: %v", again)
		}
		b.do("type the name", chromedp.SetValue(css(`#erase-confirm`), "grace hopper"), chromedp.Click(css(`#erase-do`)),
			chromedp.WaitVisible(css(`#erased-notice`)))
		if got := b.text(`h1`); strings.Contains(got, "Grace") {
			t.Errorf("the erased contact is still called %q", got)
		}
		if present := b.eval(`document.getElementById("erase-link") !== null`); present {
			t.Error("an erased contact still offers its erasure")
		}
		b.shoot("erased")
	})
}

// TestBrowserImportActivities opens the import from the tasks list, with
// the activities chosen, and imports a file of tasks and calls: the kind
// column is guessed, a dry run names the row whose kind is unknown, and
// the import files the task on its contact.
func TestBrowserImportActivities(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		if status, _ := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Ada", "emails": ["ada@example.com"]}`); status != 201 {
			t.Fatalf("a contact: %d", status)
		}
		file := filepath.Join(t.TempDir(), "дела.csv")
		text := "Тип;Тема;Срок;Время;Контакт;Направление\n" +
			"Задача;Отправить счёт;31.01.2026;14:30;ada@example.com;\n" +
			"Звонок;Первый звонок;02.02.2026;10:00;ada@example.com;Исходящий\n" +
			"Факс;Старьё;02.02.2026;;;\n"
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("open the import from the tasks", chromedp.Navigate(b.base+"/tasks"), chromedp.Click(css(`#import-link`)),
			chromedp.WaitVisible(css(`#import-file`)))
		b.do("upload the file", chromedp.SetUploadFiles(css(`#import-file`), []string{file}),
			chromedp.Click(css(`#import-upload button[type="submit"]`)), chromedp.WaitVisible(css(`#import-preview`)))
		for sel, want := range map[string]string{`#col-0`: "kind", `#col-1`: "title", `#col-2`: "due_at", `#col-3`: "due_time", `#col-4`: "contact", `#col-5`: "direction"} {
			if got, _ := chromedp.Run(b.ctx, chromedp.Value(css(sel))); got != want {
				t.Errorf("%s is mapped to %q, want %q", sel, got, want)
			}
		}
		b.shoot("import-activities")
		b.axeAtWidths("import-activities", false)
		b.language("ru")
		b.do("the screen in Russian", chromedp.WaitVisible(css(`#import-preview`)))
		b.shoot("import-activities-ru")
		b.language("en")
		b.do("the screen in English", chromedp.WaitVisible(css(`#import-preview`)))
		b.do("dry run", chromedp.Click(css(`#import-dry`)), chromedp.WaitVisible(css(`#import-dry-counts`)))
		if got := b.text(`#import-dry-counts`); !strings.Contains(got, "created: 2") || !strings.Contains(got, "failed: 1") {
			t.Errorf("the dry run says %q", got)
		}
		if got := b.text(`#import-outcomes .outcome-failed`); !strings.Contains(got, "no kind of activity") {
			t.Errorf("the failed row: %q", got)
		}
		b.shoot("import-activities-dry-run")
		b.do("import", chromedp.Click(css(`#import-run`)), chromedp.WaitVisible(css(`#import-state`)))
		b.do("see it end", chromedp.Poll[chromedp.Void](`document.getElementById("import-status").textContent.trim() === "Imported"`))
		if status, list := s.call(t, token, "GET", "/api/v1/tasks", ""); status != 200 || len(list["data"].([]any)) != 1 {
			t.Fatalf("after the import: %d %v", status, list)
		}
	})
}
