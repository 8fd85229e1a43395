package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// maxSettingsRows bounds the pipelines, stages, loss reasons, price lists
// and products a settings page lists: a workspace has a handful of each,
// and a page of more would be no settings page.
const maxSettingsRows = 200

// setPipelinesPage lists the workspace's pipelines, each with a form to
// rename it and one to delete it, and a form to add one.
type setPipelinesPage struct {
	frame
	settingsForm
	Pipelines []settingsRow
}

// settingsRow is a record as a settings page lists it: a pipeline, a
// stage, a loss reason, a price list.
type settingsRow struct {
	ID, Name string
	Version  int64
	Extra    string // a price list's currency
}

// Form is the name of the row's form.
func (r settingsRow) Form() string { return "r" + r.ID }

func setRowsOf(recs []records.Record, name string) []settingsRow {
	out := make([]settingsRow, 0, len(recs))
	for _, rec := range recs {
		out = append(out, settingsRow{ID: str(rec["id"]), Name: str(rec[name]), Version: versionOf(rec)})
	}
	return out
}

func (s *Server) setPipelinesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowPipelines(w, r, v, http.StatusOK, &setPipelinesPage{})
}

func (s *Server) setShowPipelines(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setPipelinesPage) {
	page, err := s.engine.List(r.Context(), "pipelines", records.Query{Sort: []string{"position"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Pipelines = frame{Nav: "settings"}, setRowsOf(page.Data, "name")
	s.render(w, r, v, status, "settings_pipelines", data)
}

// setAddPipeline creates a pipeline through the engine, as the API does, and
// opens it to add its stages.
func (s *Server) setAddPipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	rec, err := s.engine.Create(r.Context(), "pipelines", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.setPipelineRefused(w, r, v, "add", err, v.p.T("web.settings.changed"))
		return
	}
	settingsSaved(w, r, "/settings/pipelines/"+str(rec["id"])+"/stages")
}

func (s *Server) setRenamePipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := s.engine.Update(r.Context(), "pipelines", r.PathValue("id"), setFormVersion(r),
		map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.setPipelineRefused(w, r, v, "r"+r.PathValue("id"), err, v.p.T("web.settings.changed"))
		return
	}
	settingsSaved(w, r, "/settings/pipelines")
}

// setDeletePipeline deletes a pipeline; the sales service refuses while it
// has open deals, which the page says beside the pipeline.
func (s *Server) setDeletePipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.engine.Delete(r.Context(), "pipelines", r.PathValue("id"), setFormVersion(r)); err != nil {
		s.setPipelineRefused(w, r, v, "r"+r.PathValue("id"), err, v.p.T("web.settings.pipelines.has_deals"))
		return
	}
	settingsSaved(w, r, "/settings/pipelines")
}

func (s *Server) setPipelineRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error, conflict string) {
	data := &setPipelinesPage{}
	if !data.refuse(v, r, form, err, conflict) {
		s.fail(w, r, v, err)
		return
	}
	s.setShowPipelines(w, r, v, http.StatusBadRequest, data)
}
