package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestPagesAreCompressedForTheirOwnSite checks that a page is gzipped for
// a browser that asks for it from Rapport's own pages or its address bar,
// and sent as it is for a request another site made, whose sizes must not
// tell that site anything about the CSRF token in the page (BREACH).
func TestPagesAreCompressedForTheirOwnSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		for _, c := range []struct {
			site string
			gzip bool
		}{{"same-origin", true}, {"none", true}, {"cross-site", false}, {"same-site", false}, {"", false}} {
			got := a.get("/contacts/new", "Accept-Encoding", "gzip", "Sec-Fetch-Site", c.site)
			body := got.body
			if c.gzip {
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Errorf("Sec-Fetch-Site %q: the page is not gzipped: %v", c.site, err)
					continue
				}
				b, _ := io.ReadAll(zr)
				body = string(b)
			} else if bytes.HasPrefix([]byte(body), []byte{0x1f, 0x8b}) {
				t.Errorf("Sec-Fetch-Site %q: the page is gzipped", c.site)
				continue
			}
			got.body = body
			got.want(t, "the new contact form, Sec-Fetch-Site "+c.site, http.StatusOK, `name="first_name"`, `name="csrf_token"`)
		}
	})
}
