package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDAVServed: `rapport serve` answers CardDAV and CalDAV discovery,
// signs a user in with their password over HTTP Basic, and serves a
// contact made through the API as a vCard.
func TestDAVServed(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			rapport(t, append([]string{"migrate"}, db...)...)
			srv := startServer(t, db)
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, db...)...)
			out := strings.TrimSpace(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "e2e"}, db...)...))
			token := out[strings.LastIndex(out, "\n")+1:]
			status, rec := srv.call(t, token, "POST", "/api/v1/contacts", `{"first_name":"Charles","last_name":"Babbage"}`)
			if status != 201 {
				t.Fatalf("create: %d %v", status, rec)
			}
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			dav := func(method, path, body, depth, password string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.base+path, strings.NewReader(body))
				req.SetBasicAuth("ada@example.com", password)
				req.Header.Set("Depth", depth)
				req.Header.Set("Content-Type", "application/xml")
				res, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, res.Header.Get("Location") + string(b)
			}
			for _, p := range []string{"/.well-known/carddav", "/.well-known/caldav"} {
				if code, loc := dav("PROPFIND", p, "", "0", "analytical-engine"); code/100 != 3 || !strings.HasPrefix(loc, "/dav/") {
					t.Errorf("%s: %d %q", p, code, loc)
				}
			}
			code, body := dav("PROPFIND", "/dav/", `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`, "0", "analytical-engine")
			m := regexp.MustCompile(`(/dav/\d+/)</`).FindStringSubmatch(body)
			if code != http.StatusMultiStatus || m == nil {
				t.Fatalf("PROPFIND /dav/: %d %s", code, body)
			}
			code, card := dav("GET", m[1]+"addressbooks/contacts/"+rec["id"].(string)+".vcf", "", "0", token)
			if code != http.StatusOK || !strings.Contains(card, "N:Babbage;Charles") {
				t.Errorf("GET the vCard with a token: %d %s", code, card)
			}
			if code, _ := dav("PROPFIND", "/dav/", "", "0", "difference-engine"); code != http.StatusUnauthorized {
				t.Errorf("a wrong password: %d", code)
			}
		})
	}
}
