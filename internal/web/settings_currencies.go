package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
)

// setCurrenciesPage lists the exchange rates entered, each currency's
// newest first, and a form to enter a rate from a date.
type setCurrenciesPage struct {
	frame
	settingsForm
	Base  string
	Today string
	Rates []setRateRow
}

type setRateRow struct {
	Currency, Rate, Date string
}

func (s *Server) setCurrenciesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowCurrencies(w, r, v, http.StatusOK, &setCurrenciesPage{})
}

func (s *Server) setShowCurrencies(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setCurrenciesPage) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	st, err := s.sales.Settings(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rates, err := s.sales.ExchangeRates(r.Context(), "")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Base = frame{Nav: "settings"}, st.BaseCurrency
	data.Today = time.Now().In(v.location()).Format(time.DateOnly)
	for _, rt := range rates {
		data.Rates = append(data.Rates, setRateRow{Currency: rt.Currency, Rate: setRateText(v, rt.Rate), Date: v.date(rt.Date)})
	}
	s.render(w, r, v, status, "settings_currencies", data)
}

// setAddRate enters a rate through the sales service, as the API does. A
// decimal comma, as most of Rapport's languages write it, is read as a
// point.
func (s *Server) setAddRate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	rate := strings.Replace(strings.TrimSpace(r.PostFormValue("rate")), ",", ".", 1)
	_, err := s.sales.SetExchangeRate(r.Context(), sales.ExchangeRate{Currency: strings.TrimSpace(r.PostFormValue("currency")),
		Rate: rate, Date: strings.TrimSpace(r.PostFormValue("date"))})
	if err != nil {
		data := &setCurrenciesPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowCurrencies(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/currencies")
}

// setRateText writes a rate as the user's language writes numbers, with
// every decimal it was entered with.
func setRateText(v *visit, rate string) string {
	f, err := strconv.ParseFloat(rate, 64)
	if err != nil {
		return rate
	}
	decimals := 0
	if _, frac, ok := strings.Cut(rate, "."); ok {
		decimals = len(frac)
	}
	return v.p.Number(f, decimals)
}
