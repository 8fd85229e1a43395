package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestImportSavedMapping saves the columns' fields under a name when an
// import starts, offers the mapping for the next file, applies it when
// chosen, and keeps a column changed after that.
func TestImportSavedMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		file := "Xq1;Xq2\nJan;jan@example.com\n"
		up := a.upload("/imports/new?object=contacts", token, "old.csv", file)
		screen := a.get(up.location)
		screen.want(t, "the screen", http.StatusOK, `id="import-save-as"`)
		layout := regexp.MustCompile(`name="layout" value="([^"]+)"`).FindStringSubmatch(screen.body)
		if layout == nil || regexp.MustCompile(`id="import-saved"`).MatchString(screen.body) {
			t.Fatalf("no layout, or a saved mapping offered before any is saved:\n%s", screen.body)
		}
		loc, _ := url.Parse(up.location)
		form := url.Values{"csrf_token": {token}, "upload": {loc.Query().Get("upload")}, "object": {"contacts"}, "layout": {layout[1]},
			"col.0": {"first_name"}, "col.1": {"emails"}, "save_as": {"Old CRM"}}
		a.post("/imports/start", form).want(t, "the import saving its mapping", http.StatusSeeOther)

		up = a.upload("/imports/new?object=contacts", token, "old2.csv", file)
		next := a.get(up.location)
		next.want(t, "the next file's screen", http.StatusOK, `id="import-saved"`, ">Old CRM</option>")
		id := regexp.MustCompile(`<option value="(\d+)">Old CRM</option>`).FindStringSubmatch(next.body)
		if id == nil {
			t.Fatalf("no saved mapping offered:\n%s", next.body)
		}
		a.get(up.location+"&saved="+id[1]).want(t, "the saved mapping chosen", http.StatusOK,
			`<option value="first_name" selected>`, `<option value="emails" selected>`, `name="applied" value="`+id[1]+`"`)
		a.get(up.location+"&saved="+id[1]+"&applied="+id[1]+"&layout="+layout[1]+"&col.0=last_name&col.1=emails").
			want(t, "a column changed after the choice", http.StatusOK, `<option value="last_name" selected>`)

		loc, _ = url.Parse(up.location)
		form.Set("upload", loc.Query().Get("upload"))
		form.Set("save_as", "old crm")
		a.post("/imports/start", form).want(t, "a name taken", http.StatusUnprocessableEntity, `id="save_as-error"`, "already taken")
	})
}
