package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/ical"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// codeUnprocessable is used by the API alone: a file that is readable
// but whose cards or items cannot become records (422, naming the card).
const codeUnprocessable = "unprocessable"

// cardRoutes adds the vCard and iCalendar endpoints
// (docs/decisions/0040-vcard-ical.md). Every record is read and written
// through the engine, so permissions, field rules, duplicates, search and
// the audit trail apply as to any other write; an import is one
// transaction: one bad card or item and nothing is written.
func (s *Server) cardRoutes(route router) {
	if s.DB == nil || s.Engine == nil {
		return
	}
	route("GET /api/v1/contacts/{id}/vcard", s.contactVCard, "version")
	route("POST /api/v1/contacts/vcard", s.importVCards)
	route("GET /api/v1/tasks/{id}/ical", s.activityICal(ical.Task))
	route("GET /api/v1/meetings/{id}/ical", s.activityICal(ical.Meeting))
	route("POST /api/v1/activities/ical", s.importICal)
}

func (s *Server) contactVCard(w http.ResponseWriter, r *http.Request) {
	version := r.URL.Query().Get("version")
	switch version {
	case "":
		version = "4.0"
	case "3.0", "4.0":
	default:
		writeError(w, r, fault.Field("version", "option", "must be 3.0 or 4.0"))
		return
	}
	ctx := r.Context()
	rec, err := s.Engine.Get(ctx, "contact", r.PathValue("id"), false)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := vcard.FromRecord(rec)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if c.Organization, err = s.companyOf(ctx, rec); err != nil {
		writeError(w, r, err)
		return
	}
	if c.Notes, err = s.notesAbout(ctx, rec["id"].(string)); err != nil {
		writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := vcard.Write(&buf, c, version); err != nil {
		writeError(w, r, err)
		return
	}
	writeFile(w, "text/vcard; charset=utf-8", "contact-"+rec["id"].(string)+".vcf", buf.Bytes())
}

// companyOf is the name of the first company the contact is linked to that
// the caller may read, or "".
func (s *Server) companyOf(ctx context.Context, rec records.Record) (string, error) {
	links, _ := rec["companies"].([]records.LinkRef)
	for _, l := range links {
		company, err := s.Engine.Get(ctx, "company", l.ID, false)
		if fault.Is(err, fault.ENOTFOUND) || fault.Is(err, fault.EFORBIDDEN) {
			continue
		}
		if err != nil {
			return "", err
		}
		name, _ := company["name"].(string)
		return name, nil
	}
	return "", nil
}

// notesAbout are the plain texts of the notes about a contact that the
// caller may read, oldest first, at most one page.
func (s *Server) notesAbout(ctx context.Context, id string) ([]string, error) {
	body, _ := json.Marshal(map[string]any{"filter": map[string]any{"and": []any{
		map[string]any{"field": "record_type", "value": "contact"}, map[string]any{"field": "record_id", "value": id}}},
		"sort": []string{"created_at"}, "limit": records.MaxLimit})
	q, err := records.ParseQueryBody(body)
	if err != nil {
		return nil, err
	}
	page, err := s.Engine.List(ctx, "notes", q)
	if fault.Is(err, fault.EFORBIDDEN) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, n := range page.Data {
		if body, _ := n["body"].(string); body != "" {
			notes = append(notes, vcard.HTMLToText(body))
		}
	}
	return notes, nil
}

func (s *Server) importVCards(w http.ResponseWriter, r *http.Request) {
	data, err := readFile(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	created, err := vcard.Importer{DB: s.DB, Engine: s.Engine}.Import(r.Context(), data)
	if err != nil {
		writeError(w, r, unprocessable(err, ""))
		return
	}
	writeJSON(w, r, http.StatusCreated, map[string]any{"data": created})
}

func (s *Server) activityICal(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, err := s.Engine.Get(r.Context(), kind, r.PathValue("id"), false)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := ical.Write(&buf, ical.FromRecord(kind, rec)); err != nil {
			writeError(w, r, err)
			return
		}
		writeFile(w, "text/calendar; charset=utf-8", kind+"-"+rec["id"].(string)+".ics", buf.Bytes())
	}
}

func (s *Server) importICal(w http.ResponseWriter, r *http.Request) {
	data, err := readFile(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	created, err := ical.Importer{DB: s.DB, Engine: s.Engine}.Import(r.Context(), data)
	if err != nil {
		writeError(w, r, unprocessable(err, ""))
		return
	}
	writeJSON(w, r, http.StatusCreated, map[string]any{"data": created})
}

// readFile reads an uploaded file: the raw body in any content type but
// JSON or a form, which would be a mistaken client.
func readFile(r *http.Request) ([]byte, error) {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "multipart/") ||
		strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, fault.Field("", "content_type", "send the file itself as the body (curl --data-binary @file), not %s", ct)
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, &bodyError{err}
	}
	return body, nil
}

// unprocessable turns invalid input into a 422 whose field names carry
// prefix (cards[2]. or items[0].); other errors stay as they are.
func unprocessable(err error, prefix string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return err
	}
	out := vcard.Prefixed(fe, prefix).(*fault.Error)
	out.Code = codeUnprocessable
	return out
}

func writeFile(w http.ResponseWriter, contentType, name string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
