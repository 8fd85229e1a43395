package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// salesRoutes adds the endpoints of pipelines, deals, stock and currencies.
// Pipelines, stages, deals, products and price lists themselves are
// records, served by the generic endpoints; the sales service's hooks
// apply their rules there.
func (s *Server) salesRoutes(route router) {
	if s.Sales == nil {
		return
	}
	route("GET /api/v1/pipelines/{id}/board", s.board, "owner_id")
	route("GET /api/v1/deals/rotting", s.rottingDeals, append(records.ListParams(), Filters)...)
	route("GET /api/v1/deals/without-task", s.dealsWithoutTask, "owner_id", "limit", "cursor")
	route("GET /api/v1/products/{id}/stock", s.getStock)
	route("PUT /api/v1/products/{id}/stock", s.setStock)
	route("POST /api/v1/products/{id}/stock/adjustments", s.adjustStock)
	route("GET /api/v1/warehouses", s.listWarehouses)
	route("POST /api/v1/warehouses", s.createWarehouse)
	route("GET /api/v1/price_lists/{id}/items", s.getPriceListItems)
	route("PUT /api/v1/price_lists/{id}/items", s.setPriceListItems)
	route("GET /api/v1/settings/sales", s.getSalesSettings)
	route("PATCH /api/v1/settings/sales", s.updateSalesSettings)
	route("GET /api/v1/exchange_rates", s.listExchangeRates, "currency")
	route("POST /api/v1/exchange_rates", s.setExchangeRate)
	// forecast: begin
	route("GET /api/v1/reports/forecast", s.forecast, "pipeline", "user", "team", "horizon")
	// forecast: end
}

// forecast answers the weighted pipeline and the revenue forecast.
func (s *Server) forecast(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := sales.ForecastQuery{Pipeline: v.Get("pipeline"), User: v.Get("user"), Team: v.Get("team")}
	if h := v.Get("horizon"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			writeError(w, r, fault.Field("horizon", "type", "must be a whole number of months"))
			return
		}
		if n == 0 {
			n = -1 // zero months is out of range, not the default
		}
		q.Horizon = n
	}
	f, err := s.Sales.Forecast(r.Context(), q)
	answer(w, r, http.StatusOK, f, err)
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) {
	b, err := s.Sales.Board(r.Context(), r.PathValue("id"), r.URL.Query().Get("owner_id"))
	answer(w, r, http.StatusOK, b, err)
}

func (s *Server) rottingDeals(w http.ResponseWriter, r *http.Request) {
	q, err := records.ParseParams(r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := s.Sales.Rotting(r.Context(), q)
	answer(w, r, http.StatusOK, page, err)
}

func (s *Server) dealsWithoutTask(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	limit := 0
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			writeError(w, r, fault.Field("limit", "type", "must be a number"))
			return
		}
		limit = n
		if n == 0 {
			limit = -1 // zero is no page size at all, not the default
		}
	}
	page, err := s.Sales.WithoutTask(r.Context(), v.Get("owner_id"), limit, v.Get("cursor"))
	answer(w, r, http.StatusOK, page, err)
}

func (s *Server) getStock(w http.ResponseWriter, r *http.Request) {
	level, err := s.Sales.Stock(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, level, err)
}

// stockBody is the body of PUT …/stock (quantity) and POST
// …/stock/adjustments (delta).
type stockBody struct {
	WarehouseID string   `json:"warehouse_id"`
	Quantity    *float64 `json:"quantity"`
	Delta       *float64 `json:"delta"`
	Reason      string   `json:"reason"`
}

func (s *Server) setStock(w http.ResponseWriter, r *http.Request) {
	var b stockBody
	if err := decodeJSON(r, &b); err != nil {
		writeError(w, r, err)
		return
	}
	if b.Delta != nil {
		writeError(w, r, fault.Field("delta", "unknown", "PUT sets the quantity; POST an adjustment to change it by a delta"))
		return
	}
	if b.Quantity == nil {
		writeError(w, r, fault.Field("quantity", "required", "is required"))
		return
	}
	s.changeStock(w, r, sales.StockChange{WarehouseID: b.WarehouseID, Quantity: b.Quantity, Reason: b.Reason})
}

func (s *Server) adjustStock(w http.ResponseWriter, r *http.Request) {
	var b stockBody
	if err := decodeJSON(r, &b); err != nil {
		writeError(w, r, err)
		return
	}
	if b.Quantity != nil {
		writeError(w, r, fault.Field("quantity", "unknown", "an adjustment has a delta; PUT the stock to set a quantity"))
		return
	}
	if b.Delta == nil {
		writeError(w, r, fault.Field("delta", "required", "is required"))
		return
	}
	s.changeStock(w, r, sales.StockChange{WarehouseID: b.WarehouseID, Delta: b.Delta, Reason: b.Reason})
}

func (s *Server) changeStock(w http.ResponseWriter, r *http.Request, ch sales.StockChange) {
	level, err := s.Sales.ChangeStock(r.Context(), r.PathValue("id"), ch)
	answer(w, r, http.StatusOK, level, err)
}

func (s *Server) listWarehouses(w http.ResponseWriter, r *http.Request) {
	list, err := s.Sales.Warehouses(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) createWarehouse(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &b); err != nil {
		writeError(w, r, err)
		return
	}
	h, err := s.Sales.CreateWarehouse(r.Context(), b.Name)
	answer(w, r, http.StatusCreated, h, err)
}

func (s *Server) getPriceListItems(w http.ResponseWriter, r *http.Request) {
	items, err := s.Sales.PriceListItems(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) setPriceListItems(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Items *[]sales.PriceListItem `json:"items"`
	}
	if err := decodeJSON(r, &b); err != nil {
		writeError(w, r, err)
		return
	}
	if b.Items == nil {
		writeError(w, r, fault.Field("items", "required", `is required: [{"product_id": …, "price": {"amount": minor units, "currency": …}}]`))
		return
	}
	items, err := s.Sales.SetPriceListItems(r.Context(), r.PathValue("id"), *b.Items)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) getSalesSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.Sales.Settings(r.Context())
	answer(w, r, http.StatusOK, st, err)
}

func (s *Server) updateSalesSettings(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(ch sales.SettingsChange) (any, error) {
		return s.Sales.UpdateSettings(r.Context(), ch)
	})
}

func (s *Server) listExchangeRates(w http.ResponseWriter, r *http.Request) {
	rates, err := s.Sales.ExchangeRates(r.Context(), r.URL.Query().Get("currency"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": rates})
}

func (s *Server) setExchangeRate(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Currency string      `json:"currency"`
		Rate     json.Number `json:"rate"`
		Date     string      `json:"date"`
	}
	if err := decodeJSON(r, &b); err != nil {
		writeError(w, r, err)
		return
	}
	rate, err := s.Sales.SetExchangeRate(r.Context(), sales.ExchangeRate{Currency: b.Currency, Rate: b.Rate.String(), Date: b.Date})
	answer(w, r, http.StatusCreated, rate, err)
}
