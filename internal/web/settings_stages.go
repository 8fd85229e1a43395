package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// setStagesPage is one pipeline's stages in their order, each with its
// form (name, probability, idle limit, the deal fields it requires), the
// buttons that move it, and a form to add a stage.
type setStagesPage struct {
	frame
	settingsForm
	Pipeline settingsRow
	Stages   []setStageRow
	Fields   []formOption // the deal fields a stage may require
	// Categories are the forecast categories a stage may put its deals in.
	Categories []formOption
}

// setStageRow is a stage as its form shows it.
type setStageRow struct {
	settingsRow
	Probability, Idle string
	Category          string // forecast category; "" counts as pipeline
	Required          []string
}

// Requires says whether the stage requires the field.
func (st setStageRow) Requires(field string) bool { return slices.Contains(st.Required, field) }

// setNotRequirable are deal fields that moving a deal sets itself, or that
// only a lost deal has, so that a stage requiring them would mean nothing.
var setNotRequirable = []string{"pipeline_id", "stage_id", "status", "loss_reason_id", "loss_note"}

func (s *Server) setStagesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowStages(w, r, v, http.StatusOK, r.PathValue("id"), &setStagesPage{})
}

func (s *Server) setShowStages(w http.ResponseWriter, r *http.Request, v *visit, status int, pipeline string, data *setStagesPage) {
	ctx := r.Context()
	p, err := s.engine.Get(ctx, "pipelines", pipeline, false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	stages, err := s.setStagesOf(r, str(p["id"]))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	fields, err := s.engine.Fields(ctx, "deals")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	data.Pipeline = settingsRow{ID: str(p["id"]), Name: str(p["name"]), Version: versionOf(p)}
	for _, f := range fields {
		if !f.ReadOnly && !slices.Contains(setNotRequirable, f.Name) {
			data.Fields = append(data.Fields, formOption{Value: f.Name, Label: setFieldLabel(v, f)})
		}
	}
	data.Categories = forecastCategoryOptions(v)
	for _, st := range stages {
		data.Stages = append(data.Stages, setStageRow{
			settingsRow: settingsRow{ID: str(st["id"]), Name: str(st["name"]), Version: versionOf(st)},
			Probability: setNumberText(st["probability"]), Idle: setNumberText(st["rotting_days"]), Required: setTags(st["required_fields"]),
			Category: str(st["forecast_category"])})
	}
	s.render(w, r, v, status, "settings_pipeline", data)
}

// setFieldLabel is a field's label: the catalogue's for a standard field,
// the one its administrator gave for a custom one.
func setFieldLabel(v *visit, f *records.Field) string {
	switch {
	case f.Custom:
		return f.Label
	case f.Name == "line_items":
		return v.p.T("web.settings.stages.line_items")
	}
	return fieldLabel(v.p, f.Name)
}

func setNumberText(n any) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(n)
}

// setTags are the values of a tags field.
func setTags(v any) []string {
	if list, ok := v.([]string); ok {
		return list
	}
	return values(v)
}

// setStagesOf reads a pipeline's stages in their order.
func (s *Server) setStagesOf(r *http.Request, pipeline string) ([]records.Record, error) {
	page, err := s.engine.List(r.Context(), "stages", records.Query{Sort: []string{"position", "id"}, Limit: maxSettingsRows,
		Filter: &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: pipeline}})
	return page.Data, err
}

// setStageInput is a stage's form as the engine takes it.
func setStageInput(r *http.Request) map[string]any {
	in := map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"probability": setOptionalInt(r.PostFormValue("probability")), "rotting_days": setOptionalInt(r.PostFormValue("rotting_days"))}
	if c, ok := r.PostForm["forecast_category"]; ok {
		in["forecast_category"] = nil
		if len(c) > 0 && c[0] != "" {
			in["forecast_category"] = c[0]
		}
	}
	var required []any
	for _, f := range r.PostForm["required_fields"] {
		required = append(required, f)
	}
	in["required_fields"] = required
	return in
}

func (s *Server) setAddStage(w http.ResponseWriter, r *http.Request, v *visit) {
	pipeline := r.PathValue("id")
	in := setStageInput(r)
	in["pipeline_id"] = pipeline
	if in["required_fields"] == nil {
		delete(in, "required_fields")
	}
	if _, err := s.engine.Create(r.Context(), "stages", in); err != nil {
		s.setStageRefused(w, r, v, pipeline, "add", err)
		return
	}
	settingsSaved(w, r, "/settings/pipelines/"+pipeline+"/stages")
}

func (s *Server) setSaveStage(w http.ResponseWriter, r *http.Request, v *visit) {
	pipeline := strconv.FormatInt(setParseInt(r.PostFormValue("pipeline")), 10)
	rec, err := s.engine.Update(r.Context(), "stages", r.PathValue("id"), setFormVersion(r), setStageInput(r))
	if err != nil {
		s.setStageRefused(w, r, v, pipeline, "r"+r.PathValue("id"), err)
		return
	}
	settingsSaved(w, r, "/settings/pipelines/"+str(rec["pipeline_id"])+"/stages")
}

// setDeleteStage deletes a stage; the sales service refuses while open deals
// are in it.
func (s *Server) setDeleteStage(w http.ResponseWriter, r *http.Request, v *visit) {
	pipeline := strconv.FormatInt(setParseInt(r.PostFormValue("pipeline")), 10)
	if err := s.engine.Delete(r.Context(), "stages", r.PathValue("id"), setFormVersion(r)); err != nil {
		s.setStageRefused(w, r, v, pipeline, "r"+r.PathValue("id"), err)
		return
	}
	settingsSaved(w, r, "/settings/pipelines/"+pipeline+"/stages")
}

func (s *Server) setStageRefused(w http.ResponseWriter, r *http.Request, v *visit, pipeline, form string, err error) {
	data := &setStagesPage{}
	conflict := v.p.T("web.settings.changed")
	if strings.HasSuffix(r.URL.Path, "/delete") {
		conflict = v.p.T("web.settings.stages.has_deals")
	}
	if !data.refuse(v, r, form, err, conflict) {
		s.fail(w, r, v, err)
		return
	}
	s.setShowStages(w, r, v, http.StatusBadRequest, pipeline, data)
}

// setMoveStage moves a stage one place up or down: the buttons beside each
// stage, for the keyboard and for browsers without the script.
func (s *Server) setMoveStage(w http.ResponseWriter, r *http.Request, v *visit) {
	pipeline := strconv.FormatInt(setParseInt(r.PostFormValue("pipeline")), 10)
	stages, err := s.setStagesOf(r, pipeline)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ids := setIDsOf(stages)
	if !setMoveID(ids, r.PathValue("id"), r.PostFormValue("dir")) {
		s.fail(w, r, v, errNotFound)
		return
	}
	versions, err := s.setReorder(r, "stages", stages, ids)
	s.setAnswerOrder(w, r, v, "/settings/pipelines/"+pipeline+"/stages", versions, err)
}

// setOrderStages puts a pipeline's stages in the order posted, one id after
// another: what the script sends when a stage is dragged.
func (s *Server) setOrderStages(w http.ResponseWriter, r *http.Request, v *visit) {
	pipeline := r.PathValue("id")
	stages, err := s.setStagesOf(r, pipeline)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	versions, err := s.setReorder(r, "stages", stages, setPostedIDs(r))
	s.setAnswerOrder(w, r, v, "/settings/pipelines/"+pipeline+"/stages", versions, err)
}

// setAnswerOrder answers a change of order. The script gets the version
// each record is at now, which it puts in the record's forms so that they
// still save, or on a refusal 409, for which it puts the rows back; a
// plain form goes back to the page, which shows the order as it is now.
func (s *Server) setAnswerOrder(w http.ResponseWriter, r *http.Request, v *visit, page string, versions map[string]int64, err error) {
	script := r.Header.Get("X-Requested-With") == "fetch"
	switch {
	case err == nil && script:
		w.Header().Set("Content-Type", "application/json")
		serverTiming(w, r)
		json.NewEncoder(w).Encode(map[string]any{"versions": versions})
	case err == nil:
		settingsSaved(w, r, page)
	case fault.Is(err, fault.ECONFLICT) || fault.Is(err, fault.EINVALID):
		if script {
			w.WriteHeader(http.StatusConflict)
			return
		}
		settingsSaved(w, r, page)
	default:
		s.fail(w, r, v, err)
	}
}

// setPostedIDs are the ids an order posts, one "id" after another. The
// script sends its CSRF token in a header, so the form is not parsed yet.
func setPostedIDs(r *http.Request) []string {
	if err := r.ParseForm(); err != nil {
		return nil
	}
	return r.PostForm["id"]
}

func setIDsOf(recs []records.Record) []string {
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = str(rec["id"])
	}
	return ids
}

// setMoveID swaps id with its neighbour above (dir "up") or below; false
// when id is not among ids. At either end nothing moves.
func setMoveID(ids []string, id, dir string) bool {
	i := slices.Index(ids, id)
	if i < 0 {
		return false
	}
	j := i + 1
	if dir == "up" {
		j = i - 1
	}
	if j >= 0 && j < len(ids) {
		ids[i], ids[j] = ids[j], ids[i]
	}
	return true
}

// setReorder numbers recs 1, 2, … in the order of ids, which must hold each
// of them once, through the engine: each record that moves is updated at
// the version just read, so a concurrent edit is refused, not lost. It
// returns the version of each record after.
func (s *Server) setReorder(r *http.Request, object string, recs []records.Record, ids []string) (map[string]int64, error) {
	byID := map[string]records.Record{}
	for _, rec := range recs {
		byID[str(rec["id"])] = rec
	}
	if len(ids) != len(recs) {
		return nil, fault.Errorf(fault.ECONFLICT, "the order names %d records of %d", len(ids), len(recs))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if byID[id] == nil || seen[id] {
			return nil, fault.Errorf(fault.ECONFLICT, "the order names %q, which is not one of them", id)
		}
		seen[id] = true
	}
	versions := map[string]int64{}
	for i, id := range ids {
		rec := byID[id]
		if n, _ := rec["position"].(int64); n != int64(i+1) {
			var err error
			if rec, err = s.engine.Update(r.Context(), object, id, versionOf(rec), map[string]any{"position": json.Number(strconv.Itoa(i + 1))}); err != nil {
				return nil, err
			}
		}
		versions[id] = versionOf(rec)
	}
	return versions, nil
}
