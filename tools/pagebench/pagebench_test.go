package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServerTiming(t *testing.T) {
	for _, c := range []struct {
		header  string
		dur     float64
		queries int
	}{
		{`app;dur=12.34, db;desc="7 queries"`, 12.34, 7},
		{`app;dur=0.50, db;desc="1 query"`, 0.5, 1},
		{`app;dur=3`, 3, -1},
		{``, -1, -1},
	} {
		dur, queries := serverTiming(c.header)
		if dur != c.dur || queries != c.queries {
			t.Errorf("serverTiming(%q) = %v, %d; want %v, %d", c.header, dur, queries, c.dur, c.queries)
		}
	}
}

func TestFill(t *testing.T) {
	values := map[string]string{"contact": "12", "q": "Ada Lovelace", "more:deals": "/deals?cursor=x&sort=title"}
	for _, c := range []struct{ path, want, missing string }{
		{"/contacts/{contact}", "/contacts/12", ""},
		{"/search?q={q}", "/search?q=Ada+Lovelace", ""},
		{"{more:deals}", "/deals?cursor=x&sort=title", ""},
		{"/board?pipeline={pipeline}", "/board?pipeline={pipeline}", "pipeline"},
	} {
		got, missing := fill(c.path, values)
		if got != c.want || missing != c.missing {
			t.Errorf("fill(%q) = %q, %q; want %q, %q", c.path, got, missing, c.want, c.missing)
		}
	}
}

func TestSortsOf(t *testing.T) {
	body := `<table class="list"><thead><tr>
  <th scope="col" aria-sort="ascending"><a href="/contacts?sort=-full_name">Name</a></th>
  <th scope="col">E-mails</th>
  <th scope="col"><a href="/contacts?sort=updated_at&amp;x=1">Updated</a></th>
</tr></thead><tbody><tr><td><a href="/contacts?sort=other">x</a></td></tr></tbody></table>`
	if got := sortsOf(body); !slices.Equal(got, []string{"full_name", "updated_at"}) {
		t.Errorf("sortsOf = %v", got)
	}
}

func TestPercentile(t *testing.T) {
	var v []float64
	for i := 1; i <= 20; i++ {
		v = append(v, float64(i))
	}
	if p50, p99 := percentile(v, 0.5), percentile(v, 0.99); p50 != 10 || p99 != 20 {
		t.Errorf("p50 %v, p99 %v of 1..20", p50, p99)
	}
}

// TestMeasure runs the client against a stand-in for the web app: the
// session cookie comes from the sign-in form and goes back on every page,
// the figures come from Server-Timing, and a page that answers 404 is
// skipped.
func TestMeasure(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") != "right" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "s1", Secure: true, HttpOnly: true})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(sessionCookie); err != nil || c.Value != "s1" {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		w.Header().Set("Server-Timing", `app;dur=2.50, db;desc="4 queries"`)
		if r.Header.Get("HX-Request") == "true" {
			w.Write([]byte(`<tr>fragment</tr>`))
			return
		}
		w.Write([]byte(`<meta name="csrf-token" content="tok&amp;1">`))
	})
	mux.HandleFunc("POST /signout", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("csrf_token") != "tok&1" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := newClient(srv.URL, 5*time.Second)
	if err := c.signIn("ada@example.com", "wrong"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if err := c.signIn("ada@example.com", "right"); err != nil {
		t.Fatal(err)
	}
	r := measure(c, "My day", "/", true, 1, 5)
	if r.Skipped != "" || len(r.Runs) != 5 || r.ServerP99 != 2.5 || r.Queries != 4 || r.Bytes != len(`<tr>fragment</tr>`) || r.Failures != "" {
		t.Errorf("measured %+v", r)
	}
	if r := measure(c, "board", "/board", false, 1, 5); !strings.Contains(r.Skipped, "404") || len(r.Runs) != 0 {
		t.Errorf("a missing page gave %+v", r)
	}
	if err := c.signOut(); err != nil {
		t.Error(err)
	}
}
