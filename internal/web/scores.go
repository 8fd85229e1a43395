package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/scores"
)

// The scores' settings page (/settings/scores): the lead scoring rules,
// and the win and churn models with their held-out AUC and factors; and
// the block of a record page that shows its scores
// (docs/decisions/0031-scores.md).

// scoresPage is the settings page.
type scoresPage struct {
	frame
	settingsForm
	Rules      []scoresRuleRow
	Fields     []formOption // "object/field" → "Contact · Source"
	Objects    []formOption
	Activities []formOption
	Models     []scoresModelRow
	MinClass   int
	Window     int
}

type scoresRuleRow struct {
	ID, Object, What, Points string
}

type scoresModelRow struct {
	Title     string
	Ready     bool
	Counts    string // "60 won · 55 lost"
	AUC       string // "" when not measured
	Trained   string
	Factors   []scoresFactor
	Untrained bool
}

type scoresFactor struct {
	Name, Coef string
	Up         bool
	Width      int // bar width class, 1–10; 0 draws no bar
}

func (s *Server) scoresSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	s.scoresShow(w, r, v, http.StatusOK, &scoresPage{})
}

func (s *Server) scoresShow(w http.ResponseWriter, r *http.Request, v *visit, status int, data *scoresPage) {
	rules, err := s.scores.Rules(r.Context(), "")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	models, err := s.scores.Models(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	fillScoresPage(v.p, s.engine, data, rules, models, v)
	s.render(w, r, v, status, "scores_settings", data)
}

// fillScoresPage puts the rules, the choices of the forms and the models
// in the words of the visit.
func fillScoresPage(p *locale.Printer, engine *records.Engine, data *scoresPage, rules []scores.Rule, models []scores.Status, v *visit) {
	data.MinClass, data.Window = scores.MinClass, int(scores.ChurnWindow.Hours()/24)
	for _, o := range scores.Objects {
		data.Objects = append(data.Objects, formOption{Value: o, Label: scoresObject(p, o)})
	}
	for _, a := range scores.Activities {
		data.Activities = append(data.Activities, formOption{Value: a, Label: scoresActivity(p, a)})
	}
	for _, name := range scoresRuleFields {
		object, field, _ := strings.Cut(name, "/")
		data.Fields = append(data.Fields, formOption{Value: name, Label: scoresObject(p, object) + " · " + scoresFieldLabel(p, field)})
	}
	for _, r := range rules {
		row := scoresRuleRow{ID: r.ID, Object: scoresObject(p, r.Object), Points: signed(r.Points)}
		if r.Kind == "field" {
			row.What = p.T("web.scores.rule_field", "field", scoresFieldLabel(p, r.Field), "value", scoresValue(p, r.Field, r.Value))
		} else {
			row.What = scoresActivity(p, r.Activity)
		}
		data.Rules = append(data.Rules, row)
	}
	for _, kind := range []string{"win", "churn"} {
		row := scoresModelRow{Title: p.T("web.scores.model_win"), Untrained: true}
		if kind == "churn" {
			row.Title = p.T("web.scores.model_churn")
		}
		for _, m := range models {
			if m.Kind != kind {
				continue
			}
			row.Untrained, row.Ready = false, m.Ready
			row.Counts = p.T("web.scores.counts_win", "yes", m.Positives, "no", m.Negatives)
			if kind == "churn" {
				row.Counts = p.T("web.scores.counts_churn", "yes", m.Positives, "no", m.Negatives)
			}
			if m.AUC != nil && !math.IsNaN(*m.AUC) {
				row.AUC = p.Number(*m.AUC, 2)
			}
			if v != nil {
				row.Trained = v.dateTime(m.TrainedAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
			for _, f := range m.Factors {
				row.Factors = append(row.Factors, scoresFactor{Name: scoresFeature(p, f.Name), Coef: p.Number(f.Coef, 2),
					Up: f.Coef > 0, Width: min(10, int(math.Round(math.Abs(f.Coef)*5)))})
			}
		}
		data.Models = append(data.Models, row)
	}
}

// scoresRuleFields are the fields the rule form offers: the choices a
// lead is told apart by. The API takes any text, select, yes/no, number,
// tag or user field of the object or of its company.
var scoresRuleFields = []string{"contact/source", "contact/tags", "contact/language", "contact/company.size", "contact/company.industry",
	"deal/source", "deal/tags", "deal/company.size", "deal/company.industry"}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func scoresObject(p *locale.Printer, o string) string {
	if o == "deal" {
		return p.T("web.scores.object.deal")
	}
	return p.T("web.scores.object.contact")
}

func scoresFieldLabel(p *locale.Printer, field string) string {
	if f, ok := strings.CutPrefix(field, "company."); ok {
		return p.T("web.scores.company_field", "field", fieldLabel(p, f))
	}
	return fieldLabel(p, field)
}

// scoresValue is a rule's value as the record page shows it: an
// option's label for the standard selects.
func scoresValue(p *locale.Printer, field, value string) string {
	return optionLabel(p, strings.TrimPrefix(field, "company."), value)
}

func scoresActivity(p *locale.Printer, a string) string {
	switch a {
	case "call":
		return p.T("web.scores.activity.call")
	case "call_answered":
		return p.T("web.scores.activity.call_answered")
	case "meeting":
		return p.T("web.scores.activity.meeting")
	case "note":
		return p.T("web.scores.activity.note")
	case "task_done":
		return p.T("web.scores.activity.task_done")
	case "idle_day":
		return p.T("web.scores.activity.idle_day")
	}
	return a
}

func (s *Server) scoresAddRule(w http.ResponseWriter, r *http.Request, v *visit) {
	form := r.PostFormValue("form")
	points, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("points")))
	if err != nil {
		points = 0 // refused below as out of range
	}
	rule := scores.Rule{Kind: "activity", Object: r.PostFormValue("object"), Activity: r.PostFormValue("activity"), Points: points}
	if form == "field" {
		object, field, _ := strings.Cut(r.PostFormValue("field"), "/")
		rule = scores.Rule{Kind: "field", Object: object, Field: field, Value: r.PostFormValue("value"), Points: points}
	} else {
		form = "activity"
	}
	if _, err := s.scores.AddRule(r.Context(), rule); err != nil {
		data := &scoresPage{}
		if !data.refuse(v, r, form, err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.scoresShow(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/scores")
}

func (s *Server) scoresDeleteRule(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.scores.DeleteRule(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	settingsSaved(w, r, "/settings/scores")
}

// scoresTrain refits the workspace's models now rather than at the next
// run of the job.
func (s *Server) scoresTrain(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := access.ActorFrom(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if err := s.scores.Train(r.Context(), a.WorkspaceID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	settingsSaved(w, r, "/settings/scores")
}

// scoresView is the scores block of a record page.
type scoresView struct {
	Lead      string // "" without lead scoring rules
	Reasons   []scoresReason
	Model     string // the win probability or churn risk, "" when none
	ModelName string
	NoModel   bool // the model has too little history
	Unscored  bool // the model is ready, but the record is no open deal or no customer
}

type scoresReason struct {
	What, Points string
}

// scoresBlock is the scores block of a record page, or nil when the
// record has none the user may see.
func (s *Server) scoresBlock(r *http.Request, v *visit, object string, rec records.Record) (*scoresView, error) {
	if s.scores == nil {
		return nil, nil
	}
	view := &scoresView{}
	column := map[string]string{"deal": "win_probability", "contact": "churn_risk", "company": "churn_risk"}[object]
	if column == "" {
		return nil, nil
	}
	if val, shown := rec[column]; shown {
		view.ModelName = fieldLabel(v.p, column)
		if n, ok := records.Int(val); ok && val != nil {
			view.Model = v.p.T("web.scores.percent", "n", n)
		} else {
			kind := "churn"
			if object == "deal" {
				kind = "win"
			}
			ready, err := s.scores.Ready(r.Context(), kind)
			if err != nil {
				return nil, err
			}
			view.NoModel, view.Unscored = !ready, ready
		}
	}
	if val, shown := rec["lead_score"]; shown && val != nil && (object == "contact" || object == "deal") {
		sc, err := s.scores.Explain(r.Context(), object, str(rec["id"]))
		if err != nil {
			return nil, err
		}
		view.Lead = signed(sc.Total)
		for _, re := range sc.Reasons {
			what := scoresActivity(v.p, re.Rule.Activity)
			if re.Rule.Kind == "field" {
				what = v.p.T("web.scores.rule_field", "field", scoresFieldLabel(v.p, re.Rule.Field), "value", scoresValue(v.p, re.Rule.Field, re.Rule.Value))
			} else if re.Count > 1 {
				what = v.p.N("web.scores.times", re.Count, "what", what)
			}
			view.Reasons = append(view.Reasons, scoresReason{What: what, Points: signed(re.Points)})
		}
	}
	if view.ModelName == "" && view.Lead == "" {
		return nil, nil
	}
	return view, nil
}

// scoresFeature is the plain name of a model's feature.
func scoresFeature(p *locale.Printer, name string) string {
	switch name {
	case "value":
		return p.T("web.scores.feature.value")
	case "calls_30":
		return p.T("web.scores.feature.calls_30")
	case "meetings_30":
		return p.T("web.scores.feature.meetings_30")
	case "notes_30":
		return p.T("web.scores.feature.notes_30")
	case "tasks_30":
		return p.T("web.scores.feature.tasks_30")
	case "calls_90":
		return p.T("web.scores.feature.calls_90")
	case "meetings_90":
		return p.T("web.scores.feature.meetings_90")
	case "notes_90":
		return p.T("web.scores.feature.notes_90")
	case "tasks_90":
		return p.T("web.scores.feature.tasks_90")
	case "idle_days":
		return p.T("web.scores.feature.idle_days")
	case "stage_days":
		return p.T("web.scores.feature.stage_days")
	case "backward_moves":
		return p.T("web.scores.feature.backward_moves")
	case "age_days":
		return p.T("web.scores.feature.age_days")
	case "since_won_days":
		return p.T("web.scores.feature.since_won_days")
	case "won_deals":
		return p.T("web.scores.feature.won_deals")
	case "won_value":
		return p.T("web.scores.feature.won_value")
	case "customer_days":
		return p.T("web.scores.feature.customer_days")
	}
	return name
}
