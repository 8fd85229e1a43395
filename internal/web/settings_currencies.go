package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
)

// currenciesPage lists the exchange rates entered, each currency's
// newest first, and a form to enter a rate from a date.
type currenciesPage struct {
	frame
	settingsForm
	Base  string
	Today string
	Rates []rateRow
}

type rateRow struct {
	Currency, Rate, Date string
}

func (s *Server) currenciesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showCurrencies(w, r, v, http.StatusOK, &currenciesPage{})
}

func (s *Server) showCurrencies(w http.ResponseWriter, r *http.Request, v *visit, status int, data *currenciesPage) {
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
		data.Rates = append(data.Rates, rateRow{Currency: rt.Currency, Rate: rateText(v, rt.Rate), Date: v.date(rt.Date)})
	}
	s.render(w, r, v, status, "settings_currencies", data)
}

// addRate enters a rate through the sales service, as the API does. A
// decimal comma, as most of Rapport's languages write it, is read as a
// point.
func (s *Server) addRate(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	rate := strings.Replace(strings.TrimSpace(r.PostFormValue("rate")), ",", ".", 1)
	_, err := s.sales.SetExchangeRate(r.Context(), sales.ExchangeRate{Currency: strings.TrimSpace(r.PostFormValue("currency")),
		Rate: rate, Date: strings.TrimSpace(r.PostFormValue("date"))})
	if err != nil {
		data := &currenciesPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.showCurrencies(w, r, v, http.StatusBadRequest, data)
		return
	}
	saved(w, r, "/settings/currencies")
}

// rateText writes a rate as the user's language writes numbers, with
// every decimal it was entered with.
func rateText(v *visit, rate string) string {
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
