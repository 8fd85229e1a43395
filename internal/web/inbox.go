package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// inboxPage is the inbox of incoming requests: the new ones (or the spam
// folder), longest waiting first, each with how long it has waited, what
// it matched, and the three ways to sort it. The list reloads itself
// when a notification of a new request reaches the page's stream.
type inboxPage struct {
	frame
	Status   string
	Tabs     []dupesTab
	Requests []inboxRow
	Stages   []inboxPipeline
	Next     string
	Done     string // what was just done, said once
	Problem  string // why the last action was refused
	Summary  []inboxSummaryRow
}

type inboxRow struct {
	ID, Name, Contact, Channel, Waited, Received, Message, Match, MatchHref, Company, Spam, UTM string
	Duplicate                                                                                   bool
}

type inboxPipeline struct {
	Name   string
	Stages []inboxStage
}

type inboxStage struct{ Value, Name string }

type inboxSummaryRow struct {
	Channel, Total, Accepted, Declined, Average string
}

func (s *Server) inboxChannel(v *visit, ch string) string {
	switch ch {
	case "web_form":
		return v.p.T("web.inbox.channel.web_form")
	case "phone_call":
		return v.p.T("web.inbox.channel.phone_call")
	case "chat":
		return v.p.T("web.inbox.channel.chat")
	case "email":
		return v.p.T("web.inbox.channel.email")
	}
	return v.p.T("web.inbox.channel.api")
}

// inboxWait says how long a request has waited, in minutes, hours or days.
func (s *Server) inboxWait(v *visit, d time.Duration) string {
	switch {
	case d < time.Hour:
		return v.p.N("web.inbox.waited.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return v.p.N("web.inbox.waited.hours", int(d/time.Hour))
	}
	return v.p.N("web.inbox.waited.days", int(d/(24*time.Hour)))
}

// inboxTook says how long sorting took, in minutes, hours or days.
func (s *Server) inboxTook(v *visit, d time.Duration) string {
	switch {
	case d < time.Hour:
		return v.p.N("web.inbox.took.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return v.p.N("web.inbox.took.hours", int(d/time.Hour))
	}
	return v.p.N("web.inbox.took.days", int(d/(24*time.Hour)))
}

func (s *Server) inboxList(w http.ResponseWriter, r *http.Request, v *visit) {
	s.inboxShow(w, r, v, http.StatusOK, "")
}

// inboxShow renders the page, or only its list for htmx's live reload.
func (s *Server) inboxShow(w http.ResponseWriter, r *http.Request, v *visit, status int, problem string) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	st := r.FormValue("status")
	if st != "spam" {
		st = "new"
	}
	page, err := s.inbox.List(r.Context(), inbox.Filter{Status: st, Cursor: r.FormValue("cursor"), Limit: 50})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &inboxPage{frame: frame{Nav: "inbox"}, Status: st, Problem: problem}
	for _, t := range []struct{ status, label string }{{"new", v.p.T("web.inbox.tab.new")}, {"spam", v.p.T("web.inbox.tab.spam")}} {
		data.Tabs = append(data.Tabs, dupesTab{Label: t.label, Href: "/inbox?status=" + t.status, Current: t.status == st})
	}
	switch r.FormValue("done") {
	case "accepted":
		data.Done = v.p.T("web.inbox.done.accepted")
	case "linked":
		data.Done = v.p.T("web.inbox.done.linked")
	case "declined":
		data.Done = v.p.T("web.inbox.done.declined")
	}
	names, err := s.inboxNames(r, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	now := time.Now()
	for _, q := range page.Data {
		row := inboxRow{ID: q.ID, Name: q.Name, Contact: strings.TrimSpace(q.Email + " " + q.Phone), Channel: s.inboxChannel(v, q.Channel),
			Waited: s.inboxWait(v, now.Sub(q.ReceivedAt)), Received: v.p.DateTime(q.ReceivedAt, v.location()), Message: q.Message,
			Company: q.CompanyName, Duplicate: q.LikelyDup}
		if row.Name == "" {
			row.Name = firstNonEmpty(q.Email, q.Phone, v.p.T("web.record.unnamed"))
		}
		if q.ContactID != "" {
			row.Match, row.MatchHref = firstNonEmpty(names[q.ContactID], v.p.T("web.record.unnamed")), "/contacts/"+q.ContactID
		}
		if q.SpamReason != "" {
			row.Spam = v.p.T("web.inbox.spam_reason", "reason", q.SpamReason)
		}
		var tags []string
		for _, t := range []string{q.UTM.Source, q.UTM.Medium, q.UTM.Campaign} {
			if t != "" {
				tags = append(tags, t)
			}
		}
		row.UTM = strings.Join(tags, " / ")
		data.Requests = append(data.Requests, row)
	}
	if page.NextCursor != "" {
		data.Next = "/inbox?status=" + st + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	if data.Stages, err = s.inboxStages(r); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if sum, err := s.inbox.Summary(r.Context(), now.AddDate(0, 0, -30), time.Time{}); err == nil {
		for _, c := range sum {
			if c.Total == 0 {
				continue
			}
			avg := "—"
			if c.Accepted+c.Linked+c.Declined > 0 {
				avg = s.inboxTook(v, time.Duration(c.AvgSortSeconds)*time.Second)
			}
			data.Summary = append(data.Summary, inboxSummaryRow{Channel: s.inboxChannel(v, c.Channel), Total: v.p.Number(float64(c.Total), 0),
				Accepted: v.p.Number(float64(c.Accepted+c.Linked), 0), Declined: v.p.Number(float64(c.Declined), 0), Average: avg})
		}
	}
	if r.Header.Get("HX-Request") == "true" && r.FormValue("part") == "list" {
		s.fragment(w, r, v, "inbox", "inbox_list", data)
		return
	}
	s.render(w, r, v, status, "inbox", data)
}

// inboxNames reads the names of the matched contacts the user may read.
func (s *Server) inboxNames(r *http.Request, reqs []inbox.Request) (map[string]string, error) {
	var ids []any
	for _, q := range reqs {
		if q.ContactID != "" {
			ids = append(ids, q.ContactID)
		}
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.engine.List(r.Context(), "contacts", records.Query{Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
	if fault.Is(err, fault.EFORBIDDEN) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, rec := range list.Data {
		out[str(rec["id"])] = str(rec["full_name"])
	}
	return out, nil
}

// inboxStages lists every stage by pipeline, for the accept choice.
func (s *Server) inboxStages(r *http.Request) ([]inboxPipeline, error) {
	pipes, err := s.engine.List(r.Context(), "pipelines", records.Query{Sort: []string{"position"}, Limit: records.MaxLimit})
	if err != nil {
		return nil, err
	}
	stages, err := s.engine.List(r.Context(), "stages", records.Query{Sort: []string{"position"}, Limit: records.MaxLimit})
	if err != nil {
		return nil, err
	}
	var out []inboxPipeline
	for _, p := range pipes.Data {
		ip := inboxPipeline{Name: str(p["name"])}
		for _, st := range stages.Data {
			if str(st["pipeline_id"]) == str(p["id"]) {
				ip.Stages = append(ip.Stages, inboxStage{Value: str(p["id"]) + ":" + str(st["id"]), Name: str(st["name"])})
			}
		}
		if len(ip.Stages) > 0 {
			out = append(out, ip)
		}
	}
	return out, nil
}

// inboxSort accepts, links or declines one request, then goes back to
// the list; a refusal shows the list again with why.
func (s *Server) inboxSort(action string) func(w http.ResponseWriter, r *http.Request, v *visit) {
	return func(w http.ResponseWriter, r *http.Request, v *visit) { s.inboxSortOne(w, r, v, action) }
}

func (s *Server) inboxSortOne(w http.ResponseWriter, r *http.Request, v *visit, action string) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	id := r.PathValue("id")
	var err error
	done := ""
	switch action {
	case "accept":
		pipeline, stage, _ := strings.Cut(r.PostFormValue("stage"), ":")
		_, err = s.inbox.Accept(r.Context(), id, inbox.Accept{PipelineID: pipeline, StageID: stage})
		done = "accepted"
	case "link":
		_, err = s.inbox.Link(r.Context(), id, strings.TrimSpace(r.PostFormValue("deal_id")))
		done = "linked"
	case "decline":
		_, err = s.inbox.Decline(r.Context(), id, r.PostFormValue("reason"))
		done = "declined"
	default:
		s.fail(w, r, v, errNotFound)
		return
	}
	if fe, ok := err.(*fault.Error); ok && (fe.Code == fault.EINVALID || fe.Code == fault.ECONFLICT) {
		msg := v.p.T("web.inbox.refused")
		if len(fe.Fields) > 0 {
			msg = v.p.FieldError(fe.Fields[0])
		}
		s.inboxShow(w, r, v, http.StatusBadRequest, msg)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/inbox?done="+done, http.StatusSeeOther)
}

// exampleInbox is the inbox with one request of each kind of detail, for
// the tests that render every page in every language.
func exampleInbox(p *locale.Printer) page {
	return &inboxPage{frame: frame{Nav: "inbox"}, Status: "new", Done: p.T("web.inbox.done.accepted"), Problem: p.T("web.inbox.refused"),
		Tabs: []dupesTab{{Label: p.T("web.inbox.tab.new"), Href: "/inbox?status=new", Current: true}, {Label: p.T("web.inbox.tab.spam"), Href: "/inbox?status=spam"}},
		Requests: []inboxRow{{ID: "1", Name: "Ada <b>", Contact: "ada@example.com +44 20 7946 0001", Channel: p.T("web.inbox.channel.web_form"),
			Waited: p.N("web.inbox.waited.minutes", 5), Received: "1 Dec 2026", Message: "Call <i>me</i>\nplease", Match: "Ada Lovelace",
			MatchHref: "/contacts/1", Company: "Engines <b>", Duplicate: true, UTM: "flyer / print", Spam: p.T("web.inbox.spam_reason", "reason", "too_fast")},
			{ID: "2", Name: "Charles", Channel: p.T("web.inbox.channel.phone_call"), Waited: p.N("web.inbox.waited.days", 2)}},
		Stages: []inboxPipeline{{Name: "New <b>", Stages: []inboxStage{{Value: "1:2", Name: "Lead"}}}}, Next: "/inbox?status=new&cursor=2",
		Summary: []inboxSummaryRow{{Channel: p.T("web.inbox.channel.web_form"), Total: "3", Accepted: "1", Declined: "1", Average: p.N("web.inbox.took.hours", 3)}}}
}
