package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// bulkForm is what can be done at once to the rows a user selects: the
// actions the object's fields allow the user. Each record is still its
// own write through the engine, which may refuse any of them.
type bulkForm struct {
	Action string // where the form posts
	Back   string // the list's parameters, to draw it again after
	Owners []formOption
	Tags   bool
	Stages []formOption // deals only
}

// bulkResult says what a bulk action did: how many records it changed,
// and each it did not change, with why.
type bulkResult struct {
	Done    string
	Refused []refusal
	Problem string // the action could not start: nothing selected, no owner chosen
}

type refusal struct {
	Name, Why string
}

// maxBulk bounds the records one bulk action changes: a page and a
// half of scrolling, about, and the engine's largest page.
const maxBulk = records.MaxLimit

// bulkForm lays out the actions the user's fields allow.
func (s *Server) bulkForm(r *http.Request, v *visit, st *listState) (bulkForm, error) {
	b := bulkForm{Action: "/" + st.view.plural + "/bulk", Back: st.q.values(true).Encode()}
	if f := st.fields["owner_id"]; f != nil && !f.ReadOnly {
		b.Owners = st.users
	}
	if f := st.fields["tags"]; f != nil && !f.ReadOnly {
		b.Tags = true
	}
	if f := st.fields["stage_id"]; f != nil && !f.ReadOnly && st.view.plural == "deals" {
		stages, err := s.stageChoices(r)
		if err != nil {
			return b, err
		}
		b.Stages = stages
	}
	return b, nil
}

// stageChoices are the stages of every pipeline, each named with its
// pipeline, in two queries whatever their number.
func (s *Server) stageChoices(r *http.Request) ([]formOption, error) {
	pipes, err := s.engine.List(r.Context(), "pipelines", records.Query{Limit: records.MaxLimit})
	if err != nil {
		return nil, err
	}
	stages, err := s.engine.List(r.Context(), "stages", records.Query{Limit: records.MaxLimit, Sort: []string{"position"}})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range pipes.Data {
		names[str(p["id"])] = str(p["name"])
	}
	var out []formOption
	for _, st := range stages.Data {
		out = append(out, formOption{Value: str(st["id"]), Label: names[str(st["pipeline_id"])] + " · " + str(st["name"])})
	}
	slices.SortStableFunc(out, func(a, b formOption) int {
		return strings.Compare(strings.SplitN(a.Label, " · ", 2)[0], strings.SplitN(b.Label, " · ", 2)[0])
	})
	return out, nil
}

// directory is the workspace's active users, for the owner pickers.
func (s *Server) directory(r *http.Request) ([]formOption, error) {
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Status: "active"})
	if err != nil {
		return nil, err
	}
	out := make([]formOption, 0, len(users))
	for _, u := range users {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		out = append(out, formOption{Value: u.ID, Label: name})
	}
	return out, nil
}

// bulk applies one action to the selected records, one engine write
// each, and draws the list again with what was done and what was refused.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, v *visit) {
	params, _ := url.ParseQuery(r.PostFormValue("back"))
	st, err := s.listState(r, parseListQuery(params))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ids := r.PostForm["pick"]
	if len(ids) > maxBulk {
		ids = ids[:maxBulk]
	}
	act := bulkAction{s: s, r: r, v: v, plural: st.view.plural, name: st.view.name, kind: r.PostFormValue("action"),
		owner: r.PostFormValue("owner"), tag: strings.TrimSpace(r.PostFormValue("tag")), stage: r.PostFormValue("stage")}
	result := &bulkResult{}
	if problem := act.check(len(ids)); problem != "" {
		result.Problem = problem
		s.showList(w, r, v, st, result)
		return
	}
	done := 0
	for _, id := range ids {
		name, err := act.apply(id)
		if err != nil {
			result.Refused = append(result.Refused, refusal{Name: name, Why: s.why(r, v, st.fields, err)})
			continue
		}
		done++
	}
	result.Done = v.p.N("web.lists.bulk.done", done)
	s.showList(w, r, v, st, result)
}

// bulkAction is one action on selected records.
type bulkAction struct {
	s                 *Server
	r                 *http.Request
	v                 *visit
	plural, name      string
	kind              string // owner, tag, stage, delete
	owner, tag, stage string
}

// check says what keeps the action from starting, "" when nothing does.
func (a bulkAction) check(n int) string {
	p := a.v.p
	switch {
	case n == 0:
		return p.T("web.lists.bulk.none")
	case a.kind == "owner" && a.owner == "", a.kind == "tag" && a.tag == "", a.kind == "stage" && a.stage == "":
		return p.T("web.lists.bulk.missing")
	case a.kind != "owner" && a.kind != "tag" && a.kind != "stage" && a.kind != "delete":
		return p.T("web.lists.bulk.missing")
	}
	return ""
}

// apply changes one record at the version it is at now, and returns its
// name for the result. A record the user may not read is named by its
// number only, so that the result gives nothing of it away.
func (a bulkAction) apply(id string) (string, error) {
	ctx := a.r.Context()
	rec, err := a.s.engine.Get(ctx, a.plural, id, false)
	if err != nil {
		return a.v.p.T("web.lists.bulk.record", "id", id), err
	}
	name := str(rec[a.name])
	if name == "" {
		name = a.v.p.T("web.record.unnamed")
	}
	version := versionOf(rec)
	switch a.kind {
	case "delete":
		return name, a.s.engine.Delete(ctx, a.plural, id, version)
	case "owner":
		_, err = a.s.engine.Update(ctx, a.plural, id, version, map[string]any{"owner_id": a.owner})
	case "stage":
		_, err = a.s.engine.Update(ctx, a.plural, id, version, map[string]any{"stage_id": a.stage})
	case "tag":
		tags := values(rec["tags"])
		if slices.Contains(tags, a.tag) {
			return name, nil
		}
		list := make([]any, 0, len(tags)+1)
		for _, t := range append(tags, a.tag) {
			list = append(list, t)
		}
		_, err = a.s.engine.Update(ctx, a.plural, id, version, map[string]any{"tags": list})
	}
	return name, err
}

// why says in the user's words why the engine refused a write.
func (s *Server) why(r *http.Request, v *visit, fields map[string]*records.Field, err error) string {
	if errs, ok := fieldErrorsOf(err); ok {
		var out []string
		for _, e := range errs {
			base, _, _ := strings.Cut(e.Field, "[")
			if fields[base] != nil {
				out = append(out, label(v.p, fields, base)+": "+v.p.FieldError(e))
			} else {
				out = append(out, v.p.FieldError(e))
			}
		}
		return strings.Join(out, " ")
	}
	switch fault.Code(err) {
	case fault.EFORBIDDEN:
		return v.p.T("web.lists.bulk.forbidden")
	case fault.ENOTFOUND:
		return v.p.T("web.lists.bulk.not_found")
	case fault.ECONFLICT:
		return v.p.T("web.lists.bulk.conflict")
	}
	s.logger(r).Error("bulk action failed", "path", r.URL.Path, "err", err)
	return v.p.T("web.lists.bulk.failed")
}
