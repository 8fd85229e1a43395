package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// importVCards creates contacts from an uploaded .vcf file with the same
// service as the API: all or nothing. Done, it shows the contacts list
// (or the one contact imported); refused, it says which card and field.
func (s *Server) importVCards(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.db == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	data, err := uploaded(r)
	if err == nil {
		created, ierr := vcard.Importer{DB: s.db, Engine: s.engine}.Import(r.Context(), data)
		if err = ierr; err == nil {
			to := "/contacts"
			if len(created) == 1 {
				to += "/" + created[0]["id"].(string)
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusUnprocessableEntity, "problem", &problemPage{
		Title: v.p.T("web.vcard.refused.title"), Text: vcardRefusal(v, fe), RequestID: w.Header().Get("X-Request-Id")})
}

// uploaded reads the file field of a multipart form; a missing or empty
// file is invalid like a file that holds no vCard.
func uploaded(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, fault.Field("cards", "required", "the file holds no vCard")
	}
	defer f.Close()
	return io.ReadAll(f)
}

// vcardRefusal says in the visitor's language which card was refused and, in
// the engine's words, why.
func vcardRefusal(v *visit, fe *fault.Error) string {
	if len(fe.Fields) == 0 || !strings.HasPrefix(fe.Fields[0].Field, "cards[") {
		return v.p.T("web.vcard.refused.empty")
	}
	f := fe.Fields[0]
	num, rest, _ := strings.Cut(strings.TrimPrefix(f.Field, "cards["), "]")
	n, _ := strconv.Atoi(num)
	return v.p.T("web.vcard.refused.card", "card", n+1, "field", strings.TrimPrefix(rest, "."), "problem", v.p.FieldError(f))
}
