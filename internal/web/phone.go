package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/phone"
)

// phonePage is the phone integrations in settings: each connected phone
// system with its extensions, and a form to connect another. A new or
// replaced token is shown once, on the page that made it.
type phonePage struct {
	frame
	Integrations []phoneRow
	Endpoint     string // where a phone system posts its call events
	Token        string // a token just made, shown once
	TokenFor     string
	Typed        map[string]string
	Problems     []string
}

type phoneRow struct {
	ID, Name, OriginateURL string
	Extensions             []string // "101 → Ada Lovelace"
}

func (s *Server) phoneList(w http.ResponseWriter, r *http.Request, v *visit) {
	s.phoneShow(w, r, v, http.StatusOK, &phonePage{})
}

func (s *Server) phoneShow(w http.ResponseWriter, r *http.Request, v *visit, status int, data *phonePage) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	list, err := s.phone.List(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = firstNonEmpty(u.Name, u.Email)
	}
	data.frame = frame{Nav: "settings"}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	data.Endpoint = base + "/api/v1/calls/events"
	for _, i := range list {
		row := phoneRow{ID: i.ID, Name: i.Name, OriginateURL: i.OriginateURL}
		for _, ext := range sortedExtensions(i.Extensions) {
			row.Extensions = append(row.Extensions, ext+" → "+names[i.Extensions[ext]])
		}
		for _, g := range sortedExtensions(i.RingGroups) {
			var members []string
			for _, u := range i.RingGroups[g] {
				members = append(members, names[u])
			}
			row.Extensions = append(row.Extensions, g+" → "+strings.Join(members, ", "))
		}
		data.Integrations = append(data.Integrations, row)
	}
	if data.Typed == nil {
		data.Typed = map[string]string{}
	}
	s.render(w, r, v, status, "settings_phone", data)
}

func sortedExtensions[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// phoneCreate connects a phone system. Extensions are typed one a line,
// "101 ada@example.com"; ring groups "600 ada@example.com bob@example.com".
func (s *Server) phoneCreate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	typed := map[string]string{}
	for k := range r.PostForm {
		typed[k] = r.PostFormValue(k)
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byEmail := map[string]string{}
	for _, u := range users {
		byEmail[strings.ToLower(u.Email)] = u.ID
	}
	var problems []string
	in := phone.Input{Name: typed["name"], OriginateURL: typed["originate_url"], Extensions: map[string]string{},
		RingGroups: map[string][]string{}, OriginateAllowPrivate: strings.Fields(typed["originate_allow_private"])}
	unknown := func(field, email string) {
		problems = append(problems, field+": "+email+": "+v.p.FieldError(fault.FieldError{Code: "unknown"}))
	}
	for _, line := range strings.Split(typed["extensions"], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			problems = append(problems, "extensions: "+line+": "+v.p.FieldError(fault.FieldError{Code: "format"}))
			continue
		}
		if id, ok := byEmail[strings.ToLower(f[1])]; ok {
			in.Extensions[f[0]] = id
		} else {
			unknown("extensions", f[1])
		}
	}
	for _, line := range strings.Split(typed["ring_groups"], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			problems = append(problems, "ring_groups: "+line+": "+v.p.FieldError(fault.FieldError{Code: "format"}))
			continue
		}
		for _, email := range f[1:] {
			if id, ok := byEmail[strings.ToLower(email)]; ok {
				in.RingGroups[f[0]] = append(in.RingGroups[f[0]], id)
			} else {
				unknown("ring_groups", email)
			}
		}
	}
	var made phone.Integration
	if len(problems) == 0 {
		made, err = s.phone.Create(r.Context(), in)
		if fe, ok := err.(*fault.Error); ok && fe.Code == fault.EINVALID {
			for _, f := range fe.Fields {
				problems = append(problems, f.Field+": "+v.p.FieldError(f))
			}
		} else if err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	if len(problems) > 0 {
		s.phoneShow(w, r, v, http.StatusBadRequest, &phonePage{Typed: typed, Problems: problems})
		return
	}
	s.phoneShow(w, r, v, http.StatusCreated, &phonePage{Token: made.Token, TokenFor: made.Name})
}

func (s *Server) phoneRotate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	i, err := s.phone.Rotate(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.phoneShow(w, r, v, http.StatusOK, &phonePage{Token: i.Token, TokenFor: i.Name})
}

func (s *Server) phoneDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.phone.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/settings/phone", http.StatusSeeOther)
}

// examplePhone is the settings page with one integration, a token just
// made and a refused one, for the tests that render every page.
func examplePhone(p *locale.Printer) page {
	return &phonePage{frame: frame{Nav: "settings"}, Endpoint: "https://crm.example.com/api/v1/calls/events",
		Token: "rpt_0123", TokenFor: "Office <b>PBX", Typed: map[string]string{"name": "Cloud <b>"},
		Problems:     []string{"extensions: " + p.FieldError(fault.FieldError{Code: "unknown"})},
		Integrations: []phoneRow{{ID: "1", Name: "Office <b>PBX", OriginateURL: "https://pbx.example.com/originate", Extensions: []string{"101 → Ada <b>"}}}}
}

// callsPage is the calls report: per user and day, inbound and outbound,
// answered and missed, and the talk time.
type callsPage struct {
	frame
	From, To string
	Rows     []callsRow
	Problem  string
}

type callsRow struct {
	Day, User                                 string
	Inbound, Outbound, Answered, Missed, Talk string
}

func (s *Server) callsReport(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	now := time.Now().In(v.location())
	data := &callsPage{frame: frame{Nav: "reports"}, From: now.AddDate(0, 0, -6).Format(time.DateOnly), To: now.Format(time.DateOnly)}
	q := r.URL.Query()
	if f := q.Get("from"); f != "" {
		data.From = f
	}
	if t := q.Get("to"); t != "" {
		data.To = t
	}
	from, err1 := time.Parse(time.DateOnly, data.From)
	to, err2 := time.Parse(time.DateOnly, data.To)
	if err1 != nil || err2 != nil {
		data.Problem = v.p.FieldError(fault.FieldError{Code: "format"})
		s.render(w, r, v, http.StatusBadRequest, "reports_calls", data)
		return
	}
	rows, err := s.phone.Report(r.Context(), from, to)
	if errs, ok := fieldErrors(v, err); ok {
		data.Problem = errs["to"]
		s.render(w, r, v, http.StatusBadRequest, "reports_calls", data)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, row := range rows {
		data.Rows = append(data.Rows, callsRow{Day: v.date(row.Day), User: firstNonEmpty(row.UserName, "—"),
			Inbound: v.p.Number(float64(row.Inbound), 0), Outbound: v.p.Number(float64(row.Outbound), 0), Answered: v.p.Number(float64(row.Answered), 0), Missed: v.p.Number(float64(row.Missed), 0),
			Talk: talkTime(row.TalkSeconds)})
	}
	s.render(w, r, v, http.StatusOK, "reports_calls", data)
}

// talkTime shows seconds as h:mm:ss.
func talkTime(sec int64) string {
	return strconv.FormatInt(sec/3600, 10) + ":" + two(sec/60%60) + ":" + two(sec%60)
}

func two(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func exampleCalls(p *locale.Printer) page {
	return &callsPage{frame: frame{Nav: "reports"}, From: "2026-12-01", To: "2026-12-07",
		Rows: []callsRow{{Day: "2026-12-07", User: "Ada <b>", Inbound: "3", Outbound: "2", Answered: "4", Missed: "1", Talk: "0:12:30"}}}
}

// originate asks the phone system to ring the user's extension and then
// dial the number; the caller screen's button posts here.
func (s *Server) originate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.phone == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	number := r.PostFormValue("number")
	_, err := s.phone.Originate(r.Context(), phone.Originate{Number: number})
	back := "/call?number=" + url.QueryEscape(number)
	if err != nil {
		http.Redirect(w, r, back+"&dialled=0", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, back+"&dialled=1", http.StatusSeeOther)
}
