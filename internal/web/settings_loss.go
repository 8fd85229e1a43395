package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// setLossPage lists the reasons a deal is lost, in the order the Lost
// form offers them: each with a form to rename it, buttons to move it and
// one to delete it, and a form to add one.
type setLossPage struct {
	frame
	settingsForm
	Reasons []settingsRow
}

func (s *Server) setLossPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowLoss(w, r, v, http.StatusOK, &setLossPage{})
}

func (s *Server) setShowLoss(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setLossPage) {
	reasons, err := s.setLossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Reasons = frame{Nav: "settings"}, setRowsOf(reasons, "name")
	s.render(w, r, v, status, "settings_loss", data)
}

func (s *Server) setLossReasons(r *http.Request) ([]records.Record, error) {
	page, err := s.engine.List(r.Context(), "loss_reasons", records.Query{Sort: []string{"position", "id"}, Limit: maxSettingsRows})
	return page.Data, err
}

func (s *Server) setAddLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.setLossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// Loss reasons have no hook that numbers them: a new one goes last.
	_, err = s.engine.Create(r.Context(), "loss_reasons", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"position": json.Number(strconv.Itoa(len(reasons) + 1))})
	if err != nil {
		s.setLossRefused(w, r, v, "add", err)
		return
	}
	settingsSaved(w, r, "/settings/loss-reasons")
}

func (s *Server) setRenameLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := s.engine.Update(r.Context(), "loss_reasons", r.PathValue("id"), setFormVersion(r),
		map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.setLossRefused(w, r, v, "r"+r.PathValue("id"), err)
		return
	}
	settingsSaved(w, r, "/settings/loss-reasons")
}

// setDeleteLossReason deletes a reason: deals lost for it keep it, and the
// Lost form no longer offers it.
func (s *Server) setDeleteLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.engine.Delete(r.Context(), "loss_reasons", r.PathValue("id"), setFormVersion(r)); err != nil {
		s.setLossRefused(w, r, v, "r"+r.PathValue("id"), err)
		return
	}
	settingsSaved(w, r, "/settings/loss-reasons")
}

func (s *Server) setMoveLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.setLossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ids := setIDsOf(reasons)
	if !setMoveID(ids, r.PathValue("id"), r.PostFormValue("dir")) {
		s.fail(w, r, v, errNotFound)
		return
	}
	versions, err := s.setReorder(r, "loss_reasons", reasons, ids)
	s.setAnswerOrder(w, r, v, "/settings/loss-reasons", versions, err)
}

func (s *Server) setOrderLossReasons(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.setLossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	versions, err := s.setReorder(r, "loss_reasons", reasons, setPostedIDs(r))
	s.setAnswerOrder(w, r, v, "/settings/loss-reasons", versions, err)
}

func (s *Server) setLossRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error) {
	data := &setLossPage{}
	if !data.refuse(v, r, form, err, v.p.T("web.settings.changed")) {
		s.fail(w, r, v, err)
		return
	}
	s.setShowLoss(w, r, v, http.StatusBadRequest, data)
}
