package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/locale"
)

// TestAPanicIsAnErrorPage checks that a handler that panics answers the
// error page in the browser's language, with the request's id, instead of
// a bare English line. A panic cannot be caused from outside without a
// defect, so the test wraps a handler that panics on purpose.
func TestAPanicIsAnErrorPage(t *testing.T) {
	pages, err := embeddedPages()
	if err != nil {
		t.Fatal(err)
	}
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{log: slog.New(slog.DiscardHandler), pages: pages, assets: a}
	h := s.observe(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("a defect") }))
	req := httptest.NewRequest("GET", "/contacts", nil)
	req.Header.Set("Accept-Language", "ru-RU,ru;q=0.9")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if want := locale.For("ru").T("web.problem.broken.title"); !strings.Contains(body, want) {
		t.Errorf("the page does not say %q in Russian:\n%.500s", want, body)
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || !strings.Contains(body, id) {
		t.Errorf("the page does not name the request %q", id)
	}
}
