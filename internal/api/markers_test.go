package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// leakRoles is how many random roles TestNothingHiddenLeaks tries on each
// database.
const leakRoles = 4

// TestNothingHiddenLeaks looks for the next leak by itself. Every value of
// every planted record is a unique marker, reachable through derived data
// (names, notes and calls about records, deals with line items, tasks,
// meetings, timelines, the search index, duplicate candidates, the caller
// lookup). For random roles, it calls every read endpoint of the OpenAPI
// document as the restricted user, with the ids of every planted record
// (out of scope ones included) and with the markers as search and lookup
// queries, and fails when a marker of a hidden field or of a record out of
// the role's scope shows in any answer, or a search by such a marker finds
// anything. It also fails when a read endpoint the server registers is
// missing from the document. RAPPORT_LEAK_SEED repeats a run.
func TestNothingHiddenLeaks(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("RAPPORT_LEAK_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("RAPPORT_LEAK_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d: RAPPORT_LEAK_SEED=%d repeats this run", seed, seed)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		w := plantWorld(f)
		f.catchUp()
		if _, err := f.server.Value.Recompute(context.Background(), 1); err != nil { // value: the report's figures
			t.Fatal(err)
		}
		reads := w.reads()
		rng := rand.New(rand.NewSource(seed))
		for i := range leakRoles {
			role := w.randomRole(rng, fmt.Sprintf("random_%d", i))
			f.become(role)
			forbidden := w.forbidden(role)
			spec, _ := json.Marshal(role.Spec())
			for _, req := range append(slices.Clone(reads), w.probes(rng, forbidden)...) {
				status, text := w.read(f.tokens[accesstest.Self], req)
				// Nothing may be found by a word the reader may not see.
				if m := strings.TrimPrefix(req, "/api/v1/search?q="); forbidden[m] != "" && !strings.HasSuffix(text, `{"data":[]}`+"\n") {
					t.Errorf("seed %d, role %s\nGET %s finds records by %s:\n%s", seed, spec, req, forbidden[m], text)
				}
				for _, m := range sortedMarkers(forbidden) {
					if strings.Contains(text, m) {
						t.Errorf("seed %d, role %s\nGET %s (%d) shows %s, %s:\n%s", seed, spec, req, status, m, forbidden[m], clip(text, m))
					}
				}
			}
		}
	})
}

// world is the data TestNothingHiddenLeaks plants, with where each marker
// lives.
type world struct {
	f      *fullAPI
	n      int
	recs   []*planted
	ids    map[string][]string // by plural: the planted ids
	phones []string            // the contacts' and companies' numbers
	fields map[string][]string // by grant: the fields a role may rule on
	owners []int64
}

// planted is one record and the markers its fields hold.
type planted struct {
	object, grant, id, cls string
	markers                map[string][]string // by field
}

// marker returns a new marker: a word found nowhere else.
func (w *world) marker() string {
	w.n++
	return fmt.Sprintf("zq%dqx", w.n)
}

// create plants one record of object for the owner class cls. body holds
// %M for a new marker and %N for a new marker number, each noted under the
// field (the JSON key) it appears in; values holds the other parts of the
// body, by key.
func (w *world) create(object, plural, cls string, fields map[string]string, values map[string]any) string {
	w.f.t.Helper()
	p := &planted{object: object, grant: w.f.engine.Object(object).Grant(), cls: cls, markers: map[string][]string{}}
	body := map[string]any{"owner_id": strconv.FormatInt(w.f.people.ByCls[cls], 10)}
	for k, v := range values {
		body[k] = v
	}
	for field, pattern := range fields {
		text := pattern
		for strings.Contains(text, "%M") {
			m := w.marker()
			text = strings.Replace(text, "%M", m, 1)
			p.markers[field] = append(p.markers[field], m)
		}
		for strings.Contains(text, "%P") { // a phone number
			w.n++
			m := fmt.Sprintf("1415555%04d", 3000+w.n)
			text = strings.Replace(text, "%P", "+"+m, 1)
			p.markers[field] = append(p.markers[field], m)
			w.phones = append(w.phones, "+"+m)
		}
		for _, d := range []string{"%D", "%T"} { // a date of the last century, found nowhere else, or a time that day
			for strings.Contains(text, d) {
				w.n++
				m := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 97*w.n).Format(time.DateOnly)
				value := m
				if d == "%T" {
					value += "T09:00:00Z"
				}
				text = strings.Replace(text, d, value, 1)
				p.markers[field] = append(p.markers[field], m)
			}
		}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			w.f.t.Fatalf("%s: %v", text, err)
		}
		body[field] = v
	}
	raw, _ := json.Marshal(body)
	p.id = w.f.made(w.f.tokens["admin"], "POST", "/api/v1/"+plural, string(raw), 201)
	w.recs = append(w.recs, p)
	w.ids[plural] = append(w.ids[plural], p.id)
	return p.id
}

// plantWorld plants, for each owner class of accesstest, a company, a
// contact linked to companies of two owners, a deal with a line item in a
// company and with contacts of other owners, and a task, note, call and
// meeting about records of another owner; every text a marker.
func plantWorld(f *fullAPI) *world {
	w := &world{f: f, ids: map[string][]string{}, fields: map[string][]string{}}
	admin := f.tokens["admin"]
	for _, plural := range []string{"contacts", "companies", "deals", "tasks", "notes"} {
		f.made(admin, "POST", "/api/v1/fields/"+plural, `{"name": "cf_text", "type": "text"}`, 201)
	}
	pipeline, stages := f.pipeline("Lead", "Won over")
	w.ids["pipelines"], w.ids["stages"] = []string{pipeline}, stages
	w.ids["products"] = []string{f.made(admin, "POST", "/api/v1/products", `{"name": "Anvil", "price": {"amount": 100, "currency": "EUR"}}`, 201)}
	w.ids["price_lists"] = []string{f.made(admin, "POST", "/api/v1/price_lists", `{"name": "List", "currency": "EUR"}`, 201)}
	w.ids["loss_reasons"] = []string{f.made(admin, "POST", "/api/v1/loss_reasons", `{"name": "Price"}`, 201)}
	classes := accesstest.Classes
	other := func(i, k int) string { return classes[(i+k)%len(classes)] }
	companies, contacts, deals := map[string]string{}, map[string]string{}, map[string]string{}
	for _, cls := range classes {
		w.owners = append(w.owners, f.people.ByCls[cls])
		companies[cls] = w.create("company", "companies", cls, map[string]string{
			"name": `"%M"`, "industry": `"%M"`, "website": `"https://%M.example"`, "emails": `["%M@example.com"]`,
			"address": `{"street": "%M", "city": "%M"}`, "tags": `["%M"]`, "cf_text": `"%M"`, "phones": `["%P"]`,
		}, nil)
	}
	for i, cls := range classes {
		contacts[cls] = w.create("contact", "contacts", cls, map[string]string{
			"first_name": `"%M"`, "last_name": `"%M"`, "job_title": `"%M"`, "website": `"https://%M.example"`,
			"social_profiles": `["https://%M.example"]`, "address": `{"street": "%M", "city": "%M"}`, "tags": `["%M"]`, "cf_text": `"%M"`,
			"emails": `["%M@example.com", "shared@example.com"]`, "birthday": `"%D"`, "phones": `["%P"]`,
		}, map[string]any{"companies": []string{companies[cls], companies[other(i, 3)]}})
		// A contact without a name goes by its e-mail; one in the trash
		// is still there for ?deleted=include.
		w.create("contact", "contacts", cls, map[string]string{"emails": `["%M@example.com"]`, "phones": `["%P"]`}, nil)
		trashed := w.create("contact", "contacts", cls, map[string]string{"first_name": `"%M"`, "last_name": `"%M"`}, nil)
		f.made(admin, "DELETE", "/api/v1/contacts/"+trashed, "", 204)
	}
	for i, cls := range classes {
		w.n++
		amount := 91700000 + w.n
		deals[cls] = w.create("deal", "deals", cls, map[string]string{
			"title": `"%M"`, "loss_note": `"%M"`, "tags": `["%M"]`, "cf_text": `"%M"`, "expected_close_date": `"%D"`,
			"line_items": `[{"name": "%M", "quantity": 1, "unit_price": {"amount": ` + strconv.Itoa(amount) + `, "currency": "EUR"}}]`,
		}, map[string]any{"stage_id": stages[0], "company_id": companies[other(i, 1)], "contacts": []string{contacts[cls], contacts[other(i, 2)]}})
		// The value is the line item's total: its marker is the value's.
		w.recs[len(w.recs)-1].markers["value"] = []string{strconv.Itoa(amount)}
	}
	for i, cls := range classes {
		w.create("task", "tasks", cls, map[string]string{"title": `"%M"`, "result": `"%M"`, "cf_text": `"%M"`, "due_at": `"%T"`},
			map[string]any{"record_type": "contact", "record_id": contacts[other(i, 1)]})
		w.create("note", "notes", cls, map[string]string{"body": `"%M"`, "cf_text": `"%M"`},
			map[string]any{"record_type": "contact", "record_id": contacts[other(i, i%2)]})
		w.create("call", "calls", cls, map[string]string{"body": `"%M"`, "phone": `"%M"`, "started_at": `"%T"`},
			map[string]any{"direction": "inbound", "record_type": "company", "record_id": companies[other(i, 1)]})
		w.create("meeting", "meetings", cls, map[string]string{"title": `"%M"`, "place": `"%M"`, "body": `"%M"`, "starts_at": `"%T"`},
			map[string]any{"record_type": "deal", "record_id": deals[other(i, 1)],
				"attendees": []string{contacts[cls], contacts[other(i, 2)]}})
	}
	// An incoming request assigned to each owner: a role reads the inbox
	// as it reads deals.
	for _, cls := range classes {
		pl := &planted{object: "inbox", grant: "deal", cls: cls, markers: map[string][]string{}}
		body := map[string]string{"channel": "api", "assigned_user_id": strconv.FormatInt(f.people.ByCls[cls], 10)}
		for _, field := range []string{"name", "company_name", "message", "source"} {
			m := w.marker()
			body[field] = m
			pl.markers["inbox_"+field] = []string{m}
		}
		m := w.marker()
		body["email"] = m + "@example.com"
		pl.markers["inbox_email"] = []string{m}
		raw, _ := json.Marshal(body)
		pl.id = f.made(admin, "POST", "/api/v1/inbox", string(raw), 201)
		w.recs = append(w.recs, pl)
		w.ids["inbox"] = append(w.ids["inbox"], pl.id)
	}
	// A chat message from a contact of each owner: a note owned by the
	// contact's owner, its sender's name and text markers.
	status, _, text := f.request(admin, "POST", "/api/v1/chat-channels", `{"name": "Leak chat"}`)
	var ch struct {
		PublicID string `json:"public_id"`
		Token    string `json:"token"`
	}
	if json.Unmarshal([]byte(text), &ch); status != 201 {
		f.t.Fatalf("chat channel: %d %s", status, text)
	}
	for _, cls := range classes {
		contact := w.create("contact", "contacts", cls, map[string]string{"first_name": `"%M"`, "emails": `["%M@chatleak.test"]`}, nil)
		address := w.recs[len(w.recs)-1].markers["emails"][0] + "@chatleak.test"
		pl := &planted{object: "note", grant: "activity", cls: cls, markers: map[string][]string{"body": {w.marker(), w.marker()}}}
		raw, _ := json.Marshal(map[string]any{"message": map[string]any{"id": "leak-" + cls, "text": pl.markers["body"][1]},
			"sender": map[string]any{"id": "s-" + cls, "name": pl.markers["body"][0], "email": address}})
		status, _, text := f.request(ch.Token, "POST", "/api/v1/chat/"+ch.PublicID+"/messages", string(raw))
		var got struct {
			ContactID string `json:"contact_id"`
			NoteID    string `json:"note_id"`
		}
		if json.Unmarshal([]byte(text), &got); status != 201 || got.ContactID != contact {
			f.t.Fatalf("chat message: %d %s", status, text)
		}
		pl.id = got.NoteID
		w.recs = append(w.recs, pl)
		w.ids["notes"] = append(w.ids["notes"], pl.id)
	}
	// A contact of each owner created without one, given to its owner by
	// an assignment rule whose name is a marker: its timeline names the
	// rule, which only a reader of the contact's owner may see.
	var rules []map[string]any
	for i, cls := range classes {
		m := w.marker()
		rules = append(rules, map[string]any{"name": m, "objects": []string{"contact"}, "territories": []string{"Land" + strconv.Itoa(i)},
			"method": "user", "user_id": strconv.FormatInt(f.people.ByCls[cls], 10)})
		pl := &planted{object: "contact", grant: "contact", cls: cls, markers: map[string][]string{"owner_id": {m}}}
		w.recs = append(w.recs, pl)
	}
	raw, _ := json.Marshal(map[string]any{"rules": rules})
	f.made(admin, "PUT", "/api/v1/assignment-rules", string(raw), 200)
	for i := range classes {
		pl := w.recs[len(w.recs)-len(classes)+i]
		pl.id = f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Assigned", "address": {"region": "Land`+strconv.Itoa(i)+`"}}`, 201)
		w.ids["contacts"] = append(w.ids["contacts"], pl.id)
	}
	// A letter from a customer in each owner's mailbox, filed on that
	// owner's contact (internal/mailbox files them; here they are written
	// as it writes them): its subject, sender's name and text are
	// markers, read on timelines with the contact's and the activities'
	// grants.
	for _, cls := range classes {
		w.plantLetter(cls, contacts[cls])
	}
	// A change of every deal, so that timelines hold field changes too.
	for _, cls := range classes {
		id := deals[cls]
		w.f.made(admin, "PATCH", "/api/v1/deals/"+id, fmt.Sprintf(`{"stage_id": %q, "version": 1}`, stages[1]), 200)
	}
	for grant, plurals := range map[string][]string{"contact": {"contacts"}, "company": {"companies"}, "deal": {"deals"},
		"task": {"tasks"}, "activity": {"notes", "calls", "meetings"}} {
		for _, plural := range plurals {
			_, text := f.call(admin, "GET", "/api/v1/fields/"+plural, "")
			var page struct{ Data []struct{ Name string } }
			json.Unmarshal([]byte(text), &page)
			for _, fl := range page.Data {
				if !slices.Contains(w.fields[grant], fl.Name) {
					w.fields[grant] = append(w.fields[grant], fl.Name)
				}
			}
		}
	}
	w.plantTemplates()
	return w
}

// plantTemplates adds a mail template of each object naming every field
// its letters can fill, so that a letter written for each planted record
// shows whatever the reader's role would let slip.
func (w *world) plantTemplates() {
	every := func(objects ...string) string {
		var b strings.Builder
		for _, o := range objects {
			for _, name := range w.fields[o] {
				b.WriteString(" {{" + o + "." + name + "}}")
			}
		}
		return b.String()
	}
	for object, reaches := range map[string][]string{"contact": {"contact", "company"}, "deal": {"deal", "contact", "company"}} {
		body, _ := json.Marshal(map[string]any{"name": "Every " + object, "object": object,
			"versions": map[string]any{"en": map[string]string{"subject": "All", "body": every(reaches...)}}})
		w.ids["mail-templates"] = append(w.ids["mail-templates"], w.f.made(w.f.tokens["admin"], "POST", "/api/v1/mail-templates", string(body), 201))
	}
}

// randomRole builds a role at random from the permission model: per record
// object a scope for each action and a rule for some fields, per setting
// object all or nothing.
func (w *world) randomRole(rng *rand.Rand, name string) access.Role {
	r := access.Role{Name: name, Grants: access.Grants{}, Fields: access.FieldRules{}}
	for _, o := range access.RecordObjects {
		r.Grants[o] = map[access.Action]access.Scope{}
		for _, act := range access.Actions {
			r.Grants[o][act] = access.Scopes[rng.Intn(len(access.Scopes))]
		}
	}
	for _, o := range access.SettingObjects {
		if rng.Intn(3) > 0 {
			r.Grants[o] = map[access.Action]access.Scope{access.Read: access.All}
		}
	}
	for _, grant := range sortedKeys(w.fields) {
		rules := map[string]access.FieldRule{}
		for _, field := range w.fields[grant] {
			switch rng.Intn(10) {
			case 0, 1, 2:
				rules[field] = access.FieldHidden
			case 3:
				rules[field] = access.FieldReadOnly
			}
		}
		r.Fields[grant] = rules
	}
	return r
}

// plantLetter writes a letter of cls's mailbox filed on contact.
func (w *world) plantLetter(cls, contact string) {
	f := w.f
	ctx, d := context.Background(), f.db.Dialect
	p := &planted{object: "mail", grant: "contact", cls: cls, markers: map[string][]string{}}
	subject, name, text := w.marker(), w.marker(), w.marker()
	p.markers["mail_subject"], p.markers["mail_from_name"], p.markers["mail_text"] = []string{subject}, []string{name}, []string{text}
	now := d.Time(time.Now())
	err := f.db.Tx(ctx, func(q store.Querier) error {
		var box, id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO mailboxes (workspace_id, owner_id, address, host, port, security, username, secret, folders, created_at)
			VALUES (1, ?, ?, 'imap.example.com', 993, 'tls', 'u', 'sealed', 'INBOX', ?) RETURNING id`,
			f.people.ByCls[cls], cls+"-box@example.com", now).Scan(&box); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO mail_messages (workspace_id, mailbox_id, folder, uidvalidity, uid, message_id, thread_id,
			subject, from_addr, from_name, sent_at, text_body, html_body, created_at) VALUES (1, ?, 'INBOX', 1, 1, ?, ?, ?, 'c@example.com', ?, ?, ?, ?, ?) RETURNING id`,
			box, subject+"@example.com", subject+"@example.com", subject, name, now, text, "<p>"+text+"</p>", now).Scan(&id); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO mail_links (workspace_id, message_id, object, record_id, sent_at) VALUES (1, ?, 'contact', ?, ?)`,
			id, contact, now)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	w.recs = append(w.recs, p)
}

// forbidden returns the markers role r must never see, each with where it
// lives: every marker of a record out of the read scope, and of a field
// the role hides. A marker that r may see in another place is not
// forbidden.
func (w *world) forbidden(r access.Role) map[string]string {
	out, seen := map[string]string{}, map[string]bool{}
	for _, p := range w.recs {
		inScope := accesstest.Reaches(r.Scope(p.grant, access.Read), p.cls)
		if p.object == "mail" {
			// A letter needs its record and the activities of its
			// mailbox's owner.
			inScope = inScope && accesstest.Reaches(r.Scope("activity", access.Read), p.cls)
		}
		for field, ms := range p.markers {
			for _, m := range ms {
				switch {
				case !inScope:
					out[m] = fmt.Sprintf("%s %s of %s %s, out of scope", field, p.object, p.cls, p.id)
				case r.Fields[p.grant][field] == access.FieldHidden:
					out[m] = fmt.Sprintf("%s %s %s, a hidden field", p.object, p.id, field)
				default:
					seen[m] = true
				}
			}
		}
	}
	for m := range seen {
		delete(out, m)
	}
	return out
}

// reads returns a request for every read endpoint of the OpenAPI document
// that an administrator is given: every path parameter filled with each
// planted id of its object, and an owner_id parameter with each owner.
func (w *world) reads() []string {
	f := w.f
	_, text := f.call(f.tokens["admin"], "GET", "/api/v1/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		f.t.Fatal(err)
	}
	w.documented(doc.Paths)
	var out []string
	for _, path := range sortedKeys(doc.Paths) {
		op, ok := doc.Paths[path]["get"]
		if !ok || path == "/search" || path == "/lookup/phone" { // probes ask these with markers
			continue
		}
		for _, p := range w.expand(path) {
			if path == "/mail-templates/{id}/letter" {
				for _, id := range slices.Concat(w.ids["contacts"], w.ids["deals"]) {
					out = append(out, "/api/v1"+p+"?record_id="+id)
				}
				continue
			}
			out = append(out, "/api/v1"+p)
			if strings.Contains(string(op), `"name":"deleted"`) {
				out = append(out, "/api/v1"+p+"?deleted=include")
			}
			if strings.Contains(string(op), `"name":"owner_id"`) {
				for _, o := range w.owners {
					out = append(out, fmt.Sprintf("/api/v1%s?owner_id=%d", p, o))
				}
			}
		}
	}
	return out
}

// documented checks that every read endpoint the server registers is in
// the OpenAPI document's paths, so that reads, which follows the
// document, calls it; an endpoint left out of the document fails here.
func (w *world) documented(paths map[string]map[string]json.RawMessage) {
	for _, rt := range w.f.server.Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		// Health, readiness and metrics are for operators, outside the API.
		if !ok || method != "GET" || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		path = strings.TrimPrefix(path, "/api/v1")
		found := false
		for p, ops := range paths {
			if _, ok := ops["get"]; ok && samePath(path, p) {
				found = true
			}
		}
		if !found {
			w.f.t.Errorf("GET /api/v1%s is not in the OpenAPI document", path)
		}
	}
}

// expand fills the path parameters of path: {id} after /plural with each
// planted id of plural (a missing one when none was planted), and {name}
// with the built-in roles.
func (w *world) expand(path string) []string {
	i := strings.Index(path, "{")
	if i < 0 {
		return []string{path}
	}
	j := strings.Index(path[i:], "}") + i
	var vals []string
	segs := strings.Split(strings.Trim(path[:i], "/"), "/")
	switch param := path[i+1 : j]; {
	case param == "name":
		vals = []string{access.RoleAdministrator, access.RoleReadOnly}
	case len(w.ids[segs[len(segs)-1]]) > 0:
		vals = w.ids[segs[len(segs)-1]]
	case segs[len(segs)-1] == "users":
		for _, o := range w.owners {
			vals = append(vals, strconv.FormatInt(o, 10))
		}
	default:
		vals = []string{"1", "999999"}
	}
	var out []string
	for _, v := range vals {
		out = append(out, w.expand(path[:i]+v+path[j+1:])...)
	}
	return out
}

// probes are the searches and lookups of one role: the phones, a search
// for every marker (the forbidden ones first, a sample of the rest) and
// for the prefix they all share.
func (w *world) probes(rng *rand.Rand, forbidden map[string]string) []string {
	out := []string{"/api/v1/search?q=zq&limit=50"}
	for _, o := range []string{"contact", "company", "deal"} {
		out = append(out, "/api/v1/search?limit=50&q=zq&objects="+o)
	}
	for _, p := range w.phones {
		out = append(out, "/api/v1/lookup/phone?number="+url.QueryEscape(p), "/api/v1/search?q="+url.QueryEscape(p[len(p)-4:]))
	}
	for _, m := range sortedMarkers(forbidden) {
		out = append(out, "/api/v1/search?q="+m)
	}
	for range 10 {
		out = append(out, fmt.Sprintf("/api/v1/search?q=zq%dqx", 1+rng.Intn(w.n)))
	}
	return out
}

// read makes one GET as the holder of token and returns its status and
// its headers and body as one text. A stream is read for a moment.
func (w *world) read(token, path string) (int, string) {
	w.f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if strings.HasSuffix(path, "/stream") {
		ctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", w.f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // a stream ends with the deadline
	if strings.HasPrefix(path, "/api/v1/lookup/phone") {
		// The number asked for is echoed back; the rest is what was found.
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			delete(m, "number")
			body, _ = json.Marshal(m)
		}
	}
	var b strings.Builder
	for k, vs := range resp.Header {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	b.Write(body)
	if resp.StatusCode >= 500 {
		w.f.t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return resp.StatusCode, b.String()
}

func sortedMarkers(m map[string]string) []string {
	keys := sortedKeys(m)
	sort.Strings(keys)
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clip returns the part of text around the first m.
func clip(text, m string) string {
	i := strings.Index(text, m)
	return text[max(0, i-300):min(len(text), i+len(m)+100)]
}

// samePath reports whether a route pattern (whose {wildcards} match any
// segment) serves a documented path.
func samePath(pattern, path string) bool {
	a, b := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !strings.HasPrefix(a[i], "{") {
			return false
		}
	}
	return true
}
