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

// setStockPage lists the warehouses, with a form to add one, and the
// products with their stock in all warehouses, each with a form to adjust
// it in one warehouse, with a reason.
type setStockPage struct {
	frame
	settingsForm
	Warehouses []formOption
	Products   []setStockRow
	More       bool
}

type setStockRow struct {
	ID, Name, SKU, Stock string
	Low                  bool // at or below its low-stock threshold
	Levels               []setStockLevel
}

// setStockLevel is a product's quantity in one warehouse.
type setStockLevel struct {
	Warehouse, Quantity string
}

// Form is the name of the row's form.
func (r setStockRow) Form() string { return "p" + r.ID }

func (s *Server) setStockPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowStock(w, r, v, http.StatusOK, &setStockPage{})
}

func (s *Server) setShowStock(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setStockPage) {
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
	levels, err := s.sales.StockByWarehouse(r.Context(), setIDsOf(products.Data))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.More = frame{Nav: "settings"}, products.NextCursor != ""
	for _, h := range houses {
		data.Warehouses = append(data.Warehouses, formOption{Value: h.ID, Label: h.Name})
	}
	for _, p := range products.Data {
		row := setStockRow{ID: str(p["id"]), Name: str(p["name"]), SKU: str(p["sku"])}
		if n, ok := setNumber(p["stock"]); ok {
			row.Stock = v.p.Number(n, setDecimals(n))
			t, hasThreshold := setNumber(p["low_stock_threshold"])
			row.Low = hasThreshold && n <= t
		}
		for _, l := range levels[row.ID] {
			row.Levels = append(row.Levels, setStockLevel{Warehouse: l.Name, Quantity: v.p.Number(l.Quantity, setDecimals(l.Quantity))})
		}
		data.Products = append(data.Products, row)
	}
	s.render(w, r, v, status, "settings_stock", data)
}

// setNumber reads a decimal field's value.
func setNumber(v any) (float64, bool) {
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

// setDecimals is how many decimals a quantity needs, up to three.
func setDecimals(n float64) int {
	for d := 0; d < 3; d++ {
		if f := n * float64(setPow10(d)); f == float64(int64(f)) {
			return d
		}
	}
	return 3
}

func setPow10(d int) int64 {
	n := int64(1)
	for range d {
		n *= 10
	}
	return n
}

func (s *Server) setAddWarehouse(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if _, err := s.sales.CreateWarehouse(r.Context(), r.PostFormValue("name")); err != nil {
		s.setStockRefused(w, r, v, "house", err)
		return
	}
	settingsSaved(w, r, "/settings/stock")
}

// setAdjustStock adds to or takes from a product's stock in one warehouse
// through the sales service, as the API's adjustment does, with the
// reason given. Going below zero where the workspace does not allow it is
// refused beside the quantity.
func (s *Server) setAdjustStock(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	form := "p" + r.PathValue("id")
	text := strings.Replace(strings.TrimSpace(r.PostFormValue("delta")), ",", ".", 1)
	delta, err := strconv.ParseFloat(text, 64)
	if err != nil || delta == 0 {
		s.setStockRefused(w, r, v, form, fault.Field("delta", "format", "is no quantity"))
		return
	}
	_, err = s.sales.ChangeStock(r.Context(), r.PathValue("id"), sales.StockChange{WarehouseID: r.PostFormValue("warehouse_id"),
		Delta: &delta, Reason: r.PostFormValue("reason")})
	if err != nil {
		s.setStockRefused(w, r, v, form, err)
		return
	}
	settingsSaved(w, r, "/settings/stock")
}

func (s *Server) setStockRefused(w http.ResponseWriter, r *http.Request, v *visit, form string, err error) {
	data := &setStockPage{}
	if !data.refuse(v, r, form, err, v.p.T("web.settings.stock.below_zero")) {
		s.fail(w, r, v, err)
		return
	}
	s.setShowStock(w, r, v, http.StatusBadRequest, data)
}
