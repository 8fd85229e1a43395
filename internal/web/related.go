package web

import (
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// relatedSize is how many related records of one kind a record page
// shows; the rest are a link away, in the list filtered to them.
const relatedSize = 5

// relatedGroup is one kind of related records on a record page: a
// company's contacts, say. More is the filtered list of them all, when
// there are more than shown; Rest counts the ones not shown when there is
// no such list (a deal's contacts, which its own record holds).
type relatedGroup struct {
	ID    string
	Title string
	Items []relatedItem
	More  string
	Rest  int
}

type relatedItem struct {
	Name, Href, Meta string
}

// stageStay is one stay of a deal in a stage, as the page shows it.
type stageStay struct {
	Stage, Entered, Left string
}

// relatedSpec is how a record page finds one kind of related records:
// by a filter on the other object (its field holding this record's id),
// or from the record's own links.
type relatedSpec struct {
	plural string
	filter string // the other object's field that names this record
	links  string // this record's field that links to them
}

var relatedSpecs = map[string][]relatedSpec{
	"company": {{plural: "contacts", filter: "companies"}, {plural: "deals", filter: "company_id"}},
	"contact": {{plural: "companies", links: "companies"}, {plural: "deals", filter: "contacts"}},
	"deal":    {{plural: "contacts", links: "contacts"}},
}

// related reads the records related to rec, one query per kind whatever
// their number. A kind the user's role may not read is left out.
func (s *Server) related(r *http.Request, v *visit, view *objectView, rec records.Record) ([]relatedGroup, error) {
	var out []relatedGroup
	for _, spec := range relatedSpecs[view.object] {
		g, err := s.relatedGroup(r, v, spec, rec)
		if fault.Is(err, fault.EFORBIDDEN) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func (s *Server) relatedGroup(r *http.Request, v *visit, spec relatedSpec, rec records.Record) (relatedGroup, error) {
	other := views[spec.plural]
	id := str(rec["id"])
	g := relatedGroup{ID: "related-" + spec.plural, Title: v.p.T("object." + spec.plural + ".name")}
	q := records.Query{Limit: relatedSize + 1}
	if spec.filter != "" {
		q.Filter = &records.Filter{Field: spec.filter, Op: records.Eq, Value: id}
	} else {
		ids := linked(rec[spec.links])
		if len(ids) == 0 {
			return g, nil
		}
		if len(ids) > relatedSize {
			g.Rest, ids = len(ids)-relatedSize, ids[:relatedSize]
		}
		vals := make([]any, len(ids))
		for i, x := range ids {
			vals[i] = x
		}
		q.Filter, q.Limit = &records.Filter{Field: "id", Op: records.In, Value: vals}, len(ids)
	}
	page, err := s.engine.List(r.Context(), spec.plural, q)
	if err != nil {
		return g, err
	}
	for i, x := range page.Data {
		if i == relatedSize {
			g.More = "/" + spec.plural + "?" + url.Values{"f0": {spec.filter}, "o0": {"eq"}, "v0": {id}}.Encode()
			break
		}
		item := relatedItem{Name: str(x[other.name]), Href: "/" + spec.plural + "/" + str(x["id"])}
		if item.Name == "" {
			item.Name = v.p.T("web.record.unnamed")
		}
		if m, ok := x["value"].(map[string]any); ok && spec.plural == "deals" {
			item.Meta = v.p.Money(locale.Decimal(m["amount"], str(m["currency"])), str(m["currency"]))
		}
		g.Items = append(g.Items, item)
	}
	return g, nil
}

// stageStays is a deal's history of stages, the latest first.
func (s *Server) stageStays(r *http.Request, v *visit, deal string) ([]stageStay, error) {
	if s.sales == nil {
		return nil, nil
	}
	stays, err := s.sales.StageHistory(r.Context(), deal, maxStays)
	if err != nil {
		return nil, err
	}
	out := make([]stageStay, 0, len(stays))
	for _, st := range stays {
		stay := stageStay{Stage: st.StageName, Entered: v.p.DateTime(st.Entered, v.location())}
		if !st.Left.IsZero() {
			stay.Left = v.p.DateTime(st.Left, v.location())
		}
		out = append(out, stay)
	}
	return out, nil
}

// maxStays bounds the stays a deal's page lists: a deal that went back
// and forth more often than this has its whole story in the timeline.
const maxStays = 10
