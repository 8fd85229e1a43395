package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/value"
)

// valuePage is the customer-value report: RFM segments with their counts
// and predicted value, the customers predicted to be worth most, and the
// fitted models in plain words, over the customers the user may read.
type valuePage struct {
	frame
	Objects    []choice // contacts or companies
	Object     string   // "contacts" or "companies", for links to records
	Computed   bool     // some customer of the workspace has bought
	TooLittle  string   // why there is no prediction, or ""
	NoRFM      bool     // too few customers for segments
	Customers  int
	Historical string
	Predicted  string
	Segments   []valueSegment
	Top        []valueTop
	Model      []valueParam // the fitted parameters
	FittedAt   string
	End        string
	Refreshed  bool // a recomputation was just asked for
}

type valueSegment struct {
	Name      string
	Customers int
	Predicted string
	Width     int64 // the bar's length in percent of the largest segment
}

type valueTop struct {
	ID, Name, Segment string
	Purchases, Alive  string
	Value             string
}

type valueParam struct{ Name, Value string }

// valueObjects are the report's objects by their value in the address.
var valueObjects = map[string]string{"contacts": "contact", "companies": "company"}

func (s *Server) customerValue(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.value == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	plural := r.URL.Query().Get("object")
	if _, ok := valueObjects[plural]; !ok {
		plural = "contacts"
	}
	rep, err := s.value.Report(r.Context(), valueObjects[plural])
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := valueView(v.p, rep, plural)
	data.Refreshed = r.URL.Query().Get("refreshed") == "1"
	s.render(w, r, v, http.StatusOK, "value_customers", data)
}

func (s *Server) refreshCustomerValue(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.value == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.value.RequestRefresh(r.Context()); err != nil {
		s.fail(w, r, v, err)
		return
	}
	plural := r.FormValue("object")
	if _, ok := valueObjects[plural]; !ok {
		plural = "contacts"
	}
	http.Redirect(w, r, "/reports/customers?object="+plural+"&refreshed=1", http.StatusSeeOther)
}

// valueView turns the report into the page's data.
func valueView(p *locale.Printer, rep value.Report, plural string) *valuePage {
	data := &valuePage{frame: frame{Nav: "reports"}, Object: plural, Customers: rep.Customers,
		Objects: []choice{{Value: "contacts", Label: p.T("web.value.contacts"), Current: plural == "contacts"},
			{Value: "companies", Label: p.T("web.value.companies"), Current: plural == "companies"}}}
	if rep.Historical != nil {
		data.Historical = p.Money(locale.Decimal(rep.Historical.Amount, rep.Historical.Currency), rep.Historical.Currency)
	}
	if rep.Predicted != nil {
		data.Predicted = p.Money(locale.Decimal(rep.Predicted.Amount, rep.Predicted.Currency), rep.Predicted.Currency)
	}
	f := rep.Fit
	if f == nil {
		return data
	}
	data.Computed = f.Customers > 0
	data.FittedAt = f.FittedAt.Format(time.DateOnly)
	data.End = f.End
	data.NoRFM = !f.RFM
	if f.Status != "fitted" {
		data.TooLittle = p.T("web.value.too_little", "repeat", f.RepeatCustomers, "min", f.MinRepeat)
	}
	var most int
	for _, g := range rep.Segments {
		most = max(most, g.Customers)
	}
	for _, g := range rep.Segments {
		row := valueSegment{Name: segmentLabel(p, g.Segment), Customers: g.Customers}
		if g.Predicted != nil {
			row.Predicted = p.Money(locale.Decimal(g.Predicted.Amount, g.Predicted.Currency), g.Predicted.Currency)
		}
		if most > 0 {
			row.Width = int64(g.Customers * 100 / most)
		}
		data.Segments = append(data.Segments, row)
	}
	for _, c := range rep.Top {
		data.Top = append(data.Top, valueTop{ID: c.ID, Name: c.Name, Segment: segmentLabel(p, c.Segment),
			Purchases: p.Number(c.Purchases, 2), Alive: p.Number(c.Alive*100, 0) + " %",
			Value: p.Money(locale.Decimal(c.Value.Amount, c.Value.Currency), c.Value.Currency)})
	}
	param := func(v float64) string {
		// A fit that runs to a limit (no drop-out at all, say) has huge or
		// tiny parameters: those read better in scientific notation.
		if a := math.Abs(v); a >= 1e5 || (a > 0 && a < 1e-3) {
			return strconv.FormatFloat(v, 'e', 2, 64)
		}
		return p.Number(v, 4)
	}
	if bg := f.BGNBD; bg != nil {
		data.Model = append(data.Model, valueParam{"r", param(bg.R)}, valueParam{"α", param(bg.Alpha)},
			valueParam{"a", param(bg.A)}, valueParam{"b", param(bg.B)},
			valueParam{p.T("web.value.loglik"), p.Number(bg.LogLik, 2)})
	}
	if gg := f.GammaGamma; gg != nil {
		data.Model = append(data.Model, valueParam{"p", param(gg.P)}, valueParam{"q", param(gg.Q)},
			valueParam{"γ", param(gg.Gamma)}, valueParam{p.T("web.value.repeat_customers"), strconv.Itoa(f.RepeatCustomers)})
	}
	return data
}

// segmentLabel is the name of an RFM segment in the user's language.
func segmentLabel(p *locale.Printer, segment string) string {
	switch segment {
	case "champions":
		return p.T("web.value.segment.champions")
	case "loyal":
		return p.T("web.value.segment.loyal")
	case "potential_loyalist":
		return p.T("web.value.segment.potential_loyalist")
	case "new":
		return p.T("web.value.segment.new")
	case "promising":
		return p.T("web.value.segment.promising")
	case "need_attention":
		return p.T("web.value.segment.need_attention")
	case "about_to_sleep":
		return p.T("web.value.segment.about_to_sleep")
	case "at_risk":
		return p.T("web.value.segment.at_risk")
	case "cant_lose":
		return p.T("web.value.segment.cant_lose")
	case "hibernating":
		return p.T("web.value.segment.hibernating")
	case "lost":
		return p.T("web.value.segment.lost")
	}
	return segment
}

// valueGroup is the record page's group of customer-value fields.
var valueGroup = []string{"rfm_segment", "rfm_recency", "rfm_frequency", "rfm_monetary", "clv_purchases", "clv_alive", "clv_value"}
