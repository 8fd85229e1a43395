package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestImportMappings saves a mapping through the API, imports with its id
// as with the same mapping inline, and refuses what does not fit, naming
// the parameter.
func TestImportMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		call := func(method, path, body string, want int) map[string]any {
			t.Helper()
			ct := "application/json"
			if strings.HasPrefix(path, "/api/v1/imports") {
				ct = "text/csv"
			}
			status, text := p.call(admin, method, path, body, "Content-Type", ct)
			if status != want {
				t.Fatalf("%s %s: %d %s", method, path, status, text)
			}
			var m map[string]any
			json.Unmarshal([]byte(text), &m)
			return m
		}
		saved := call("POST", "/api/v1/import-mappings", `{"object": "contacts", "name": "Old CRM", "mapping": {"Vorname": "first_name", "Mail": "emails", "Notiz": ""}}`, 201)
		id, _ := saved["id"].(string)
		if id == "" || saved["name"] != "Old CRM" {
			t.Fatalf("%v", saved)
		}
		if got := call("GET", "/api/v1/import-mappings?object=contacts", "", 200); len(got["data"].([]any)) != 1 {
			t.Errorf("list: %v", got)
		}
		if got := call("GET", "/api/v1/import-mappings?object=companies", "", 200); len(got["data"].([]any)) != 0 {
			t.Errorf("companies' list: %v", got)
		}
		for body, want := range map[string]string{
			`{"object": "contacts", "name": "OLD crm", "mapping": {"A": "first_name"}}`: `"field":"name"`,
			`{"object": "contacts", "name": "Shoes", "mapping": {"A": "shoe_size"}}`:    `"field":"mapping"`,
		} {
			if status, text := p.call(admin, "POST", "/api/v1/import-mappings", body); status != 400 || !strings.Contains(text, want) {
				t.Errorf("%s: %d %s", body, status, text)
			}
		}

		file := "Vorname,Mail,Notiz\nJan,jan@example.com,hi\nOla,ola@example.com,\n"
		inline := call("POST", "/api/v1/imports?dry_run=true&mapping="+url.QueryEscape(`{"Vorname": "first_name", "Mail": "emails", "Notiz": ""}`), file, 200)
		byID := call("POST", "/api/v1/imports?dry_run=true&mapping_id="+id, file, 200)
		for _, k := range []string{"status", "created", "failed"} {
			if inline[k] != byID[k] {
				t.Errorf("%s: inline %v, saved %v", k, inline[k], byID[k])
			}
		}
		if m, _ := json.Marshal(byID["mapping"]); !strings.Contains(string(m), `"Vorname":"first_name"`) || byID["created"] != 2.0 {
			t.Errorf("by id: %v", byID)
		}
		for query, want := range map[string]string{
			"?mapping_id=" + id + "&mapping=" + url.QueryEscape(`{"Notiz": ""}`): `"field":"mapping_id"`,
			"?object=companies&mapping_id=" + id:                                 `"field":"mapping_id"`,
			"?mapping_id=424242":                                                 `"field":"mapping_id"`,
		} {
			if status, text := p.call(admin, "POST", "/api/v1/imports"+query, file, "Content-Type", "text/csv"); status != 400 || !strings.Contains(text, want) {
				t.Errorf("%s: %d %s", query, status, text)
			}
		}

		changed := call("PUT", "/api/v1/import-mappings/"+id, `{"name": "Older CRM", "version": 1}`, 200)
		if changed["name"] != "Older CRM" || changed["version"] != 2.0 {
			t.Errorf("put: %v", changed)
		}
		call("DELETE", "/api/v1/import-mappings/"+id, "", 204)
		call("GET", "/api/v1/import-mappings/"+id, "", 404)
	})
}
