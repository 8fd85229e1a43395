package dav_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/dav"
	"github.com/rapport-crm/rapport/internal/limit"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// marker is in a colleague's private contact: it must never reach the
// salesperson's address book.
const marker = "Zanzibar-Marker-7f3a"

const password = "correct horse battery staple"

// world is a workspace with two salespeople, each owning contacts, served
// over loopback.
type world struct {
	db       *store.DB
	activity *activity.Service
	policy   *access.RolePolicy
	engine   *records.Engine
	accounts *account.Service
	url      string
	server   *dav.Server
	sam      access.Actor // the salesperson whose address book is synced
	cole     access.Actor // a colleague
	ids      []string     // Sam's contacts
	private  string       // Cole's contact, with the marker
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	policy := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: policy, Logger: quiet})
	act := activity.New(db, engine, activity.Options{Logger: quiet})
	accounts := account.NewWithOptions(db, account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	ctx := context.Background()
	w := &world{db: db, activity: act, policy: policy, engine: engine, accounts: accounts}
	for _, p := range []struct {
		email string
		a     *access.Actor
	}{{"sam@example.com", &w.sam}, {"cole@example.com", &w.cole}} {
		u, err := accounts.CreateUser(ctx, 1, p.email, p.email, password, access.RoleSalesperson)
		if err != nil {
			t.Fatal(err)
		}
		id := mustID(t, u.ID)
		*p.a = access.Actor{WorkspaceID: 1, UserID: id, Role: access.RoleSalesperson}
	}
	for _, in := range []map[string]any{
		{"first_name": "Ada", "last_name": "Lovelace", "emails": []any{"ada@example.com"}, "job_title": "Analyst"},
		{"first_name": "Grace", "last_name": "Hopper", "phones": []any{"+14155550100"}, "birthday": "1906-12-09"},
		{"first_name": "Alan", "last_name": "Turing", "address": map[string]any{"city": "Manchester", "country": "GB"}},
	} {
		rec, err := engine.Create(as(w.sam), "contact", in)
		if err != nil {
			t.Fatal(err)
		}
		w.ids = append(w.ids, rec["id"].(string))
	}
	rec, err := engine.Create(as(w.cole), "contact", map[string]any{"first_name": "Secret", "last_name": marker,
		"emails": []any{"private@" + strings.ToLower(marker) + ".example"}})
	if err != nil {
		t.Fatal(err)
	}
	w.private = rec["id"].(string)
	w.server = &dav.Server{DB: db, Engine: engine, Accounts: accounts, Log: quiet}
	srv := httptest.NewServer(w.server.Handler())
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

func as(a access.Actor) context.Context { return access.WithActor(context.Background(), a) }

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("user id %q is not a number", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// do sends a request as Sam (with his password) and returns the status,
// headers and body.
func (w *world) do(t *testing.T, method, path, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	return w.doAs(t, "sam@example.com", password, method, path, body, header...)
}

func (w *world) doAs(t *testing.T, user, pass, method, path, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, w.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	if body != "" {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (w *world) book() string {
	return dav.Prefix + "/" + itoa(w.sam.UserID) + "/addressbooks/contacts/"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

const syncBody = `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>%s</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`

var tokenRE = regexp.MustCompile(`<d:sync-token>([^<]+)</d:sync-token>`)

func (w *world) sync(t *testing.T, token string) (responses int, body, next string) {
	t.Helper()
	code, _, body := w.do(t, "REPORT", w.book(), strings.Replace(syncBody, "%s", token, 1),
		"Content-Type", "application/xml", "Depth", "1")
	if code != http.StatusMultiStatus {
		t.Fatalf("sync-collection from %q: %d %s", token, code, body)
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sync-token in %s", body)
	}
	return strings.Count(body, "<d:response>"), body, m[1]
}

// TestSignIn: a password or an API token with the user's e-mail opens the
// address book; a wrong one, a token under another user's address, or no
// credentials are refused with a challenge; discovery redirects.
func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		token, err := w.accounts.CreateToken(context.Background(), 1, "sam@example.com", "phone", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		readToken, err := w.accounts.CreateToken(context.Background(), 1, "sam@example.com", "tablet", account.ScopeRead, nil)
		if err != nil {
			t.Fatal(err)
		}
		propfind := `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`
		for _, c := range []struct {
			user, pass string
			want       int
		}{
			{"sam@example.com", password, http.StatusMultiStatus},
			{"SAM@example.com", token, http.StatusMultiStatus},
			{"sam@example.com", "wrong", http.StatusUnauthorized},
			{"cole@example.com", token, http.StatusUnauthorized},
			{"nobody@example.com", password, http.StatusUnauthorized},
		} {
			code, h, body := w.doAs(t, c.user, c.pass, "PROPFIND", "/dav/", propfind, "Depth", "0")
			if code != c.want {
				t.Errorf("%s with %q: %d, want %d: %s", c.user, c.pass, code, c.want, body)
			}
			if code == http.StatusUnauthorized && !strings.Contains(h.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without a Basic challenge: %v", h)
			}
			if code == http.StatusMultiStatus && !strings.Contains(body, "/dav/"+itoa(w.sam.UserID)+"/") {
				t.Errorf("the principal is not Sam's: %s", body)
			}
		}
		// A read-only token reads but does not write.
		if code, _, body := w.doAs(t, "sam@example.com", readToken, "GET", w.book()+w.ids[0]+".vcf", ""); code != http.StatusOK {
			t.Errorf("GET with a read token: %d %s", code, body)
		}
		if code, _, _ := w.doAs(t, "sam@example.com", readToken, "DELETE", w.book()+w.ids[0]+".vcf", ""); code != http.StatusForbidden {
			t.Errorf("DELETE with a read token: %d, want 403", code)
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			Get(w.url + "/.well-known/carddav")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/dav/" {
			t.Errorf("/.well-known/carddav: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestLockout: failed passwords over DAV lock the address out like failed
// sign-ins elsewhere.
func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		got := 0
		for range 8 {
			code, _, _ := w.doAs(t, "sam@example.com", "guess", "PROPFIND", "/dav/", "", "Depth", "0")
			got = code
		}
		if got != http.StatusTooManyRequests {
			t.Fatalf("after 8 wrong passwords: %d, want 429", got)
		}
		if code, _, _ := w.do(t, "PROPFIND", "/dav/", "", "Depth", "0"); code != http.StatusTooManyRequests {
			t.Errorf("the right password during the lock-out: %d, want 429", code)
		}
	})
}

// TestEditsAndVersions: a GET's ETag is the version; a PUT with it changes
// the contact, a PUT with a stale one is refused with 412 and changes
// nothing; a new card creates a contact kept under the program's name; a
// DELETE moves the contact to the trash; a colleague's contact cannot be
// read, changed or deleted.
func TestEditsAndVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		href := w.book() + w.ids[0] + ".vcf"
		code, h, card := w.do(t, "GET", href, "")
		if code != http.StatusOK || h.Get("ETag") != `"1"` || !strings.Contains(card, "Lovelace") {
			t.Fatalf("GET: %d %s %s", code, h.Get("ETag"), card)
		}
		edited := strings.Replace(card, "TITLE:Analyst", "TITLE:Chief Analyst", 1)
		code, h, body := w.do(t, "PUT", href, edited, "Content-Type", "text/vcard", "If-Match", `"1"`)
		if code/100 != 2 || h.Get("ETag") != `"2"` {
			t.Fatalf("PUT with the current version: %d %s %s", code, h.Get("ETag"), body)
		}
		rec, err := w.engine.Get(as(w.sam), "contact", w.ids[0], false)
		if err != nil || rec["job_title"] != "Chief Analyst" || rec["version"] != int64(2) {
			t.Fatalf("after the PUT: %v %v", rec, err)
		}
		stale := strings.Replace(card, "TITLE:Analyst", "TITLE:Stale Analyst", 1)
		if code, _, body := w.do(t, "PUT", href, stale, "Content-Type", "text/vcard", "If-Match", `"1"`); code != http.StatusPreconditionFailed {
			t.Fatalf("PUT from a stale copy: %d %s", code, body)
		}
		if rec, _ := w.engine.Get(as(w.sam), "contact", w.ids[0], false); rec["job_title"] != "Chief Analyst" {
			t.Errorf("the stale PUT overwrote: %v", rec["job_title"])
		}

		newCard := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-uid-1\r\nN:Noether;Emmy;;;\r\nFN:Emmy Noether\r\nEMAIL;TYPE=WORK:emmy@example.com\r\nEND:VCARD\r\n"
		code, _, body = w.do(t, "PUT", w.book()+"phone-uid-1.vcf", newCard, "Content-Type", "text/vcard", "If-None-Match", "*")
		if code != http.StatusCreated {
			t.Fatalf("PUT of a new card: %d %s", code, body)
		}
		code, _, body = w.do(t, "GET", w.book()+"phone-uid-1.vcf", "")
		if code != http.StatusOK || !strings.Contains(body, "UID:phone-uid-1") || !strings.Contains(body, "emmy@example.com") {
			t.Fatalf("GET of the new card under the program's name: %d %s", code, body)
		}
		if code, _, _ := w.do(t, "DELETE", w.book()+"phone-uid-1.vcf", "", "If-Match", `"9"`); code != http.StatusPreconditionFailed {
			t.Errorf("DELETE with a stale version: %d, want 412", code)
		}
		if code, _, _ := w.do(t, "DELETE", w.book()+"phone-uid-1.vcf", "", "If-Match", `"1"`); code/100 != 2 {
			t.Errorf("DELETE: %d", code)
		}
		if code, _, _ := w.do(t, "GET", w.book()+"phone-uid-1.vcf", ""); code != http.StatusNotFound {
			t.Errorf("GET after DELETE: %d, want 404", code)
		}

		other := w.book() + w.private + ".vcf"
		if code, _, body := w.do(t, "GET", other, ""); code != http.StatusNotFound || strings.Contains(body, marker) {
			t.Errorf("GET of a colleague's contact: %d %s", code, body)
		}
		if code, _, _ := w.do(t, "PUT", other, strings.Replace(card, "Lovelace", "Taken", 1), "Content-Type", "text/vcard"); code != http.StatusNotFound {
			t.Errorf("PUT over a colleague's contact: %d, want 404", code)
		}
		if code, _, _ := w.do(t, "DELETE", other, ""); code != http.StatusNotFound {
			t.Errorf("DELETE of a colleague's contact: %d, want 404", code)
		}
		if rec, err := w.engine.Get(as(w.cole), "contact", w.private, false); err != nil || rec["last_name"] != marker {
			t.Errorf("the colleague's contact changed: %v %v", rec, err)
		}
		// Another user's tree is not Sam's to read.
		if code, _, body := w.do(t, "GET", "/dav/"+itoa(w.cole.UserID)+"/addressbooks/contacts/"+w.private+".vcf", ""); code != http.StatusNotFound || strings.Contains(body, marker) {
			t.Errorf("GET in the colleague's tree: %d %s", code, body)
		}
	})
}

// TestSyncCollection: the first sync lists every contact Sam may read and
// none of his colleague's; after one change, a sync from the token holds
// that contact alone; after a delete, the contact as 404; a token from
// elsewhere is refused with valid-sync-token.
func TestSyncCollection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		n, body, token := w.sync(t, "")
		if n != 3 || strings.Contains(body, marker) || strings.Contains(body, w.private+".vcf") {
			t.Fatalf("first sync: %d responses: %s", n, body)
		}
		if n, body, again := w.sync(t, token); n != 0 || again != token {
			t.Fatalf("sync with nothing changed: %d responses, token %s → %s: %s", n, token, again, body)
		}
		rec, _ := w.engine.Get(as(w.sam), "contact", w.ids[1], false)
		if _, err := w.engine.Update(as(w.sam), "contact", w.ids[1], rec["version"].(int64), map[string]any{"job_title": "Admiral"}); err != nil {
			t.Fatal(err)
		}
		// A colleague's change moves the token but shows nothing.
		prec, _ := w.engine.Get(as(w.cole), "contact", w.private, false)
		if _, err := w.engine.Update(as(w.cole), "contact", w.private, prec["version"].(int64), map[string]any{"job_title": marker}); err != nil {
			t.Fatal(err)
		}
		n, body, token2 := w.sync(t, token)
		if n != 1 || !strings.Contains(body, w.ids[1]+".vcf") || !strings.Contains(body, `"2"`) || strings.Contains(body, marker) {
			t.Fatalf("sync after one change: %d responses: %s", n, body)
		}
		if err := w.engine.Delete(as(w.sam), "contact", w.ids[2], 1); err != nil {
			t.Fatal(err)
		}
		n, body, _ = w.sync(t, token2)
		if n != 1 || !strings.Contains(body, w.ids[2]+".vcf") || !strings.Contains(body, "404 Not Found") {
			t.Fatalf("sync after a delete: %d responses: %s", n, body)
		}
		code, _, body := w.do(t, "REPORT", w.book(), strings.Replace(syncBody, "%s", "http://elsewhere/1", 1), "Content-Type", "application/xml")
		if code != http.StatusForbidden || !strings.Contains(body, "valid-sync-token") {
			t.Errorf("a foreign token: %d %s", code, body)
		}
		// The collection's own properties carry the token.
		code, _, body = w.do(t, "PROPFIND", w.book(), `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
<d:prop><d:sync-token/><cs:getctag/><d:resourcetype/><d:displayname/><d:quota-used-bytes/></d:prop></d:propfind>`, "Depth", "0")
		if code != http.StatusMultiStatus || !strings.Contains(body, "urn:x-rapport:sync:") || !strings.Contains(body, "addressbook") ||
			!strings.Contains(body, "404 Not Found") {
			t.Errorf("PROPFIND of the address book: %d %s", code, body)
		}
		// Multiget and a listing hold Sam's contacts only.
		code, _, body = w.do(t, "PROPFIND", w.book(), `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "Depth", "1")
		if code != http.StatusMultiStatus || strings.Count(body, ".vcf") != 2 || strings.Contains(body, w.private+".vcf") {
			t.Errorf("PROPFIND depth 1: %d %s", code, body)
		}
		multiget := `<?xml version="1.0"?><c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/><c:address-data/></d:prop><d:href>` + w.book() + w.ids[0] + `.vcf</d:href><d:href>` + w.book() + w.private + `.vcf</d:href></c:addressbook-multiget>`
		code, _, body = w.do(t, "REPORT", w.book(), multiget, "Content-Type", "application/xml", "Depth", "1")
		if code != http.StatusMultiStatus || !strings.Contains(body, "Lovelace") || strings.Contains(body, marker) {
			t.Errorf("multiget: %d %s", code, body)
		}
	})
}

// TestHiddenFields: a field the role hides is not in the vCard, a card
// without it leaves it alone, and a card that sets it is refused.
func TestHiddenFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
		var grants access.Grants
		for _, r := range access.BuiltinRoles() {
			if r.Name == access.RoleSalesperson {
				grants = r.Grants
			}
		}
		_, err := w.policy.CreateRole(as(access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator}), access.RoleSpec{
			Name: "discreet", Label: "Discreet", Grants: grants,
			Fields: access.FieldRules{"contact": {"phones": access.FieldHidden, "birthday": access.FieldHidden}}})
		if err != nil {
			t.Fatal(err)
		}
		accesstest.SetRole(t, db, 1, w.sam.UserID, "discreet")
		w.policy.Invalidate(1)
		href := w.book() + w.ids[1] + ".vcf"
		code, _, card := w.do(t, "GET", href, "")
		if code != http.StatusOK || !strings.Contains(card, "Hopper") || strings.Contains(card, "TEL") ||
			strings.Contains(card, "5550100") || strings.Contains(card, "BDAY") {
			t.Fatalf("GET with phones and birthday hidden: %d %s", code, card)
		}
		edited := strings.Replace(card, "END:VCARD", "TITLE:Commodore\r\nEND:VCARD", 1)
		if code, _, body := w.do(t, "PUT", href, edited, "Content-Type", "text/vcard", "If-Match", `"1"`); code/100 != 2 {
			t.Fatalf("PUT of a card without the hidden fields: %d %s", code, body)
		}
		all := as(access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
		rec, err := w.engine.Get(all, "contact", w.ids[1], false)
		if err != nil || rec["job_title"] != "Commodore" || rec["birthday"] != "1906-12-09" || !strings.Contains(fmt.Sprint(rec["phones"]), "+14155550100") {
			t.Fatalf("after the PUT: %v %v", rec, err)
		}
		withPhone := strings.Replace(card, "END:VCARD", "TEL:+14155550199\r\nEND:VCARD", 1)
		if code, _, _ := w.do(t, "PUT", href, withPhone, "Content-Type", "text/vcard", "If-Match", `"2"`); code/100 != 4 {
			t.Errorf("PUT that sets a hidden field: %d, want 4xx", code)
		}
		if rec, _ := w.engine.Get(all, "contact", w.ids[1], false); strings.Contains(fmt.Sprint(rec["phones"]), "0199") {
			t.Errorf("a hidden field was written: %v", rec["phones"])
		}
	})
}

// TestPasswordChangeAndSecondFactor: a password remembered after a good
// sign-in stops working the moment it is changed; once two-factor
// sign-in is on, the password alone is refused and a token signs in.
func TestPasswordChangeAndSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		propfind := func(pass string) (int, string) {
			code, _, body := w.doAs(t, "sam@example.com", pass, "PROPFIND", "/dav/", "", "Depth", "0")
			return code, body
		}
		if code, _ := propfind(password); code != http.StatusMultiStatus {
			t.Fatalf("the password: %d", code)
		}
		newPassword := "a brand new long password"
		if _, _, err := w.accounts.UpdateMe(as(w.sam), account.MyChange{Password: &newPassword, CurrentPassword: password}, ""); err != nil {
			t.Fatal(err)
		}
		if code, _ := propfind(password); code != http.StatusUnauthorized {
			t.Errorf("the old password after a change: %d, want 401", code)
		}
		if code, _ := propfind(newPassword); code != http.StatusMultiStatus {
			t.Errorf("the new password: %d", code)
		}
		enrol, err := w.accounts.BeginTOTP(as(w.sam))
		if err != nil {
			t.Fatal(err)
		}
		code, err := account.TOTPCode(enrol.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.accounts.ConfirmTOTP(as(w.sam), code); err != nil {
			t.Fatal(err)
		}
		if code, body := propfind(newPassword); code != http.StatusUnauthorized || !strings.Contains(body, "token") {
			t.Errorf("the password with two-factor sign-in on: %d %s", code, body)
		}
		token, err := w.accounts.CreateToken(context.Background(), 1, "sam@example.com", "phone", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := propfind(token); code != http.StatusMultiStatus {
			t.Errorf("a token with two-factor sign-in on: %d", code)
		}
	})
}

// TestReadOnlyRole: a role that reads every contact but changes none sees
// the colleague's contacts too, and its edits and deletes are refused
// with 403.
func TestReadOnlyRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		if _, err := w.accounts.CreateUser(context.Background(), 1, "rita@example.com", "Rita", password, access.RoleReadOnly); err != nil {
			t.Fatal(err)
		}
		u, err := w.accounts.UserByEmail(context.Background(), 1, "rita@example.com")
		if err != nil {
			t.Fatal(err)
		}
		book := "/dav/" + u.ID + "/addressbooks/contacts/"
		code, _, body := w.doAs(t, "rita@example.com", password, "PROPFIND", book,
			`<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "Depth", "1")
		if code != http.StatusMultiStatus || strings.Count(body, ".vcf") != 4 {
			t.Fatalf("the read-only role's address book: %d %s", code, body)
		}
		href := book + w.ids[0] + ".vcf"
		code, _, card := w.doAs(t, "rita@example.com", password, "GET", href, "")
		if code != http.StatusOK {
			t.Fatalf("GET: %d", code)
		}
		edited := strings.Replace(card, "TITLE:Analyst", "TITLE:Changed", 1)
		if code, _, body := w.doAs(t, "rita@example.com", password, "PUT", href, edited, "Content-Type", "text/vcard", "If-Match", `"1"`); code != http.StatusForbidden {
			t.Errorf("PUT by a read-only role: %d %s", code, body)
		}
		if code, _, _ := w.doAs(t, "rita@example.com", password, "DELETE", href, ""); code != http.StatusForbidden {
			t.Errorf("DELETE by a read-only role: %d", code)
		}
		if rec, _ := w.engine.Get(as(w.sam), "contact", w.ids[0], false); rec["job_title"] != "Analyst" || rec["version"] != int64(1) {
			t.Errorf("the contact changed: %v", rec)
		}
	})
}

// TestListingSlots: a whole listing waits for a slot and, when none frees,
// is told to come back later; a sync from a token needs none.
func TestListingSlots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		w.server.Listings = limit.NewSlots(1, 1)
		_, _, token := w.sync(t, "")
		release, err := w.server.Listings.Acquire(context.Background(), "1:"+itoa(w.sam.UserID))
		if err != nil {
			t.Fatal(err)
		}
		code, h, _ := w.do(t, "PROPFIND", w.book(), `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "Depth", "1")
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Errorf("a listing while the slot is held: %d %v", code, h)
		}
		if n, _, _ := w.sync(t, token); n != 0 {
			t.Errorf("a sync from a token while the slot is held: %d responses", n)
		}
		release()
		if n, _, _ := w.sync(t, ""); n != 3 {
			t.Errorf("a first sync once the slot is free: %d responses", n)
		}
	})
}

// TestOrganization: a card's ORG is the first of the contact's companies
// that the user may read, in every way a card is read (GET, multiget,
// sync-collection); a colleague's company never names it, and a role that
// hides the companies' names shows none.
func TestOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
		all := as(access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
		theirs, err := w.engine.Create(as(w.cole), "company", map[string]any{"name": marker + " Ltd"})
		if err != nil {
			t.Fatal(err)
		}
		ours, err := w.engine.Create(as(w.sam), "company", map[string]any{"name": "Analytical Engines"})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := w.engine.Get(all, "contact", w.ids[0], false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.engine.Update(all, "contact", w.ids[0], rec["version"].(int64), map[string]any{"companies": []any{
			map[string]any{"id": theirs["id"]}, map[string]any{"id": ours["id"]}}}); err != nil {
			t.Fatal(err)
		}
		href := w.book() + w.ids[0] + ".vcf"
		multiget := `<?xml version="1.0"?><c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/><c:address-data/></d:prop><d:href>` + href + `</d:href></c:addressbook-multiget>`
		first := `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:address-data/></d:prop></d:sync-collection>`
		cards := func() map[string]string {
			_, _, get := w.do(t, "GET", href, "")
			_, _, mget := w.do(t, "REPORT", w.book(), multiget, "Depth", "1")
			_, _, sync := w.do(t, "REPORT", w.book(), first, "Depth", "1")
			return map[string]string{"GET": get, "multiget": mget, "sync-collection": sync}
		}
		for how, body := range cards() {
			if !strings.Contains(body, "ORG:Analytical Engines") || strings.Contains(body, marker) {
				t.Errorf("%s: want ORG:Analytical Engines and no colleague's company:\n%s", how, body)
			}
		}
		var grants access.Grants
		for _, r := range access.BuiltinRoles() {
			if r.Name == access.RoleSalesperson {
				grants = r.Grants
			}
		}
		_, err = w.policy.CreateRole(as(access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator}), access.RoleSpec{
			Name: "nameless", Label: "Nameless", Grants: grants,
			Fields: access.FieldRules{"company": {"name": access.FieldHidden}}})
		if err != nil {
			t.Fatal(err)
		}
		accesstest.SetRole(t, db, 1, w.sam.UserID, "nameless")
		w.policy.Invalidate(1)
		for how, body := range cards() {
			if !strings.Contains(body, "Lovelace") || strings.Contains(body, "ORG") || strings.Contains(body, marker) {
				t.Errorf("%s with the companies' names hidden: want no ORG:\n%s", how, body)
			}
		}
	})
}
