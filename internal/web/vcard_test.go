package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// upload posts a file as the import form does.
func (a *app) upload(path, token, name, content string) answer {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		mw.WriteField("csrf_token", token)
	}
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", a.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b)}
}

func TestVCardDownloadAndImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		contact := a.made(ctx, "contacts", map[string]any{"first_name": "Bob", "last_name": "Byron"})
		a.get("/contacts/"+contact).want(t, "a contact's page", http.StatusOK,
			`href="/api/v1/contacts/`+contact+`/vcard" download>Download vCard</a>`)
		a.get("/contacts").want(t, "the contacts list", http.StatusOK, `action="/contacts/import" enctype="multipart/form-data"`, `<summary>Import</summary>`, "vCard file")

		token := a.csrf()
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Hopper;Grace\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nEND:VCARD\r\n"
		a.upload("/contacts/import", "", "grace.vcf", card).want(t, "an import without the CSRF token", http.StatusForbidden)
		bad := card + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nEMAIL:nobody\r\nEND:VCARD\r\n"
		a.upload("/contacts/import", token, "bad.vcf", bad).want(t, "a card with a bad e-mail", http.StatusUnprocessableEntity,
			"The file was not imported", "Card 2, field emails[0].value: Enter an e-mail address, such as name@example.com. Nothing was imported.")
		a.upload("/contacts/import", token, "photo.png", "\x89PNG\r\n\x1a\n\x00").want(t, "a binary file", http.StatusUnprocessableEntity,
			"The file holds no vCard. Nothing was imported.")
		if page := a.get("/contacts"); strings.Contains(page.body, "Grace") {
			t.Error("a refused file left its first card behind")
		}
		ok := a.upload("/contacts/import", token, "grace.vcf", card)
		if ok.status != http.StatusSeeOther || !strings.HasPrefix(ok.location, "/contacts/") {
			t.Fatalf("import: %d %q %s", ok.status, ok.location, ok.body)
		}
		a.get(ok.location).want(t, "the imported contact", http.StatusOK, "Grace Hopper", "grace@example.com")
	})
}
