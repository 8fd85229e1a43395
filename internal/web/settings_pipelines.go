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

// pipelinesPage lists the workspace's pipelines, each with a form to
// rename it and one to delete it, and a form to add one.
type pipelinesPage struct {
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

func rowsOf(recs []records.Record, name string) []settingsRow {
	out := make([]settingsRow, 0, len(recs))
	for _, rec := range recs {
		out = append(out, settingsRow{ID: str(rec["id"]), Name: str(rec[name]), Version: versionOf(rec)})
	}
	return out
}

func (s *Server) pipelinesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showPipelines(w, r, v, http.StatusOK, &pipelinesPage{})
}

func (s *Server) showPipelines(w http.ResponseWriter, r *http.Request, v *visit, status int, data *pipelinesPage) {
	page, err := s.engine.List(r.Context(), "pipelines", records.Query{Sort: []string{"position"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Pipelines = frame{Nav: "settings"}, rowsOf(page.Data, "name")
	s.render(w, r, v, status, "settings_pipelines", data)
}

// addPipeline creates a pipeline through the engine, as the API does, and
// opens it to add its stages.
func (s *Server) addPipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	rec, err := s.engine.Create(r.Context(), "pipelines", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.pipelineRefused(w, r, v, "add", err, v.p.T("web.settings.changed"))
		return
	}
	saved(w, r, "/settings/pipelines/"+str(rec["id"])+"/stages")
}

func (s *Server) renamePipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := s.engine.Update(r.Context(), "pipelines", r.PathValue("id"), formVersion(r),
		map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.pipelineRefused(w, r, v, "r"+r.PathValue("id"), err, v.p.T("web.settings.changed"))
		return
	}
	saved(w, r, "/settings/pipelines")
}

// deletePipeline deletes a pipeline; the sales service refuses while it
// has open deals, which the page says beside the pipeline.
func (s *Server) deletePipeline(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.engine.Delete(r.Context(), "pipelines", r.PathValue("id"), formVersion(r)); err != nil {
		s.pipelineRefused(w, r, v, "r"+r.PathValue("id"), err, v.p.T("web.settings.pipelines.has_deals"))
		return
	}
	saved(w, r, "/settings/pipelines")
}

func (s *Server) pipelineRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error, conflict string) {
	data := &pipelinesPage{}
	if !data.refuse(v, r, form, err, conflict) {
		s.fail(w, r, v, err)
		return
	}
	s.showPipelines(w, r, v, http.StatusBadRequest, data)
}
