package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// lossReasonsPage lists the reasons a deal is lost, in the order the Lost
// form offers them: each with a form to rename it, buttons to move it and
// one to delete it, and a form to add one.
type lossReasonsPage struct {
	frame
	settingsForm
	Reasons []settingsRow
}

func (s *Server) lossReasonsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showLossReasons(w, r, v, http.StatusOK, &lossReasonsPage{})
}

func (s *Server) showLossReasons(w http.ResponseWriter, r *http.Request, v *visit, status int, data *lossReasonsPage) {
	reasons, err := s.lossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Reasons = frame{Nav: "settings"}, rowsOf(reasons, "name")
	s.render(w, r, v, status, "settings_loss", data)
}

func (s *Server) lossReasons(r *http.Request) ([]records.Record, error) {
	page, err := s.engine.List(r.Context(), "loss_reasons", records.Query{Sort: []string{"position", "id"}, Limit: maxSettingsRows})
	return page.Data, err
}

func (s *Server) addLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.lossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// Loss reasons have no hook that numbers them: a new one goes last.
	_, err = s.engine.Create(r.Context(), "loss_reasons", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"position": json.Number(strconv.Itoa(len(reasons) + 1))})
	if err != nil {
		s.lossRefused(w, r, v, "add", err)
		return
	}
	saved(w, r, "/settings/loss-reasons")
}

func (s *Server) renameLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := s.engine.Update(r.Context(), "loss_reasons", r.PathValue("id"), formVersion(r),
		map[string]any{"name": strings.TrimSpace(r.PostFormValue("name"))})
	if err != nil {
		s.lossRefused(w, r, v, "r"+r.PathValue("id"), err)
		return
	}
	saved(w, r, "/settings/loss-reasons")
}

// deleteLossReason deletes a reason: deals lost for it keep it, and the
// Lost form no longer offers it.
func (s *Server) deleteLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.engine.Delete(r.Context(), "loss_reasons", r.PathValue("id"), formVersion(r)); err != nil {
		s.lossRefused(w, r, v, "r"+r.PathValue("id"), err)
		return
	}
	saved(w, r, "/settings/loss-reasons")
}

func (s *Server) moveLossReason(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.lossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ids := idsOf(reasons)
	if !moveID(ids, r.PathValue("id"), r.PostFormValue("dir")) {
		s.fail(w, r, v, errNotFound)
		return
	}
	versions, err := s.reorder(r, "loss_reasons", reasons, ids)
	s.answerOrder(w, r, v, "/settings/loss-reasons", versions, err)
}

func (s *Server) orderLossReasons(w http.ResponseWriter, r *http.Request, v *visit) {
	reasons, err := s.lossReasons(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	versions, err := s.reorder(r, "loss_reasons", reasons, postedIDs(r))
	s.answerOrder(w, r, v, "/settings/loss-reasons", versions, err)
}

func (s *Server) lossRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error) {
	data := &lossReasonsPage{}
	if !data.refuse(v, r, form, err, v.p.T("web.settings.changed")) {
		s.fail(w, r, v, err)
		return
	}
	s.showLossReasons(w, r, v, http.StatusBadRequest, data)
}
