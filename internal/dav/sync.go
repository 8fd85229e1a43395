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

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// Namespaces of the properties this file answers.
const (
	nsDAV  = "DAV:"
	nsCard = "urn:ietf:params:xml:ns:carddav"
	nsCal  = "urn:ietf:params:xml:ns:caldav"
	nsCS   = "http://calendarserver.org/ns/"
)

// The properties that carry a member's data.
var (
	addressData  = xml.Name{Space: nsCard, Local: "address-data"}
	calendarData = xml.Name{Space: nsCal, Local: "calendar-data"}
)

// tokenPrefix starts every sync token; the rest is a position in the
// outbox: the id of the last event the token covers. The outbox is never
// pruned, so every token stays good.
const tokenPrefix = "urn:x-rapport:sync:"

// position is the id of the workspace's last event about the records of
// objects: the collection's sync token and ctag. Every write of a record
// writes one event in its own transaction, so the position moves with
// every change.
func (s *Server) position(ctx context.Context, ws int64, objects []string) (int64, error) {
	var n int64
	args := []any{ws}
	for _, o := range objects {
		args = append(args, o)
	}
	err := s.DB.Read(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM outbox
		WHERE workspace_id = ? AND object IN (?`+strings.Repeat(", ?", len(objects)-1)+`)`, args...).Scan(&n)
	return n, err
}

// change is a record with events after a token.
type change struct {
	object, id string
	// left is whether the record may have left the collection: deleted,
	// purged or given another owner. A record the user cannot read now
	// is reported gone only then, so that a colleague's edits to their
	// own records show nothing, not even an id.
	left bool
}

// changed lists the records of objects with events after position from
// and up to to, in the order of their first event.
func (s *Server) changed(ctx context.Context, ws int64, objects []string, from, to int64) ([]change, error) {
	args := []any{ws, from, to}
	for _, o := range objects {
		args = append(args, o)
	}
	rows, err := s.DB.Read(ctx).QueryContext(ctx, `SELECT object, record_id, action, CAST(changes AS TEXT) FROM outbox
		WHERE workspace_id = ? AND id > ? AND id <= ? AND object IN (?`+strings.Repeat(", ?", len(objects)-1)+`)
		ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []change
	at := map[string]int{}
	for rows.Next() {
		var c change
		var action string
		var changes sql.NullString
		if err := rows.Scan(&c.object, &c.id, &action, &changes); err != nil {
			return nil, err
		}
		c.left = action == "delete" || action == "purge" || strings.Contains(changes.String, `"owner_id"`)
		if i, seen := at[c.object+":"+c.id]; seen {
			out[i].left = out[i].left || c.left
			continue
		}
		at[c.object+":"+c.id] = len(out)
		out = append(out, c)
	}
	return out, rows.Err()
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

// report answers a sync-collection REPORT on col, and on the address
// book an addressbook-multiget; it returns false, with the body put
// back, for every other report.
func (s *Server) report(w http.ResponseWriter, r *http.Request, col *collection) bool {
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
		err = s.sync(w, r, col, req)
	case col.book && xml.Unmarshal(body, &mget) == nil:
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
			s.log(r.Context()).Error("dav sync", "err", err)
			code = http.StatusInternalServerError
		}
		http.Error(w, http.StatusText(code), code)
	}
	return true
}

var errBadToken = errors.New("not a sync token of this address book")

// sync writes the multistatus of a sync-collection: with no token, every
// member of col; with one, each record changed since, as itself or, when
// deleted or out of reach, as 404. Nothing is written before the reads
// that can fail have been done, except in the first sync, which streams.
func (s *Server) sync(w http.ResponseWriter, r *http.Request, col *collection, req syncRequest) error {
	ctx := r.Context()
	a, _ := access.ActorFrom(ctx)
	var from int64
	if req.Token != "" {
		n, ok := strings.CutPrefix(req.Token, tokenPrefix)
		v, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil || v < 0 {
			return errBadToken
		}
		from = v
	}
	to, err := s.position(ctx, a.WorkspaceID, col.objects)
	if err != nil {
		return err
	}
	if from > to {
		return errBadToken
	}
	out := bufio.NewWriterSize(w, 64<<10)
	begin := func() {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `" xmlns:cal="` + nsCal + `">`)
	}
	if req.Token == "" {
		release, ok := s.admit(w, r, a)
		if !ok {
			return nil
		}
		defer release()
		begin()
		err = col.each(ctx, wantsData(req.Prop.Names), func(m member) error {
			return col.write(out, m, req.Prop.Names)
		})
		if err != nil {
			return err // the answer is cut short; the program syncs again
		}
	} else {
		changes, err := s.changed(ctx, a.WorkspaceID, col.objects, from, to)
		if err != nil {
			return err
		}
		var found []member
		var gone []string
		byObject := map[string][]string{}
		for _, c := range changes {
			byObject[c.object] = append(byObject[c.object], c.id)
		}
		members := map[string]member{}
		for object, ids := range byObject {
			ms, err := col.find(ctx, object, ids)
			if err != nil {
				return err
			}
			for id, m := range ms {
				members[object+":"+id] = m
			}
		}
		for _, c := range changes {
			if m, ok := members[c.object+":"+c.id]; ok {
				found = append(found, m)
			} else if c.left {
				href, err := col.href(ctx, c.object, c.id)
				if err != nil {
					return err
				}
				gone = append(gone, href)
			}
		}
		begin()
		for _, m := range found {
			if err := col.write(out, m, req.Prop.Names); err != nil {
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

// write writes one member's response with the properties asked.
func (col *collection) write(out *bufio.Writer, m member, props []prop) error {
	out.WriteString(`<d:response><d:href>`)
	escape(out, m.href)
	out.WriteString(`</d:href><d:propstat><d:prop>`)
	var missing []prop
	for _, p := range props {
		switch p.XMLName {
		case xml.Name{Space: nsDAV, Local: "getetag"}:
			// A version is digits alone: nothing to escape.
			out.WriteString(`<d:getetag>"` + m.etag + `"</d:getetag>`)
		case xml.Name{Space: nsDAV, Local: "resourcetype"}:
			out.WriteString(`<d:resourcetype/>`)
		case xml.Name{Space: nsDAV, Local: "getcontenttype"}:
			out.WriteString(`<d:getcontenttype>` + col.contentType + `</d:getcontenttype>`)
		case col.dataName:
			data, err := m.data()
			if err != nil {
				return err
			}
			out.WriteString(`<x:` + col.dataName.Local + ` xmlns:x="` + col.dataName.Space + `">`)
			escape(out, data)
			out.WriteString(`</x:` + col.dataName.Local + `>`)
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
		if p.XMLName == addressData || p.XMLName == calendarData {
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

// propfindCollection answers a PROPFIND of depth 0 on col, or of depth
// 1 with its members: its kind, name, sync token and ctag, the reports
// it serves and what the user may do in it.
func (s *Server) propfindCollection(w http.ResponseWriter, r *http.Request, col *collection, members bool) {
	a, _ := access.ActorFrom(r.Context())
	var req propfindRequest
	body, err := io.ReadAll(r.Body)
	if err != nil || (len(bytes.TrimSpace(body)) > 0 && xml.Unmarshal(body, &req) != nil) {
		http.Error(w, "the body is not a PROPFIND request", http.StatusBadRequest)
		return
	}
	if members {
		release, ok := s.admit(w, r, a)
		if !ok {
			return
		}
		defer release()
	}
	pos, err := s.position(r.Context(), a.WorkspaceID, col.objects)
	if err != nil {
		s.log(r.Context()).Error("dav propfind", "err", err)
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
	reports := `<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>`
	for _, name := range col.reports {
		reports += `<d:supported-report><d:report>` + name + `</d:report></d:supported-report>`
	}
	known := map[xml.Name]string{
		{Space: nsDAV, Local: "resourcetype"}: `<d:resourcetype><d:collection/>` + col.resource + `</d:resourcetype>`,
		{Space: nsDAV, Local: "displayname"}:  `<d:displayname>` + bookName + `</d:displayname>`,
		{Space: nsDAV, Local: "sync-token"}:   `<d:sync-token>` + token + `</d:sync-token>`,
		{Space: nsCS, Local: "getctag"}:       `<cs:getctag>` + token + `</cs:getctag>`,
		{Space: nsDAV, Local: "getetag"}:      `<d:getetag>"` + strconv.FormatInt(pos, 10) + `"</d:getetag>`,
		{Space: nsDAV, Local: "current-user-principal"}: `<d:current-user-principal><d:href>` + principalPath(a) +
			`</d:href></d:current-user-principal>`,
		{Space: nsDAV, Local: "current-user-privilege-set"}: `<d:current-user-privilege-set>` + privileges +
			`</d:current-user-privilege-set>`,
		{Space: nsDAV, Local: "supported-report-set"}: `<d:supported-report-set>` + reports + `</d:supported-report-set>`,
	}
	for k, v := range col.extra {
		known[k] = v
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
	out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `" xmlns:cal="` + nsCal +
		`" xmlns:cs="` + nsCS + `">`)
	out.WriteString(`<d:response><d:href>` + col.path + `</d:href><d:propstat><d:prop>`)
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
		err := col.each(r.Context(), wantsData(req.Prop.Names), func(m member) error {
			return col.write(out, m, req.Prop.Names)
		})
		if err != nil {
			s.log(r.Context()).Error("dav propfind", "err", err)
			return // the answer is cut short; the program tries again
		}
	}
	out.WriteString(`</d:multistatus>`)
	out.Flush()
}

// idOfFile is the id a file name made from an id names ("12.vcf"), or "".
func idOfFile(file string) string {
	n, ok := strings.CutSuffix(file, ".vcf")
	if _, err := strconv.ParseInt(n, 10, 64); !ok || err != nil {
		return ""
	}
	return n
}

type multigetRequest struct {
	XMLName xml.Name `xml:"urn:ietf:params:xml:ns:carddav addressbook-multiget"`
	Prop    props    `xml:"DAV: prop"`
	Hrefs   []string `xml:"DAV: href"`
}

// maxHrefs bounds one multiget; programs ask for tens at a time.
const maxHrefs = 1000

// multiget answers an addressbook-multiget: the contacts the hrefs name,
// read with their names and organisations in three queries (the
// sign-in aside) rather than one by one, and 404 for each href that
// names no contact the user may read.
func (s *Server) multiget(w http.ResponseWriter, r *http.Request, a access.Actor, req multigetRequest) error {
	ctx := r.Context()
	if len(req.Hrefs) > maxHrefs {
		http.Error(w, "at most "+strconv.Itoa(maxHrefs)+" hrefs in one multiget", http.StatusBadRequest)
		return nil
	}
	b := &books{s: s}
	// Each href's file in the address book; the ids of the files made
	// from ids, whose names programs may also have changed.
	files := make([]string, len(req.Hrefs))
	var inBook, byIDs []string
	for i, h := range req.Hrefs {
		p := strings.TrimSpace(h)
		if u, err := url.Parse(p); err == nil {
			p = u.Path
		}
		if dir, file := path.Split(p); dir == bookPath(a) {
			files[i] = file
			inBook = append(inBook, file)
			if id := idOfFile(file); id != "" {
				byIDs = append(byIDs, id)
			}
		}
	}
	byFile, names, err := b.named(ctx, a.WorkspaceID, inBook, byIDs)
	if err != nil {
		return err
	}
	ids := make([]string, len(files))
	var wanted []string
	for i, f := range files {
		id, ok := byFile[f]
		if !ok {
			id = idOfFile(f)
		}
		ids[i] = id
		if id != "" {
			wanted = append(wanted, id)
		}
	}
	found, err := b.read(ctx, a, wanted, names)
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(w, 64<<10)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:">`)
	col := s.book(a)
	for i, h := range req.Hrefs {
		if ao, ok := found[ids[i]]; ok && ids[i] != "" {
			m := cardMember(ao)
			m.href = strings.TrimSpace(h) // answered as asked
			if err := col.write(out, m, req.Prop.Names); err != nil {
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
