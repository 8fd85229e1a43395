package sales

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// product is what line items and stock need to know of a product.
type product struct {
	id        int64
	name      string
	price     *Money
	taxRate   *float64
	stock     *float64
	threshold *float64
}

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func (m Money) value() map[string]any {
	return map[string]any{"amount": m.Amount, "currency": m.Currency}
}

// moneyOf reads a money value in any form a record holds it.
func moneyOf(v any) (Money, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return Money{}, false
	}
	amount, ok := records.Int(m["amount"])
	cur, _ := m["currency"].(string)
	return Money{Amount: amount, Currency: cur}, ok && cur != ""
}

// priceLineItems completes the deal's line items: a product's name, tax
// rate and price (from an active price list in the deal's currency, else
// the product's own) where the item gives none, and each item's total.
// The deal's value becomes the sum of the totals. Every item must be in
// one currency.
func (s *Service) priceLineItems(ctx context.Context, w *records.Write) error {
	items, _ := w.Vals["line_items"].([]any)
	if len(items) == 0 {
		return nil
	}
	currency, err := s.dealCurrency(ctx, w)
	if err != nil {
		return err
	}
	products := map[int64]*product{}
	var c fault.Collector
	var sum Money
	for i, v := range items {
		item := v.(map[string]any)
		at := "line_items[" + strconv.Itoa(i) + "]"
		if err := s.completeItem(ctx, w, item, at, currency, products, &c); err != nil {
			return err
		}
		price, ok := moneyOf(item["unit_price"])
		if !ok {
			continue // reported by completeItem
		}
		if sum.Currency == "" {
			sum.Currency = price.Currency
		}
		if price.Currency != sum.Currency {
			c.Add(at+".unit_price.currency", "currency_mix", "all line items of a deal are in one currency, here %s, not %s", sum.Currency, price.Currency)
			continue
		}
		total, err := lineTotal(item, price.Amount)
		if err != nil {
			c.Add(at, "range", "%s", err.Error())
			continue
		}
		item["total"] = Money{Amount: total, Currency: price.Currency}.value()
		sum.Amount += total
	}
	if err := c.Err(); err != nil {
		return err
	}
	w.Vals["value"] = sum.value()
	return nil
}

// completeItem fills what an item leaves to its product and reports what
// cannot be filled.
func (s *Service) completeItem(ctx context.Context, w *records.Write, item map[string]any, at, currency string,
	products map[int64]*product, c *fault.Collector) error {
	id, _ := item["product_id"].(string)
	if id == "" {
		if item["unit_price"] == nil {
			c.Add(at+".unit_price", "required", "an item without a product needs a unit price")
		}
		return nil
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	p, ok := products[n]
	if !ok {
		if len(products) == 0 {
			// Products are a setting object: a role reads all or none.
			if err := s.engine.Policy().Authorize(ctx, w.Actor, "product", access.Read, nil); err != nil {
				return err
			}
		}
		var err error
		if p, err = s.loadProduct(ctx, w.Q, w.Actor.WorkspaceID, n, false); err != nil {
			return err
		}
		products[n] = p
	}
	if p == nil {
		c.Add(at+".product_id", "reference", "no product with id %q", id)
		return nil
	}
	if item["name"] == nil {
		item["name"] = p.name
	}
	if item["tax_rate"] == nil && p.taxRate != nil {
		item["tax_rate"] = json.Number(strconv.FormatFloat(*p.taxRate, 'f', -1, 64))
	}
	if item["unit_price"] != nil {
		return nil
	}
	price, err := s.listPrice(ctx, w.Q, w.Actor.WorkspaceID, n, currency)
	if err != nil {
		return err
	}
	if price == nil {
		price = p.price
	}
	if price == nil {
		c.Add(at+".unit_price", "required", "product %q has no price in %s; give a unit price", p.name, currency)
		return nil
	}
	item["unit_price"] = price.value()
	return nil
}

// dealCurrency is the currency of the deal's value, else the workspace's
// base currency.
func (s *Service) dealCurrency(ctx context.Context, w *records.Write) (string, error) {
	if m, ok := moneyOf(w.Value("value")); ok {
		return m.Currency, nil
	}
	st, err := s.settings(ctx, w.Q, w.Actor.WorkspaceID)
	return st.BaseCurrency, err
}

// lineTotal is quantity × unit price × (1 − discount %) × (1 + tax %),
// rounded half away from zero to minor units. It is computed exactly, so
// that the same items always give the same total on every database.
func lineTotal(item map[string]any, unit int64) (int64, error) {
	q, ok := rat(item["quantity"])
	if !ok {
		return 0, errors.New("quantity is not a number")
	}
	discount, _ := rat(item["discount"])
	tax, _ := rat(item["tax_rate"])
	hundred := big.NewRat(100, 1)
	t := new(big.Rat).Mul(q, new(big.Rat).SetInt64(unit))
	t.Mul(t, new(big.Rat).Quo(new(big.Rat).Sub(hundred, discount), hundred))
	t.Mul(t, new(big.Rat).Quo(new(big.Rat).Add(hundred, tax), hundred))
	total, ok := round(t)
	if !ok {
		return 0, errors.New("the total is too large")
	}
	return total, nil
}

// rat reads a decimal exactly; nil reads as zero.
func rat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case nil:
		return new(big.Rat), true
	case json.Number:
		return new(big.Rat).SetString(string(x))
	case string:
		return new(big.Rat).SetString(x)
	}
	f, ok := records.Number(v)
	if !ok {
		return nil, false
	}
	r := new(big.Rat)
	r.SetFloat64(f)
	return r, true
}

// round rounds half away from zero to an int64.
func round(r *big.Rat) (int64, bool) {
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64(), q.IsInt64()
}

// loadProduct reads a live product; nil when there is none. lock holds its
// stock rows' parent until the transaction ends, so that two wins of the
// same product take stock one after the other.
func (s *Service) loadProduct(ctx context.Context, q store.Querier, ws, id int64, lock bool) (*product, error) {
	p := &product{id: id}
	var price sql.NullString
	var tax, stock, threshold sql.NullFloat64
	suffix := ""
	if lock {
		suffix = s.db.Dialect.LockRows()
	}
	err := q.QueryRowContext(ctx, `SELECT name, `+s.db.Dialect.JSONOut("price")+`, tax_rate, stock, low_stock_threshold
		FROM products WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`+suffix, ws, id).Scan(&p.name, &price, &tax, &stock, &threshold)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if price.Valid {
		var m Money
		if err := json.Unmarshal([]byte(price.String), &m); err != nil {
			return nil, err
		}
		p.price = &m
	}
	p.taxRate = nullable(tax)
	p.stock = nullable(stock)
	p.threshold = nullable(threshold)
	return p, nil
}

func nullable(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// listPrice is the product's price on the first active price list in
// currency that has one, or nil.
func (s *Service) listPrice(ctx context.Context, q store.Querier, ws, productID int64, currency string) (*Money, error) {
	var amount int64
	err := q.QueryRowContext(ctx, `SELECT i.amount FROM price_list_items i
		JOIN price_lists l ON l.workspace_id = i.workspace_id AND l.id = i.price_list_id
		WHERE i.workspace_id = ? AND i.product_id = ? AND l.currency = ? AND l.active = ? AND l.deleted_at IS NULL
		ORDER BY l.id LIMIT 1`, ws, productID, currency, s.db.Dialect.Bool(true)).Scan(&amount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Money{Amount: amount, Currency: currency}, nil
}
