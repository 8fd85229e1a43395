package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// lineItemsView is a deal's line items on its page: a small form per item
// to change its quantity, price, discount and tax or remove it, and one to
// add an item, each saved through the engine at the deal's version, so
// that the sales service prices the items and totals the deal.
type lineItemsView struct {
	Action   string // where the forms post: /deals/{id}/items
	CSRF     string
	Version  int64
	Rows     []itemRow
	Total    string
	New      itemRow
	Product  formField // the picker of the new item's product
	Problems []string
}

// itemRow is one line item as typed or as saved.
type itemRow struct {
	N                              int // its place among the deal's items; -1 for a new one
	Name, Href                     string
	Quantity, Price, Discount, Tax string
	Total                          string
	Stock                          string // what is in stock, for a product whose stock is kept
	Short                          bool   // more is asked for than is in stock
	Errors                         map[string]string
}

// InputID is the id of the input of one part of the item.
func (row itemRow) InputID(part string) string {
	if row.N < 0 {
		return "item-new-" + part
	}
	return "item-" + strconv.Itoa(row.N) + "-" + part
}

// Problem is the error of one part of the item.
func (row itemRow) Problem(part string) fieldProblem {
	return fieldProblem{ID: row.InputID(part) + "-error", Text: row.Errors[part]}
}

// lineItems is the view of a deal's line items.
func (s *Server) lineItems(r *http.Request, v *visit, deal records.Record) (*lineItemsView, error) {
	stored, _ := deal["line_items"].([]any)
	stock, err := s.stockLevels(r, stored)
	if err != nil {
		return nil, err
	}
	out := &lineItemsView{Action: "/deals/" + str(deal["id"]) + "/items", Version: versionOf(deal), New: itemRow{N: -1}}
	for i, it := range stored {
		m, _ := it.(map[string]any)
		row := itemRow{N: i, Name: str(m["name"]), Quantity: number(m["quantity"]), Discount: number(m["discount"]), Tax: number(m["tax_rate"])}
		if price, ok := m["unit_price"].(map[string]any); ok {
			row.Price = locale.Decimal(price["amount"], str(price["currency"]))
		}
		if total, ok := m["total"].(map[string]any); ok {
			row.Total = v.p.Money(locale.Decimal(total["amount"], str(total["currency"])), str(total["currency"]))
		}
		if id := str(m["product_id"]); id != "" {
			row.Href = "/products/" + id
			if q, ok := stock[id]; ok {
				row.Stock = v.p.T("web.items.in_stock", "quantity", quantity(v, q))
				n, _ := records.Number(m["quantity"])
				row.Short = n > q && str(deal["status"]) != "won"
			}
		}
		out.Rows = append(out.Rows, row)
	}
	if value, ok := deal["value"].(map[string]any); ok && len(stored) > 0 {
		out.Total = v.p.Money(locale.Decimal(value["amount"], str(value["currency"])), str(value["currency"]))
	}
	out.Product = formField{Label: v.p.T("web.items.product"), Kind: "picker", Pick: "/pick/products",
		Inputs: []formInput{{Name: "product_id"}}, field: &records.Field{Name: "product_id", Type: records.Relation, Target: "product"}}
	return out, nil
}

// number is a stored number as an input shows it.
func number(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// stockLevels reads the stock of the products the items name, in one
// query. A role that may not read products sees no stock.
func (s *Server) stockLevels(r *http.Request, items []any) (map[string]float64, error) {
	var ids []any
	for _, it := range items {
		m, _ := it.(map[string]any)
		if id := str(m["product_id"]); id != "" && !slices.Contains(ids, any(id)) && len(ids) < maxNamed {
			ids = append(ids, id)
		}
	}
	out := map[string]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	page, err := s.engine.List(r.Context(), "products", records.Query{
		Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
	if fault.Is(err, fault.EFORBIDDEN) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range page.Data {
		if q, ok := records.Number(p["stock"]); ok && p["stock"] != nil {
			out[str(p["id"])] = q
		}
	}
	return out, nil
}

// addLineItem adds an item to a deal.
func (s *Server) addLineItem(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeItems(w, r, v, -1)
}

// changeLineItem saves or removes the n-th item of a deal.
func (s *Server) changeLineItem(w http.ResponseWriter, r *http.Request, v *visit) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= maxFormItems*5 {
		s.fail(w, r, v, errNotFound)
		return
	}
	s.changeItems(w, r, v, n)
}

// changeItems writes the deal's items, with the n-th (-1: a new one)
// changed as posted, through the engine at the version the page showed.
// The page comes back on success; on a refusal it shows the deal as it is
// now, with what was typed and each error beside its input.
func (s *Server) changeItems(w http.ResponseWriter, r *http.Request, v *visit, n int) {
	r.SetPathValue("object", "deals")
	ctx, id := r.Context(), r.PathValue("id")
	deal, err := s.engine.Get(ctx, "deals", id, false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	items, err := itemsInput(deal)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	typed := typedItem(r, n)
	cur := s.dealCurrency(r, deal)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	switch {
	case n < 0:
		items = append(items, itemInput(map[string]any{}, typed, r.PostFormValue("product_id"), cur))
	case n >= len(items):
		version = -1 // the page showed items the deal no longer has
	case r.PostFormValue("action") == "remove":
		items = slices.Delete(items, n, n+1)
	default:
		items[n] = itemInput(items[n].(map[string]any), typed, "", cur)
	}
	if version > 0 {
		_, err = s.engine.Update(ctx, "deals", id, version, map[string]any{"line_items": items})
	} else {
		err = fault.Errorf(fault.ECONFLICT, "the form carries another version")
	}
	if err == nil {
		http.Redirect(w, r, "/deals/"+id+"#line-items", http.StatusSeeOther)
		return
	}
	s.itemsRefused(w, r, v, n, typed, err)
}

// itemsRefused shows the deal's page after the engine refused its items.
func (s *Server) itemsRefused(w http.ResponseWriter, r *http.Request, v *visit, n int, typed itemRow, err error) {
	var fe *fault.Error
	if !stale(err) && (!errors.As(err, &fe) || len(fe.Fields) == 0) {
		s.fail(w, r, v, err)
		return
	}
	data, ok := s.recordData(w, r, v)
	if !ok {
		return
	}
	items := data.Items
	if stale(err) {
		items.Problems = append(items.Problems, v.p.T("web.items.stale"))
		s.render(w, r, v, http.StatusConflict, "record", data)
		return
	}
	row := &items.New
	if n >= 0 && n < len(items.Rows) {
		row = &items.Rows[n]
	}
	row.Quantity, row.Price, row.Discount, row.Tax, row.Errors = typed.Quantity, typed.Price, typed.Discount, typed.Tax, map[string]string{}
	if n < 0 {
		items.Product.Inputs[0] = formInput{Name: "product_id", Value: r.PostFormValue("product_id"), Text: typed.Name}
	}
	for _, e := range fe.Fields {
		part, at := itemPart(e.Field)
		msg := v.p.FieldError(e)
		switch {
		case at != n && !(n < 0 && at == len(items.Rows)):
			items.Problems = append(items.Problems, msg)
		case part == "product_id" && n < 0:
			items.Product.Inputs[0].Error = msg
		case part == "quantity" || part == "unit_price" || part == "discount" || part == "tax_rate":
			row.Errors[part] = msg
		default:
			items.Problems = append(items.Problems, msg)
		}
	}
	s.render(w, r, v, http.StatusBadRequest, "record", data)
}

var itemPath = regexp.MustCompile(`^line_items\[(\d+)\](?:\.([a-z_]+))?`)

// itemPart reads the engine's path of an error in line items
// (line_items[2].unit_price.amount) as the item and its part.
func itemPart(path string) (part string, item int) {
	m := itemPath.FindStringSubmatch(path)
	if m == nil {
		return "", -2
	}
	item, _ = strconv.Atoi(m[1])
	return m[2], item
}

// typedItem is what was typed for an item.
func typedItem(r *http.Request, n int) itemRow {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return itemRow{N: n, Name: get("q"), Quantity: get("quantity"), Price: get("unit_price"), Discount: get("discount"), Tax: get("tax_rate")}
}

// itemsInput is the deal's items as the engine takes them back: what was
// read, through JSON, without the totals the sales service computes.
func itemsInput(deal records.Record) ([]any, error) {
	body, err := json.Marshal(map[string]any{"line_items": deal["line_items"]})
	if err != nil {
		return nil, err
	}
	in, err := records.DecodeInput(body)
	if err != nil {
		return nil, err
	}
	items, _ := in["line_items"].([]any)
	for _, it := range items {
		delete(it.(map[string]any), "total")
	}
	return items, nil
}

// itemInput is an item with what was typed for it: a blank price is the
// product's, a blank discount none, a blank tax rate the product's. A new
// item names a product, or else is named by what was typed in the picker.
func itemInput(item map[string]any, typed itemRow, product, currency string) map[string]any {
	if product != "" {
		item["product_id"] = product
	} else if item["product_id"] == nil && item["name"] == nil && typed.Name != "" {
		item["name"] = typed.Name
	}
	item["quantity"] = decimalInput(typed.Quantity)
	item["unit_price"] = moneyInput(typed.Price, currency)
	item["discount"] = decimalInput(typed.Discount)
	item["tax_rate"] = decimalInput(typed.Tax)
	return item
}

// decimalInput is a typed decimal as the engine reads it, nil for none.
func decimalInput(s string) any {
	if s == "" {
		return nil
	}
	return json.Number(strings.Replace(s, ",", ".", 1))
}

// dealCurrency is the currency of the deal's value, in which its items
// are priced, else the workspace's base currency.
func (s *Server) dealCurrency(r *http.Request, deal records.Record) string {
	if m, ok := deal["value"].(map[string]any); ok && str(m["currency"]) != "" {
		return str(m["currency"])
	}
	return s.baseCurrency(r)
}

// Parts are the parts of an item that its form types.
func (row itemRow) Parts() []string {
	return []string{"quantity", "unit_price", "discount", "tax_rate"}
}

// Value is what the input of a part holds.
func (row itemRow) Value(part string) string {
	switch part {
	case "quantity":
		return row.Quantity
	case "unit_price":
		return row.Price
	case "discount":
		return row.Discount
	}
	return row.Tax
}

// exampleItems are line items for the record page's declaration.
func exampleItems(p *locale.Printer) *lineItemsView {
	items := &lineItemsView{Action: "/deals/1/items", Version: 3, Total: "£1,200.00",
		Rows: []itemRow{{N: 0, Name: "Engine <b>", Href: "/products/1", Quantity: "2", Price: "600.00", Discount: "0",
			Total: "£1,200.00", Stock: p.T("web.items.in_stock", "quantity", "1"), Short: true,
			Errors: map[string]string{"quantity": p.FieldError(fault.FieldError{Field: "line_items[0].quantity", Code: "stock"})}}},
		New: itemRow{N: -1}, Problems: []string{p.T("web.items.stale")}}
	items.Product = formField{Label: p.T("web.items.product"), Kind: "picker", Pick: "/pick/products",
		Inputs: []formInput{{Name: "product_id"}}, field: &records.Field{Name: "product_id", Type: records.Relation, Target: "product"}}
	return items
}
