package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// spendPage is where administrators enter what each acquisition channel
// (a deal's source) cost per month, for the acquisition cost per channel.
type spendPage struct {
	frame
	settingsForm
	Month, Currency string
	Sources         []formOption
	Rows            []spendRow
}

type spendRow struct {
	Source, Month, Amount string
}

func (s *Server) spendPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showSpend(w, r, v, http.StatusOK, &spendPage{})
}

func (s *Server) showSpend(w http.ResponseWriter, r *http.Request, v *visit, status int, data *spendPage) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	list, err := svc.SpendList(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Month, data.Currency = frame{Nav: "settings"}, goals.Month(time.Now().In(v.location())), "EUR"
	if s.sales != nil {
		st, err := s.sales.Settings(r.Context())
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data.Currency = st.BaseCurrency
	}
	for _, src := range records.Sources {
		data.Sources = append(data.Sources, formOption{Value: src, Label: v.option("source", src)})
	}
	for _, sp := range list {
		data.Rows = append(data.Rows, spendRow{Source: v.option("source", sp.Source), Month: periodLabel(v, sp.Month),
			Amount: v.p.Money(locale.Decimal(sp.Amount.Amount, sp.Amount.Currency), sp.Amount.Currency)})
	}
	s.render(w, r, v, status, "settings_spend", data)
}

// spendSave enters one month's spend of a channel.
func (s *Server) spendSave(w http.ResponseWriter, r *http.Request, v *visit) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	cur := strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))
	sp := goals.Spend{Source: r.PostFormValue("source"), Month: strings.TrimSpace(r.PostFormValue("month")),
		Amount: sales.Money{Currency: cur}}
	amount, ok := targetOf(r.PostFormValue("amount"), goals.WonValue, cur)
	err := error(fault.Field("amount", "range", "must be a positive amount"))
	if ok {
		sp.Amount.Amount = amount
		err = svc.SetSpend(r.Context(), sp)
	}
	if err != nil {
		data := &spendPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.showSpend(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/spend")
}

// digestPage is where a user chooses the indicators of their morning
// digest (up to five) and the hour it comes at.
type digestPage struct {
	frame
	Indicators []digestChoice
	Hour       int
	Hours      []int
	Saved      bool
	Problem    string
}

type digestChoice struct {
	Value, Label string
	Chosen       bool
}

func (s *Server) digestPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showDigest(w, r, v, http.StatusOK, &digestPage{Saved: r.URL.Query().Get("saved") == "1"}, nil)
}

func (s *Server) showDigest(w http.ResponseWriter, r *http.Request, v *visit, status int, data *digestPage, typed *goals.DigestSettings) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	d, err := svc.Digest(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if typed != nil {
		d = *typed
	}
	chosen := map[string]bool{}
	for _, ind := range d.Indicators {
		chosen[ind] = true
	}
	data.frame, data.Hour = frame{Nav: "me"}, d.Hour
	for h := range 24 {
		data.Hours = append(data.Hours, h)
	}
	for _, name := range goals.KPINames {
		data.Indicators = append(data.Indicators, digestChoice{Value: "kpi:" + name, Label: kpiLabel(v, name), Chosen: chosen["kpi:"+name]})
	}
	views, err := s.currentGoals(r, v, false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, g := range views {
		data.Indicators = append(data.Indicators, digestChoice{Value: "goal:" + g.ID, Label: g.Title + " · " + g.For + " · " + g.Period,
			Chosen: chosen["goal:"+g.ID]})
	}
	s.render(w, r, v, status, "digest", data)
}

func (s *Server) digestSave(w http.ResponseWriter, r *http.Request, v *visit) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	d := goals.DigestSettings{Indicators: r.PostForm["indicator"], Hour: int(setParseInt(r.PostFormValue("hour")))}
	if _, err := svc.SetDigest(r.Context(), d); err != nil {
		if _, ok := fieldErrors(v, err); !ok {
			s.fail(w, r, v, err)
			return
		}
		s.showDigest(w, r, v, http.StatusBadRequest, &digestPage{Problem: v.p.T("web.goals.digest.too_many")}, &d)
		return
	}
	http.Redirect(w, r, "/me/digest?saved=1", http.StatusSeeOther)
}

// kpiLabel names an indicator a digest can hold.
func kpiLabel(v *visit, name string) string {
	switch name {
	case "won":
		return v.p.T("web.dashboard.won")
	case "close_rate":
		return v.p.T("web.goals.kpi.close_rate")
	case "average_deal":
		return v.p.T("web.goals.kpi.average_deal")
	case "cycle":
		return v.p.T("web.goals.kpi.cycle")
	case "lifetime_value":
		return v.p.T("web.goals.kpi.lifetime_value")
	case "upsell_rate":
		return v.p.T("web.goals.kpi.upsell_rate")
	}
	return name
}
