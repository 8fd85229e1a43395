package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSkipMissing checks that a scenario whose endpoint answers 404 is
// skipped with a message naming it, and one whose endpoint answers is run.
func TestSkipMissing(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id": "` + r.PathValue("id") + `", "first_name": "Олена", "last_name": "Müller",
			"phones": [{"value": "+4915112345678"}]}`))
	})
	mux.HandleFunc("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data": []}`))
	})
	mux.HandleFunc("/", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	d := &demoData{c: &client{base: srv.URL, http: srv.Client()}, maxContact: 10, region: "DE"}
	if _, err := d.lookup(); err == nil || !strings.Contains(err.Error(), "/api/v1/lookup/phone answered 404") {
		t.Errorf("lookup on a server without it: %v", err)
	}
	if _, err := d.timeline(); err == nil || !strings.Contains(err.Error(), "answered 404") {
		t.Errorf("timeline on a server without it: %v", err)
	}
	if _, err := d.search(); err != nil {
		t.Errorf("search on a server with it: %v", err)
	}
}

func TestSpellings(t *testing.T) {
	d := &demoData{region: "DE"}
	got := strings.Join(d.spellings("+4915112345678"), " | ")
	for _, want := range []string{"+4915112345678", "+49 1511 2345678", "+49-1511-2345678", "0049 1511 2345678", "01511 2345678"} {
		if !strings.Contains(got, want) {
			t.Errorf("spellings %s lack %s", got, want)
		}
	}
	if got := strings.Join(d.spellings("+33612345678"), " | "); strings.Contains(got, "06 12") {
		t.Errorf("a French number typed nationally for a German server: %s", got)
	}
}

func TestNextStage(t *testing.T) {
	list := []stage{{ID: "1"}, {ID: "2"}, {ID: "3", Required: []string{"expected_close_date"}}, {ID: "4"}}
	tests := []struct {
		current string
		deal    map[string]any
		want    string
	}{
		{"1", map[string]any{}, "2"},
		{"2", map[string]any{"expected_close_date": "2026-12-01"}, "3"},
		{"2", map[string]any{"expected_close_date": nil}, "4"},
		{"4", map[string]any{}, "1"},
		{"9", map[string]any{}, ""},
	}
	for _, tt := range tests {
		if got := nextStage(list, tt.current, tt.deal); got != tt.want {
			t.Errorf("nextStage from %s with %v = %q, want %q", tt.current, tt.deal, got, tt.want)
		}
	}
}
