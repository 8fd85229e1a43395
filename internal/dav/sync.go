package dav

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	govcard "github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// Namespaces of the properties this file answers.
const (
	nsDAV  = "DAV:"
	nsCard = "urn:ietf:params:xml:ns:carddav"
	nsCS   = "http://calendarserver.org/ns/"
)

// tokenPrefix starts every sync token; the rest is the position in the
// outbox of the last contact event the token covers. The outbox is never
// pruned, so every token stays good.
const tokenPrefix = "urn:x-rapport:sync:"

// position is the id of the workspace's last contact event: the address
// book's sync token and ctag. Every write of a contact writes one event
// in its own transaction, so the position moves with every change.
func (s *Server) position(ctx context.Context, ws int64) (int64, error) {
	var n int64
	err := s.DB.Read(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM outbox
		WHERE workspace_id = ? AND object = 'contact'`, ws).Scan(&n)
	return n, err
}

// changed lists the contacts with events after position from and up to
// to, in the order of their first event, each with whether it may have
// left the address book: deleted, purged or given to another owner. A
// contact the user cannot read now is reported gone only then, so that a
// colleague's edits to their own contacts show nothing, not even an id.
func (s *Server) changed(ctx context.Context, ws, from, to int64) ([]string, map[string]bool, error) {
	rows, err := s.DB.Read(ctx).QueryContext(ctx, `SELECT record_id, action, CAST(changes AS TEXT) FROM outbox
		WHERE workspace_id = ? AND id > ? AND id <= ? AND object = 'contact' ORDER BY id`, ws, from, to)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []string
	left := map[string]bool{}
	for rows.Next() {
		var id, action string
		var changes sql.NullString
		if err := rows.Scan(&id, &action, &changes); err != nil {
			return nil, nil, err
		}
		if _, seen := left[id]; !seen {
			ids = append(ids, id)
		}
		left[id] = left[id] || action == "delete" || action == "purge" || strings.Contains(changes.String, `"owner_id"`)
	}
	return ids, left, rows.Err()
}

// prop is the name of a requested property.
type prop struct{ XMLName xml.Name }

// props are the properties a request names.
type props struct {
	Names []prop `xml:",any"`
}

type syncRequest struct {
	XMLName xml.Name `xml:"DAV: sync-collection"`
	Token   string   `xml:"DAV: sync-token"`
	Prop    props    `xml:"DAV: prop"`
}

// report answers a sync-collection REPORT on the address book, and
// returns false, with the body put back, for every other report.
func (s *Server) report(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return true
	}
	a, _ := access.ActorFrom(r.Context())
	var req syncRequest
	var mget multigetRequest
	switch {
	case xml.Unmarshal(body, &req) == nil:
		err = s.sync(w, r, a, req)
	case xml.Unmarshal(body, &mget) == nil:
		err = s.multiget(w, r, a, mget)
	default:
		r.Body = io.NopCloser(bytes.NewReader(body))
		return false
	}
	if err != nil {
		var code int
		switch {
		case errors.Is(err, errBadToken):
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, xml.Header+`<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>`)
			return true
		case fault.Is(err, fault.EFORBIDDEN):
			code = http.StatusForbidden
		default:
			s.Log.Error("dav sync", "err", err)
			code = http.StatusInternalServerError
		}
		http.Error(w, http.StatusText(code), code)
	}
	return true
}

var errBadToken = errors.New("not a sync token of this address book")

// sync writes the multistatus of a sync-collection: with no token, every
// contact; with one, each contact changed since, as itself or, when
// deleted or out of reach, as 404. Nothing is written before the reads
// that can fail have been done, except in the first sync, which streams.
func (s *Server) sync(w http.ResponseWriter, r *http.Request, a access.Actor, req syncRequest) error {
	ctx := r.Context()
	var from int64
	if req.Token != "" {
		n, ok := strings.CutPrefix(req.Token, tokenPrefix)
		v, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil || v < 0 {
			return errBadToken
		}
		from = v
	}
	to, err := s.position(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	if from > to {
		return errBadToken
	}
	b := &books{s: s}
	out := bufio.NewWriterSize(w, 64<<10)
	begin := func() {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `">`)
	}
	if req.Token == "" {
		begin()
		err = b.each(ctx, bookPath(a), wantsData(req.Prop.Names), func(ao carddav.AddressObject) error {
			return writeObject(out, ao, req.Prop.Names)
		})
		if err != nil {
			return err // the answer is cut short; the program syncs again
		}
	} else {
		ids, left, err := s.changed(ctx, a.WorkspaceID, from, to)
		if err != nil {
			return err
		}
		var objects []carddav.AddressObject
		var gone []string
		if len(ids) > 0 {
			names, err := b.names(ctx, a.WorkspaceID, ids...)
			if err != nil {
				return err
			}
			c := newCards(ctx, s.Engine, a, names)
			for _, id := range ids {
				rec, err := s.Engine.Get(ctx, "contact", id, false)
				switch {
				case fault.Is(err, fault.ENOTFOUND) && !left[id]:
					continue
				case fault.Is(err, fault.ENOTFOUND):
					n, ok := names[id]
					if !ok {
						n = defaultName(id)
					}
					gone = append(gone, bookPath(a)+n.file)
					continue
				case err != nil:
					return err
				}
				ao, err := c.object(rec)
				if err != nil {
					return err
				}
				objects = append(objects, ao)
			}
		}
		begin()
		for _, ao := range objects {
			if err := writeObject(out, ao, req.Prop.Names); err != nil {
				return err
			}
		}
		for _, href := range gone {
			out.WriteString(`<d:response><d:href>`)
			escape(out, href)
			out.WriteString(`</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`)
		}
	}
	out.WriteString(`<d:sync-token>` + tokenPrefix + strconv.FormatInt(to, 10) + `</d:sync-token></d:multistatus>`)
	return out.Flush()
}

// writeObject writes one contact's response with the properties asked.
func writeObject(out *bufio.Writer, ao carddav.AddressObject, props []prop) error {
	out.WriteString(`<d:response><d:href>`)
	escape(out, ao.Path)
	out.WriteString(`</d:href><d:propstat><d:prop>`)
	var missing []prop
	for _, p := range props {
		switch p.XMLName {
		case xml.Name{Space: nsDAV, Local: "getetag"}:
			// A version is digits alone: nothing to escape.
			out.WriteString(`<d:getetag>"` + ao.ETag + `"</d:getetag>`)
		case xml.Name{Space: nsDAV, Local: "resourcetype"}:
			out.WriteString(`<d:resourcetype/>`)
		case xml.Name{Space: nsDAV, Local: "getcontenttype"}:
			out.WriteString(`<d:getcontenttype>` + govcard.MIMEType + `</d:getcontenttype>`)
		case xml.Name{Space: nsCard, Local: "address-data"}:
			var buf bytes.Buffer
			if err := govcard.NewEncoder(&buf).Encode(ao.Card); err != nil {
				return err
			}
			out.WriteString(`<card:address-data>`)
			escape(out, buf.String())
			out.WriteString(`</card:address-data>`)
		default:
			missing = append(missing, p)
		}
	}
	out.WriteString(`</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`)
	writeMissing(out, missing)
	_, err := out.WriteString(`</d:response>`)
	return err
}

// wantsData reports whether props ask for the cards themselves.
func wantsData(props []prop) bool {
	for _, p := range props {
		if p.XMLName == (xml.Name{Space: nsCard, Local: "address-data"}) {
			return true
		}
	}
	return false
}

// writeMissing writes the propstat of properties this server lacks.
func writeMissing(out *bufio.Writer, missing []prop) {
	if len(missing) == 0 {
		return
	}
	out.WriteString(`<d:propstat><d:prop>`)
	for _, p := range missing {
		out.WriteString(`<x:` + p.XMLName.Local + ` xmlns:x="`)
		escape(out, p.XMLName.Space)
		out.WriteString(`"/>`)
	}
	out.WriteString(`</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>`)
}

func escape(out *bufio.Writer, s string) { _ = xml.EscapeText(out, []byte(s)) }

type propfindRequest struct {
	XMLName  xml.Name  `xml:"DAV: propfind"`
	Prop     props     `xml:"DAV: prop"`
	AllProp  *struct{} `xml:"DAV: allprop"`
	PropName *struct{} `xml:"DAV: propname"`
}

// propfindBook answers a PROPFIND of depth 0 on the address book: its
// kind, name, sync token and ctag, the reports it serves and what the
// user may do in it.
func (s *Server) propfindBook(w http.ResponseWriter, r *http.Request, members bool) {
	a, _ := access.ActorFrom(r.Context())
	var req propfindRequest
	body, err := io.ReadAll(r.Body)
	if err != nil || (len(bytes.TrimSpace(body)) > 0 && xml.Unmarshal(body, &req) != nil) {
		http.Error(w, "the body is not a PROPFIND request", http.StatusBadRequest)
		return
	}
	pos, err := s.position(r.Context(), a.WorkspaceID)
	if err != nil {
		s.Log.Error("dav propfind", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	token := tokenPrefix + strconv.FormatInt(pos, 10)
	privileges := `<d:privilege><d:read/></d:privilege>`
	if !a.ReadOnly {
		privileges += `<d:privilege><d:write/></d:privilege><d:privilege><d:write-content/></d:privilege>` +
			`<d:privilege><d:bind/></d:privilege><d:privilege><d:unbind/></d:privilege>`
	}
	if members && len(req.Prop.Names) == 0 {
		req.Prop.Names = []prop{{XMLName: xml.Name{Space: nsDAV, Local: "getetag"}},
			{XMLName: xml.Name{Space: nsDAV, Local: "getcontenttype"}}, {XMLName: xml.Name{Space: nsDAV, Local: "resourcetype"}}}
	}
	known := map[xml.Name]string{
		{Space: nsDAV, Local: "resourcetype"}: `<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>`,
		{Space: nsDAV, Local: "displayname"}:  `<d:displayname>` + bookName + `</d:displayname>`,
		{Space: nsDAV, Local: "sync-token"}:   `<d:sync-token>` + token + `</d:sync-token>`,
		{Space: nsCS, Local: "getctag"}:       `<cs:getctag>` + token + `</cs:getctag>`,
		{Space: nsDAV, Local: "getetag"}:      `<d:getetag>"` + strconv.FormatInt(pos, 10) + `"</d:getetag>`,
		{Space: nsDAV, Local: "current-user-principal"}: `<d:current-user-principal><d:href>` + principalPath(a) +
			`</d:href></d:current-user-principal>`,
		{Space: nsDAV, Local: "current-user-privilege-set"}: `<d:current-user-privilege-set>` + privileges +
			`</d:current-user-privilege-set>`,
		{Space: nsDAV, Local: "supported-report-set"}: `<d:supported-report-set>` +
			`<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>` +
			`<d:supported-report><d:report><card:addressbook-multiget/></d:report></d:supported-report>` +
			`<d:supported-report><d:report><card:addressbook-query/></d:report></d:supported-report></d:supported-report-set>`,
		{Space: nsCard, Local: "supported-address-data"}: `<card:supported-address-data>` +
			`<card:address-data-type content-type="text/vcard" version="3.0"/>` +
			`<card:address-data-type content-type="text/vcard" version="4.0"/></card:supported-address-data>`,
		{Space: nsCard, Local: "max-resource-size"}: `<card:max-resource-size>` + strconv.Itoa(maxBody) + `</card:max-resource-size>`,
	}
	names := req.Prop.Names
	if len(names) == 0 { // allprop, propname or an empty body
		for name := range known {
			names = append(names, prop{XMLName: name})
		}
	}
	out := bufio.NewWriter(w)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `" xmlns:cs="` + nsCS + `">`)
	out.WriteString(`<d:response><d:href>` + bookPath(a) + `</d:href><d:propstat><d:prop>`)
	var missing []prop
	for _, p := range names {
		if v, ok := known[p.XMLName]; ok {
			if req.PropName != nil {
				v = `<x:` + p.XMLName.Local + ` xmlns:x="` + p.XMLName.Space + `"/>`
			}
			out.WriteString(v)
		} else {
			missing = append(missing, p)
		}
	}
	out.WriteString(`</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`)
	writeMissing(out, missing)
	out.WriteString(`</d:response>`)
	if members {
		// The members' properties are asked in the same request; the
		// collection's own (sync-token, displayname) are not theirs.
		err := (&books{s: s}).each(r.Context(), bookPath(a), wantsData(req.Prop.Names), func(ao carddav.AddressObject) error {
			return writeObject(out, ao, req.Prop.Names)
		})
		if err != nil {
			s.Log.Error("dav propfind", "err", err)
			return // the answer is cut short; the program tries again
		}
	}
	out.WriteString(`</d:multistatus>`)
	out.Flush()
}

type multigetRequest struct {
	XMLName xml.Name `xml:"urn:ietf:params:xml:ns:carddav addressbook-multiget"`
	Prop    props    `xml:"DAV: prop"`
	Hrefs   []string `xml:"DAV: href"`
}

// maxHrefs bounds one multiget; programs ask for tens at a time.
const maxHrefs = 1000

// multiget answers an addressbook-multiget: the contacts the hrefs name,
// read a page at a time rather than one by one, and 404 for each href
// that names no contact the user may read.
func (s *Server) multiget(w http.ResponseWriter, r *http.Request, a access.Actor, req multigetRequest) error {
	ctx := r.Context()
	if len(req.Hrefs) > maxHrefs {
		http.Error(w, "at most "+strconv.Itoa(maxHrefs)+" hrefs in one multiget", http.StatusBadRequest)
		return nil
	}
	b := &books{s: s}
	// Each href's file in the address book, and the id it names.
	files := make([]string, len(req.Hrefs))
	var custom []string
	for i, h := range req.Hrefs {
		p := strings.TrimSpace(h)
		if u, err := url.Parse(p); err == nil {
			p = u.Path
		}
		if dir, file := path.Split(p); dir == bookPath(a) {
			files[i] = file
			custom = append(custom, file)
		}
	}
	byName, err := b.idsNamed(ctx, a.WorkspaceID, custom)
	if err != nil {
		return err
	}
	ids := make([]string, len(files))
	var wanted []any
	for i, f := range files {
		id, ok := byName[f]
		if !ok {
			if n, isID := strings.CutSuffix(f, ".vcf"); isID {
				if _, err := strconv.ParseInt(n, 10, 64); err == nil {
					id = n
				}
			}
		}
		ids[i] = id
		if id != "" {
			wanted = append(wanted, id)
		}
	}
	found := map[string]carddav.AddressObject{}
	for len(wanted) > 0 {
		chunk := wanted[:min(len(wanted), records.MaxLimit)]
		wanted = wanted[len(chunk):]
		page, err := s.Engine.List(ctx, "contact", records.Query{Limit: len(chunk),
			Filter: &records.Filter{Field: "id", Op: records.In, Value: chunk}})
		if err != nil {
			return err
		}
		chunkIDs := make([]string, len(page.Data))
		for i, rec := range page.Data {
			chunkIDs[i] = rec["id"].(string)
		}
		names, err := b.names(ctx, a.WorkspaceID, chunkIDs...)
		if err != nil {
			return err
		}
		c := newCards(ctx, s.Engine, a, names)
		if err := c.prefetch(page.Data); err != nil {
			return err
		}
		for _, rec := range page.Data {
			ao, err := c.object(rec)
			if err != nil {
				return err
			}
			found[rec["id"].(string)] = ao
		}
	}
	out := bufio.NewWriterSize(w, 64<<10)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `">`)
	for i, h := range req.Hrefs {
		if ao, ok := found[ids[i]]; ok && ids[i] != "" {
			ao.Path = strings.TrimSpace(h) // answered as asked
			if err := writeObject(out, ao, req.Prop.Names); err != nil {
				return err
			}
			continue
		}
		out.WriteString(`<d:response><d:href>`)
		escape(out, strings.TrimSpace(h))
		out.WriteString(`</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`)
	}
	out.WriteString(`</d:multistatus>`)
	return out.Flush()
}
