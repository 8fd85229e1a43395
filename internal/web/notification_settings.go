package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/notify"
)

// notificationSettingsPage is where a user chooses, kind by kind, which
// notifications also come by mail; every one always comes in the app.
type notificationSettingsPage struct {
	frame
	Kinds []kindChoice
	Saved bool
}

// kindChoice is one kind of notification and whether it comes by mail.
type kindChoice struct {
	Kind, Label string
	Mail        bool
}

func (s *Server) notificationSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showNotificationSettings(w, r, v, false)
}

// saveNotificationSettings stores the kinds ticked for mail; the others
// come only in the app.
func (s *Server) saveNotificationSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.activity.Inbox().SetPreferences(r.Context(), r.PostForm["mail"]); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.showNotificationSettings(w, r, v, true)
}

func (s *Server) showNotificationSettings(w http.ResponseWriter, r *http.Request, v *visit, saved bool) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	prefs, err := s.activity.Inbox().Preferences(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &notificationSettingsPage{Saved: saved}
	for _, p := range prefs {
		data.Kinds = append(data.Kinds, kindChoice{Kind: p.Kind, Label: kindLabel(v, p.Kind), Mail: p.Mail})
	}
	s.render(w, r, v, http.StatusOK, "notification_settings", data)
}

// kindLabel says what a kind of notification is about.
func kindLabel(v *visit, kind string) string {
	switch kind {
	case notify.KindAssigned:
		return v.p.T("web.mailprefs.assigned")
	case notify.KindMentioned:
		return v.p.T("web.mailprefs.mentioned")
	case notify.KindStageChanged:
		return v.p.T("web.mailprefs.stage_changed")
	case notify.KindDealWon:
		return v.p.T("web.mailprefs.deal_won")
	case notify.KindDealLost:
		return v.p.T("web.mailprefs.deal_lost")
	case notify.KindNoteAdded:
		return v.p.T("web.mailprefs.note_added")
	case "task_due":
		return v.p.T("web.mailprefs.task_due")
	case "task_overdue":
		return v.p.T("web.mailprefs.task_overdue")
	case "low_stock":
		return v.p.T("web.mailprefs.low_stock")
	case "repeat_purchase":
		return v.p.T("web.mailprefs.repeat_purchase")
	case "inbox_request":
		return v.p.T("web.mailprefs.inbox_request")
	}
	return kind
}
