package records

import (
	"encoding/json"
	"strconv"

	"github.com/rapport-crm/rapport/internal/fault"
)

// maxLineItems bounds a deal's line items.
const maxLineItems = 500

// lineItemKeys are the parts of a line item. "total" is computed by the
// sales service; a client may send back what it read, and it is dropped.
var lineItemKeys = []string{"product_id", "name", "quantity", "unit_price", "discount", "tax_rate", "total"}

// lineItems checks a list of line items. Each names a product or at least
// a name, a positive quantity, and optionally a unit price (else the
// product's), a discount and a tax rate, both percentages. The stored form
// has every key, absent ones as null; prices and totals are filled by the
// sales service.
func (n normalizer) lineItems(f *Field, in any) (any, *fault.FieldError) {
	list, ok := in.([]any)
	if !ok {
		return nil, bad(f.Name, "type", "must be a list of line items")
	}
	if len(list) > maxLineItems {
		return nil, bad(f.Name, "too_many", "may hold at most %d line items", maxLineItems)
	}
	out := make([]any, 0, len(list))
	for i, v := range list {
		name := f.Name + "[" + strconv.Itoa(i) + "]"
		item, ferr := n.lineItem(name, v)
		if ferr != nil {
			return nil, ferr
		}
		out = append(out, item)
	}
	return out, nil
}

func (n normalizer) lineItem(name string, v any) (map[string]any, *fault.FieldError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, bad(name, "type", `must be an object {"product_id": …, "quantity": …}`)
	}
	for k := range m {
		if !contains(lineItemKeys, k) {
			return nil, bad(name+"."+k, "unknown", "is not a part of a line item; parts are %s", joinStrings(lineItemKeys))
		}
	}
	item := map[string]any{"product_id": nil, "name": nil, "quantity": nil, "unit_price": nil,
		"discount": json.Number("0"), "tax_rate": nil, "total": nil}
	if m["product_id"] != nil {
		id, ferr := n.id(&Field{Name: name + ".product_id", Type: Relation}, m["product_id"])
		if ferr != nil {
			return nil, ferr
		}
		item["product_id"] = id
	}
	if m["name"] != nil {
		text, ferr := n.text(&Field{Name: name + ".name", Type: Text}, m["name"])
		if ferr != nil {
			return nil, ferr
		}
		item["name"] = text
	}
	if item["product_id"] == nil && item["name"] == nil {
		return nil, bad(name+".product_id", "required", "is required, or else a name")
	}
	if m["quantity"] == nil {
		return nil, bad(name+".quantity", "required", "is required")
	}
	q, ferr := n.percentLike(name+".quantity", m["quantity"], 0, maxDecimal)
	if ferr != nil {
		return nil, ferr
	}
	if x, _ := q.Float64(); x <= 0 {
		return nil, bad(name+".quantity", "range", "must be more than zero")
	}
	item["quantity"] = q
	if m["unit_price"] != nil {
		p, ferr := n.money(&Field{Name: name + ".unit_price"}, m["unit_price"])
		if ferr != nil {
			return nil, ferr
		}
		if p.(map[string]any)["amount"].(int64) < 0 {
			return nil, bad(name+".unit_price.amount", "range", "must not be negative")
		}
		item["unit_price"] = p
	}
	for _, k := range []string{"discount", "tax_rate"} {
		if m[k] == nil {
			continue
		}
		x, ferr := n.percentLike(name+"."+k, m[k], 0, 100)
		if ferr != nil {
			return nil, ferr
		}
		item[k] = x
	}
	return item, nil
}

// percentLike reads a decimal between lo and hi inclusive.
func (n normalizer) percentLike(name string, v any, lo, hi float64) (json.Number, *fault.FieldError) {
	d, ferr := n.decimal(&Field{Name: name, Type: Decimal}, v)
	if ferr != nil {
		return "", ferr
	}
	num := d.(json.Number)
	x, _ := num.Float64()
	if x < lo || x > hi {
		if x < 0 {
			return "", bad(name, "range", "must not be negative")
		}
		return "", bad(name, "range", "must be at most %v", hi)
	}
	return num, nil
}

func joinStrings(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
