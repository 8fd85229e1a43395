package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/nyaruka/phonenumbers"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// callerPage is the caller screen, which a phone system opens at
// /call?number=… as a call rings: who the number belongs to, their
// company, their open deals and the last activity about them, or a
// button to make a contact of an unknown number. It asks the search
// service's Lookup, the API's lookup, so a number that only a record out
// of the user's reach has is unknown to them, as it is to the API.
type callerPage struct {
	frame
	Number    string // as typed, for the form
	Shown     string // the number as people read it
	Asked     bool   // a number was given
	Valid     bool
	Problem   string // why the number cannot be looked up
	Contacts  []callerView
	Companies []callerView
	Deals     []callerView
	Last      *conversationView
	NewHref   string // the form of a new contact with the number filled in
	// CanDial shows the click-to-call button: the user has an extension
	// on a phone system that dials on request. Dialled says how the last
	// request went: "1" rung, "0" refused.
	CanDial bool
	Dialled string
}

// callerView is a contact, company or deal of the caller screen.
type callerView struct {
	Name    string
	Href    string
	Details []string // e-mails and phones, or a deal's date
	Links   []callerView
}

// conversationView is the latest note, call, meeting or task about the
// caller: what was said last, or what is planned.
type conversationView struct {
	Kind  string
	When  string
	Title string
	Body  string
	About string
	Href  string
}

func (s *Server) caller(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.search == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	number := strings.TrimSpace(r.URL.Query().Get("number"))
	data := &callerPage{frame: frame{Nav: "call"}, Number: number, Asked: number != ""}
	if !data.Asked {
		s.render(w, r, v, http.StatusOK, "call", data)
		return
	}
	found, err := s.search.Lookup(r.Context(), number)
	if errs, ok := fieldErrors(v, err); ok {
		data.Problem = errs["number"]
		s.render(w, r, v, http.StatusBadRequest, "call", data)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.fillCaller(v, data, found)
	if s.phone != nil && found.Valid { // phone
		data.CanDial, data.Dialled = s.phone.CanOriginate(r.Context()), r.URL.Query().Get("dialled")
	}
	s.render(w, r, v, http.StatusOK, "call", data)
}

// fillCaller turns what the lookup found into the page's words.
func (s *Server) fillCaller(v *visit, data *callerPage, found *search.Caller) {
	data.Valid, data.Shown = found.Valid, phoneNumber(found.Number)
	if !found.Valid {
		data.Problem = v.p.T("web.call.not_a_number")
		return
	}
	for _, c := range found.Contacts {
		cv := callerView{Name: c.Name, Href: "/contacts/" + c.ID, Details: append(c.Emails, numbers(c.Phones)...)}
		for _, co := range c.Companies {
			cv.Links = append(cv.Links, callerView{Name: co.Name, Href: "/companies/" + co.ID})
		}
		data.Contacts = append(data.Contacts, cv)
	}
	for _, c := range found.Companies {
		data.Companies = append(data.Companies, callerView{Name: c.Name, Href: "/companies/" + c.ID,
			Details: append(c.Emails, numbers(c.Phones)...)})
	}
	for _, d := range found.Deals {
		data.Deals = append(data.Deals, callerView{Name: d.Title, Href: "/deals/" + d.ID,
			Details: []string{v.p.T("web.call.deal_since", "date", v.day(d.CreatedAt))}})
	}
	if a := found.LastActivity; a != nil {
		data.Last = &conversationView{Kind: v.activityKind(a.Kind), When: v.dateTime(a.At), Title: a.Title, Body: plainText(a.Body)}
		if view := viewOf(a.RecordType); view != nil {
			data.Last.Href = "/" + view.plural + "/" + a.RecordID
			data.Last.About = callerName(found, a.RecordType, a.RecordID)
		}
	}
	if len(data.Contacts) == 0 && len(data.Companies) == 0 {
		data.NewHref = "/contacts/new?phone=" + url.QueryEscape(found.Number)
	}
}

// callerName is the name of the contact or company the last activity
// is about, which the lookup found.
func callerName(found *search.Caller, object, id string) string {
	list := found.Contacts
	if object == "company" {
		list = found.Companies
	}
	for _, r := range list {
		if r.ID == id {
			return r.Name
		}
	}
	return ""
}

// activityKind names a kind of activity in the visit's language.
func (v *visit) activityKind(kind string) string {
	switch kind {
	case "note":
		return v.p.T("web.call.kind.note")
	case "call":
		return v.p.T("web.call.kind.call")
	case "meeting":
		return v.p.T("web.call.kind.meeting")
	case "task":
		return v.p.T("web.call.kind.task")
	}
	return kind
}

// tagless drops every tag of a long text, leaving a space in its place.
var tagless = bluemonday.StrictPolicy().AddSpaceWhenStrippingTag(true)

// plainText is the text of a note's rich text, for a line that previews
// it: the tags dropped, the entities read, the spaces collapsed. The
// template escapes it again.
func plainText(rich string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagless.Sanitize(rich))), " ")
}

// phoneNumber writes an E.164 number in the international format, and any
// other text as it is.
func phoneNumber(e164 string) string {
	if n, err := phonenumbers.Parse(e164, ""); err == nil && strings.HasPrefix(e164, "+") {
		return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	}
	return e164
}

func numbers(list []string) []string {
	out := make([]string, 0, len(list))
	for _, n := range list {
		out = append(out, phoneNumber(n))
	}
	return out
}

// prefilled is what a new record's form starts with from its address:
// the caller screen's "create contact" passes the unknown number as
// ?phone=. Other objects, and a form without it, start empty.
func prefilled(r *http.Request, plural string) records.Record {
	phone := strings.TrimSpace(r.URL.Query().Get("phone"))
	if phone == "" || (plural != "contacts" && plural != "companies") || len(phone) > 64 {
		return nil
	}
	return records.Record{"phones": []any{map[string]any{"value": phone}}}
}
