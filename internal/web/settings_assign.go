package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/assign"
)

// assignPage shows the assignment rules in the order they are tried, each
// with buttons to move, edit or delete it; a form to add a rule or edit
// one; the fallback user; and the users' days off. Every form sends the
// version it was read at, so a change made meanwhile is refused, not lost.
type assignPage struct {
	frame
	Version  string
	Rules    []assignRow
	Form     assignForm
	Methods  []formOption
	Objects  []formOption
	Days     []formOption
	Teams    []formOption
	Users    []formOption // active users
	Fallback string
	DaysOff  []dayOffRow
	Off      dayOffRow // the form adding a day off
	Errors   map[string]string
	Notice   string
	Problem  string
	// Where the form's rule and day off sit in the list sent, to read the
	// service's errors (rules[2].team_id) as the form's fields; -1 for none.
	ruleErrorsAt, dayOffErrorsAt int
}

// formErrors places the service's field errors under the form's fields;
// an error about another rule or day off (one saved before its team was
// deleted, say) goes into the banner.
func (p *assignPage) formErrors(errs map[string]string) {
	p.Errors = map[string]string{}
	var other []string
	rule, off := "rules["+strconv.Itoa(p.ruleErrorsAt)+"].", "days_off["+strconv.Itoa(p.dayOffErrorsAt)+"]."
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		switch {
		case strings.HasPrefix(k, rule):
			p.Errors[strings.TrimPrefix(k, rule)] = errs[k]
		case strings.HasPrefix(k, off):
			p.Errors["off_"+strings.TrimPrefix(k, off)] = errs[k]
		case k == "fallback_user_id":
			p.Errors[k] = errs[k]
		default:
			other = append(other, k+": "+errs[k])
		}
	}
	p.Problem = strings.Join(other, "; ")
}

// assignRow is one rule as the list shows it.
type assignRow struct {
	N                               int // its place in the order, from 1
	ID, Name, When, Who, Hours, Cap string
	First, Last                     bool
}

// assignForm is the rule being added or edited, as the form shows it.
type assignForm struct {
	ID, Name, Sources, Territories, Languages, Method, TeamID, UserID, From, To, Cap string
	Objects, Days                                                                    map[string]bool
}

// dayOffRow is one span of days off.
type dayOffRow struct {
	Index                  int
	UserID, User, From, To string
}

func (s *Server) assignments() *assign.Service {
	return assign.New(s.db, assign.Options{Logger: s.log})
}

func methodLabel(v *visit, m string) string {
	switch m {
	case assign.RoundRobin:
		return v.p.T("web.assign.method.round_robin")
	case assign.LeastOpenDeals:
		return v.p.T("web.assign.method.least_open_deals")
	case assign.OneUser:
		return v.p.T("web.assign.method.user")
	}
	return m
}

func assignObjectLabel(v *visit, o string) string {
	switch o {
	case "inbox":
		return v.p.T("web.assign.object.inbox")
	case "deal":
		return v.p.T("web.assign.object.deal")
	case "contact":
		return v.p.T("web.assign.object.contact")
	}
	return o
}

func dayLabel(v *visit, d string) string {
	switch d {
	case "mon":
		return v.p.T("web.assign.day.mon")
	case "tue":
		return v.p.T("web.assign.day.tue")
	case "wed":
		return v.p.T("web.assign.day.wed")
	case "thu":
		return v.p.T("web.assign.day.thu")
	case "fri":
		return v.p.T("web.assign.day.fri")
	case "sat":
		return v.p.T("web.assign.day.sat")
	case "sun":
		return v.p.T("web.assign.day.sun")
	}
	return d
}

// assignData builds the page around settings st.
func (s *Server) assignData(r *http.Request, v *visit, st assign.Settings) (*assignPage, error) {
	teams, err := s.accounts.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	data := &assignPage{frame: frame{Nav: "settings"}, Version: strconv.FormatInt(st.Version, 10), Fallback: st.FallbackUserID,
		ruleErrorsAt: -1, dayOffErrorsAt: -1,
		Form: assignForm{Method: assign.RoundRobin, Objects: map[string]bool{}, Days: map[string]bool{}}}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
		if u.Status == account.StatusActive {
			data.Users = append(data.Users, formOption{Value: u.ID, Label: u.Name})
		}
	}
	teamNames := map[string]string{}
	for _, t := range teams {
		teamNames[t.ID] = t.Name
		data.Teams = append(data.Teams, formOption{Value: t.ID, Label: t.Name})
	}
	for _, m := range assign.Methods {
		data.Methods = append(data.Methods, formOption{Value: m, Label: methodLabel(v, m)})
	}
	for _, o := range assign.Objects {
		data.Objects = append(data.Objects, formOption{Value: o, Label: assignObjectLabel(v, o)})
	}
	for _, d := range assign.Days {
		data.Days = append(data.Days, formOption{Value: d, Label: dayLabel(v, d)})
	}
	for i, rule := range st.Rules {
		row := ruleRow(v, rule, teamNames, names, i == 0, i == len(st.Rules)-1)
		row.N = i + 1
		data.Rules = append(data.Rules, row)
	}
	for i, d := range st.DaysOff {
		data.DaysOff = append(data.DaysOff, dayOffRow{Index: i, UserID: d.UserID, User: names[d.UserID], From: d.From, To: d.To})
	}
	return data, nil
}

// ruleRow words a rule for the list: its conditions, who it gives to, and
// when.
func ruleRow(v *visit, r assign.Rule, teams, users map[string]string, first, last bool) assignRow {
	row := assignRow{ID: r.ID, Name: r.Name, First: first, Last: last}
	var when []string
	if len(r.Objects) > 0 {
		labels := make([]string, len(r.Objects))
		for i, o := range r.Objects {
			labels[i] = assignObjectLabel(v, o)
		}
		when = append(when, strings.Join(labels, ", "))
	}
	for _, c := range []struct {
		key  string
		vals []string
	}{{"web.assign.when.sources", r.Sources}, {"web.assign.when.territories", r.Territories}, {"web.assign.when.languages", r.Languages}} {
		if len(c.vals) > 0 {
			when = append(when, conditionText(v, c.key, strings.Join(c.vals, ", ")))
		}
	}
	if len(when) == 0 {
		when = append(when, v.p.T("web.assign.when.any"))
	}
	row.When = strings.Join(when, "; ")
	if r.Method == assign.OneUser {
		row.Who = users[r.UserID]
	} else {
		row.Who = methodLabel(v, r.Method) + ": " + teams[r.TeamID]
	}
	if r.Hours != nil {
		days := make([]string, len(r.Hours.Days))
		for i, d := range r.Hours.Days {
			days[i] = dayLabel(v, d)
		}
		row.Hours = strings.Join(days, ", ") + " " + r.Hours.From + "–" + r.Hours.To
	}
	if r.Cap > 0 {
		row.Cap = strconv.Itoa(r.Cap)
	}
	return row
}

// conditionText words one condition; the keys are literal for the
// catalogue's check.
func conditionText(v *visit, key, vals string) string {
	switch key {
	case "web.assign.when.sources":
		return v.p.T("web.assign.when.sources", "values", vals)
	case "web.assign.when.territories":
		return v.p.T("web.assign.when.territories", "values", vals)
	}
	return v.p.T("web.assign.when.languages", "values", vals)
}

// formOf fills the form with rule r, for editing.
func formOf(r assign.Rule) assignForm {
	f := assignForm{ID: r.ID, Name: r.Name, Sources: strings.Join(r.Sources, ", "), Territories: strings.Join(r.Territories, ", "),
		Languages: strings.Join(r.Languages, ", "), Method: r.Method, TeamID: r.TeamID, UserID: r.UserID,
		Objects: map[string]bool{}, Days: map[string]bool{}}
	for _, o := range r.Objects {
		f.Objects[o] = true
	}
	if r.Hours != nil {
		f.From, f.To = r.Hours.From, r.Hours.To
		for _, d := range r.Hours.Days {
			f.Days[d] = true
		}
	}
	if r.Cap > 0 {
		f.Cap = strconv.Itoa(r.Cap)
	}
	return f
}

func (s *Server) assignList(w http.ResponseWriter, r *http.Request, v *visit) {
	st, err := s.assignments().Get(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data, err := s.assignData(r, v, st)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if id := r.URL.Query().Get("edit"); id != "" {
		i := slices.IndexFunc(st.Rules, func(x assign.Rule) bool { return x.ID == id })
		if i < 0 {
			s.fail(w, r, v, errNotFound)
			return
		}
		data.Form = formOf(st.Rules[i])
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_assign", data)
}

// changeAssignments reads the settings at the version the form was read
// at, lets change alter them, and saves them: on a refusal the page comes
// back with the errors, under the form that was sent.
func (s *Server) changeAssignments(w http.ResponseWriter, r *http.Request, v *visit, change func(st *assign.Settings, data *assignPage) bool) {
	r.ParseForm()
	svc := s.assignments()
	st, err := svc.Get(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	cur := st
	cur.Rules, cur.DaysOff = slices.Clone(st.Rules), slices.Clone(st.DaysOff)
	// A form names the version it was read at (0 before the first save);
	// one without is refused as stale.
	if st.Version, err = strconv.ParseInt(r.PostFormValue("version"), 10, 64); err != nil {
		st.Version = -1
	}
	data, err := s.assignData(r, v, cur)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if !change(&st, data) {
		s.fail(w, r, v, errNotFound)
		return
	}
	_, err = svc.Put(r.Context(), st)
	if err == nil {
		doneAt(w, r, "/settings/assignment", "saved")
		return
	}
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 {
		data.formErrors(errs)
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_assign", data)
}

// saveRule adds the rule of the form, or replaces the one it names.
func (s *Server) saveRule(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeAssignments(w, r, v, func(st *assign.Settings, data *assignPage) bool {
		f := r.PostForm
		rule := assign.Rule{ID: f.Get("id"), Name: f.Get("name"), Objects: f["objects"], Sources: splitList(f.Get("sources")),
			Territories: splitList(f.Get("territories")), Languages: splitList(f.Get("languages")), Method: f.Get("method")}
		if rule.Method == assign.OneUser {
			rule.UserID = f.Get("user_id")
		} else {
			rule.TeamID = f.Get("team_id")
		}
		if days := f["days"]; len(days) > 0 || f.Get("from") != "" || f.Get("to") != "" {
			rule.Hours = &assign.Hours{Days: days, From: f.Get("from"), To: f.Get("to")}
		}
		if c := strings.TrimSpace(f.Get("cap")); c != "" {
			n, err := strconv.Atoi(c)
			if err != nil {
				n = -1 // refused by the service as out of range, naming the field
			}
			rule.Cap = n
		}
		data.Form = formOf(rule)
		data.Form.Cap = f.Get("cap")
		i := slices.IndexFunc(st.Rules, func(x assign.Rule) bool { return x.ID == rule.ID })
		switch {
		case rule.ID == "":
			i = len(st.Rules)
			st.Rules = append(st.Rules, rule)
		case i < 0:
			return false
		default:
			st.Rules[i] = rule
		}
		data.ruleErrorsAt = i
		return true
	})
}

// moveRule moves a rule up or down the order, or deletes it.
func (s *Server) moveRule(action string) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		s.changeAssignments(w, r, v, func(st *assign.Settings, _ *assignPage) bool {
			i := slices.IndexFunc(st.Rules, func(x assign.Rule) bool { return x.ID == r.PathValue("id") })
			switch {
			case i < 0:
				return false
			case action == "up" && i > 0:
				st.Rules[i-1], st.Rules[i] = st.Rules[i], st.Rules[i-1]
			case action == "down" && i < len(st.Rules)-1:
				st.Rules[i+1], st.Rules[i] = st.Rules[i], st.Rules[i+1]
			case action == "delete":
				st.Rules = slices.Delete(st.Rules, i, i+1)
			}
			return true
		})
	}
}

// saveFallback sets the fallback user.
func (s *Server) saveFallback(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeAssignments(w, r, v, func(st *assign.Settings, data *assignPage) bool {
		st.FallbackUserID = r.PostFormValue("fallback_user_id")
		data.Fallback = st.FallbackUserID
		return true
	})
}

// addDayOff adds a span of days off.
func (s *Server) addDayOff(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeAssignments(w, r, v, func(st *assign.Settings, data *assignPage) bool {
		d := assign.DayOff{UserID: r.PostFormValue("user_id"), From: r.PostFormValue("from"), To: r.PostFormValue("to")}
		data.Off = dayOffRow{UserID: d.UserID, From: d.From, To: d.To}
		data.dayOffErrorsAt = len(st.DaysOff)
		st.DaysOff = append(st.DaysOff, d)
		return true
	})
}

// deleteDayOff removes the span of days off at the index in the path.
func (s *Server) deleteDayOff(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeAssignments(w, r, v, func(st *assign.Settings, _ *assignPage) bool {
		i, err := strconv.Atoi(r.PathValue("index"))
		if err != nil || i < 0 || i >= len(st.DaysOff) {
			return false
		}
		st.DaysOff = slices.Delete(st.DaysOff, i, i+1)
		return true
	})
}
