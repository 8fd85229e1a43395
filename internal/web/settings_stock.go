package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// stockPage lists the warehouses, with a form to add one, and the
// products with their stock in all warehouses, each with a form to adjust
// it in one warehouse, with a reason.
type stockPage struct {
	frame
	settingsForm
	Warehouses []formOption
	Products   []stockRow
	More       bool
}

type stockRow struct {
	ID, Name, SKU, Stock string
	Low                  bool // at or below its low-stock threshold
	Levels               []stockLevel
}

// stockLevel is a product's quantity in one warehouse.
type stockLevel struct {
	Warehouse, Quantity string
}

// Form is the name of the row's form.
func (r stockRow) Form() string { return "p" + r.ID }

func (s *Server) stockPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showStock(w, r, v, http.StatusOK, &stockPage{})
}

func (s *Server) showStock(w http.ResponseWriter, r *http.Request, v *visit, status int, data *stockPage) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	houses, err := s.sales.Warehouses(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// The product's stock field holds its total in all warehouses, so one
	// list shows every product's stock.
	products, err := s.engine.List(r.Context(), "products", records.Query{Sort: []string{"name"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	levels, err := s.sales.StockByWarehouse(r.Context(), idsOf(products.Data))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.More = frame{Nav: "settings"}, products.NextCursor != ""
	for _, h := range houses {
		data.Warehouses = append(data.Warehouses, formOption{Value: h.ID, Label: h.Name})
	}
	for _, p := range products.Data {
		row := stockRow{ID: str(p["id"]), Name: str(p["name"]), SKU: str(p["sku"])}
		if n, ok := number(p["stock"]); ok {
			row.Stock = v.p.Number(n, decimals(n))
			t, hasThreshold := number(p["low_stock_threshold"])
			row.Low = hasThreshold && n <= t
		}
		for _, l := range levels[row.ID] {
			row.Levels = append(row.Levels, stockLevel{Warehouse: l.Name, Quantity: v.p.Number(l.Quantity, decimals(l.Quantity))})
		}
		data.Products = append(data.Products, row)
	}
	s.render(w, r, v, status, "settings_stock", data)
}

// number reads a decimal field's value.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// decimals is how many decimals a quantity needs, up to three.
func decimals(n float64) int {
	for d := 0; d < 3; d++ {
		if f := n * float64(pow10(d)); f == float64(int64(f)) {
			return d
		}
	}
	return 3
}

func pow10(d int) int64 {
	n := int64(1)
	for range d {
		n *= 10
	}
	return n
}

func (s *Server) addWarehouse(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if _, err := s.sales.CreateWarehouse(r.Context(), r.PostFormValue("name")); err != nil {
		s.stockRefused(w, r, v, "house", err)
		return
	}
	saved(w, r, "/settings/stock")
}

// adjustStock adds to or takes from a product's stock in one warehouse
// through the sales service, as the API's adjustment does, with the
// reason given. Going below zero where the workspace does not allow it is
// refused beside the quantity.
func (s *Server) adjustStock(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	form := "p" + r.PathValue("id")
	text := strings.Replace(strings.TrimSpace(r.PostFormValue("delta")), ",", ".", 1)
	delta, err := strconv.ParseFloat(text, 64)
	if err != nil || delta == 0 {
		s.stockRefused(w, r, v, form, fault.Field("delta", "format", "is no quantity"))
		return
	}
	_, err = s.sales.ChangeStock(r.Context(), r.PathValue("id"), sales.StockChange{WarehouseID: r.PostFormValue("warehouse_id"),
		Delta: &delta, Reason: r.PostFormValue("reason")})
	if err != nil {
		s.stockRefused(w, r, v, form, err)
		return
	}
	saved(w, r, "/settings/stock")
}

func (s *Server) stockRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error) {
	data := &stockPage{}
	if !data.refuse(v, r, form, err, v.p.T("web.settings.stock.below_zero")) {
		s.fail(w, r, v, err)
		return
	}
	s.showStock(w, r, v, http.StatusBadRequest, data)
}
