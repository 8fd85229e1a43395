package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/records"
)

// recordPage shows one record: its fields in groups and the records
// related to it on the left, and for contacts, companies and deals the
// composer and the timeline on the right.
type recordPage struct {
	frame
	Plural  string
	List    string // the name of the list the record belongs to
	Name    string
	Groups  []fieldGroup
	Created string
	Updated string

	// Follow is where the follow button posts, "" without one; Following
	// says whether the user follows the record.
	Follow    string
	Following bool
	Related   []relatedGroup
	Stages    []stageStay // a deal's stays in its stages, newest first
	Composer  *composer
	Timeline  *timelineView
	// Mentions are the mention picker's options, in its fragment.
	Mentions []mentionOption
}

// fieldGroup is a titled group of fields on a record page.
type fieldGroup struct {
	Title  string
	Fields []shownField
}

// shownField is one field with its values as text.
type shownField struct {
	Label  string
	Values []string
}

// Editable reports whether the page offers a form to edit the record.
func (p *recordPage) Editable() bool {
	view := views[p.Plural]
	return view != nil && view.editable()
}

func (s *Server) record(w http.ResponseWriter, r *http.Request, v *visit) {
	view := views[r.PathValue("object")]
	if view == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	s.showRecord(w, r, v, view, r.PathValue("id"), nil, http.StatusOK)
}

// showRecord answers the page of a record, with c as its composer (nil
// for an empty one).
func (s *Server) showRecord(w http.ResponseWriter, r *http.Request, v *visit, view *objectView, id string, c *composer, status int) {
	ctx := r.Context()
	rec, err := s.engine.Get(ctx, view.plural, id, false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	fields, err := s.engine.Fields(ctx, view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byName := fieldsByName(fields)
	var shown []string
	for _, g := range view.groups {
		shown = append(shown, g.fields...)
	}
	n, err := s.namesOf(r, byName, shown, []records.Record{rec})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &recordPage{frame: frame{Nav: view.plural}, Plural: view.plural, List: v.p.T("object." + view.plural + ".name"),
		Name: str(rec[view.name]), Created: v.dateTime(str(rec["created_at"])), Updated: v.dateTime(str(rec["updated_at"]))}
	for _, g := range view.groups {
		group := fieldGroup{Title: g.title(v.p)}
		for _, name := range g.fields {
			// A field the user's role hides is not among the fields.
			if f := byName[name]; f != nil {
				group.Fields = append(group.Fields, shownField{Label: fieldLabel(v.p, name), Values: v.field(f, rec, n)})
			}
		}
		data.Groups = append(data.Groups, group)
	}
	custom := fieldGroup{Title: v.p.T("web.group.custom")}
	for _, f := range fields {
		if f.Custom {
			custom.Fields = append(custom.Fields, shownField{Label: f.Label, Values: v.show(f, rec[f.Name], n)})
		}
	}
	if len(custom.Fields) > 0 {
		data.Groups = append(data.Groups, custom)
	}
	if err := s.aroundFields(r, v, view, rec, data, c); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, status, "record", data)
}

// aroundFields fills in what a record page shows beside its fields: whether
// the user follows it, the records related to it, a deal's stages, and
// the composer and the timeline.
func (s *Server) aroundFields(r *http.Request, v *visit, view *objectView, rec records.Record, data *recordPage, c *composer) error {
	id := str(rec["id"])
	here := "/" + view.plural + "/" + id
	var err error
	if data.Related, err = s.related(r, v, view, rec); err != nil {
		return err
	}
	if view.object == "deal" {
		if data.Stages, err = s.stageStays(r, v, id); err != nil {
			return err
		}
	}
	if s.activity == nil {
		return nil
	}
	data.Follow = here + "/follow"
	if data.Following, err = s.activity.Following(r.Context(), view.object, id); err != nil {
		return err
	}
	if !s.hasTimeline(view) {
		return nil
	}
	if c == nil {
		if c, err = s.newComposer(r, v, here+"/timeline", r.URL.Query().Get("compose")); err != nil {
			return err
		}
	}
	data.Composer = c
	tl, err := s.timeline(r, v, view, id, "")
	data.Timeline = &tl
	return err
}
