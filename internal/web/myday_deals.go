package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// dealGroup is a titled list of the user's open deals that need a look
// on My day: those without a next task, and those idle in their stage.
type dealGroup struct {
	ID    string
	Title string
	Text  string // what the list is, in a sentence
	Deals []dealLine
	More  string // the page of the rest, "" when there is none
}

// dealLine is one deal of a dealGroup.
type dealLine struct {
	ID    string
	Title string
	Stage string
	Value string
	Since string // when it entered its stage
}

// myDayDealsPage is the whole of one of My day's deal lists, a page at a
// time: the "more" of My day.
type myDayDealsPage struct {
	frame
	Group dealGroup
}

// Sizes of the deal lists: a few on My day, a page on their own page.
const (
	dealsOnMyDay = 5
	dealsPerPage = 50
)

// The deal lists of My day, by the name in their address.
const (
	dealsWithoutTask = "without-task"
	dealsIdle        = "idle"
)

// dealGroups are My day's deal lists, a list the user may not read
// left out.
func (s *Server) dealGroups(r *http.Request, v *visit) ([]dealGroup, error) {
	if s.sales == nil {
		return nil, nil
	}
	var out []dealGroup
	for _, list := range []string{dealsWithoutTask, dealsIdle} {
		g, err := s.dealGroup(r, v, list, dealsOnMyDay, "")
		if err != nil {
			return nil, err
		}
		if len(g.Deals) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// dealGroup reads one page of one of My day's deal lists: the user's own
// deals, through the sales service and the engine, so scopes and hidden
// fields apply. A role that may not read deals, or hides their owner,
// has an empty list.
func (s *Server) dealGroup(r *http.Request, v *visit, list string, limit int, cursor string) (dealGroup, error) {
	g := dealGroup{ID: "deals-" + list}
	var page records.Page
	var err error
	switch list {
	case dealsWithoutTask:
		g.Title, g.Text = v.p.T("web.myday.without_task"), v.p.T("web.myday.without_task_text")
		page, err = s.sales.WithoutTask(r.Context(), v.user.ID, limit, cursor)
	case dealsIdle:
		g.Title, g.Text = v.p.T("web.myday.idle"), v.p.T("web.myday.idle_text")
		page, err = s.sales.Rotting(r.Context(), records.Query{Limit: limit, Cursor: cursor, Bare: true,
			Filter: &records.Filter{Field: "owner_id", Op: records.Eq, Value: v.user.ID}})
	default:
		return g, errNotFound
	}
	switch fault.Code(err) {
	case "":
	case fault.EFORBIDDEN:
		return g, nil
	case fault.EINVALID:
		if cursor != "" {
			return g, errNotFound // a hand-made cursor
		}
		return g, nil // the owner is hidden from the role
	default:
		return g, err
	}
	if g.Deals, err = s.dealLines(r, v, page.Data); err != nil {
		return g, err
	}
	if page.NextCursor != "" {
		g.More = "/myday/deals?list=" + list + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	return g, nil
}

// dealLines are deals as My day shows them, their stages named in one
// query for all.
func (s *Server) dealLines(r *http.Request, v *visit, deals []records.Record) ([]dealLine, error) {
	if len(deals) == 0 {
		return nil, nil
	}
	fields, err := s.engine.Fields(r.Context(), "deals")
	if err != nil {
		return nil, err
	}
	byName := fieldsByName(fields)
	n, err := s.namesOf(r, byName, []string{"stage_id"}, deals)
	if err != nil {
		return nil, err
	}
	text := func(name string, rec records.Record) string {
		if f := byName[name]; f != nil {
			return strings.Join(v.field(f, rec, n), ", ")
		}
		return ""
	}
	out := make([]dealLine, 0, len(deals))
	for _, rec := range deals {
		line := dealLine{ID: str(rec["id"]), Title: str(rec["title"]), Stage: text("stage_id", rec), Value: text("value", rec)}
		if at := str(rec["stage_entered_at"]); at != "" {
			line.Since = v.p.T("web.myday.in_stage_since", "date", v.day(at))
		}
		out = append(out, line)
	}
	return out, nil
}

// myDayDeals is the page of one of My day's deal lists.
func (s *Server) myDayDeals(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	q := r.URL.Query()
	g, err := s.dealGroup(r, v, q.Get("list"), dealsPerPage, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "myday_deals", &myDayDealsPage{frame: frame{Nav: "myday"}, Group: g})
}
