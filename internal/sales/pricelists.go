package sales

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// MaxPriceListItems bounds one price list.
const MaxPriceListItems = 5000

// PriceListItem is a product's price on a price list, in the list's
// currency.
type PriceListItem struct {
	ProductID string `json:"product_id"`
	Price     Money  `json:"price"`
}

// PriceListItems returns a price list's prices, by product id.
func (s *Service) PriceListItems(ctx context.Context, listID string) ([]PriceListItem, error) {
	list, err := s.engine.Get(ctx, "price_list", listID, false)
	if err != nil {
		return nil, err
	}
	a, _ := access.ActorFrom(ctx)
	return s.priceListItems(ctx, s.db.Reader(), a.WorkspaceID, list["id"].(string), list["currency"].(string))
}

func (s *Service) priceListItems(ctx context.Context, q store.Querier, ws int64, listID, currency string) ([]PriceListItem, error) {
	n, _ := strconv.ParseInt(listID, 10, 64)
	rows, err := q.QueryContext(ctx, `SELECT product_id, amount FROM price_list_items WHERE workspace_id = ? AND price_list_id = ?
		ORDER BY product_id`, ws, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PriceListItem{}
	for rows.Next() {
		var id, amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			return nil, err
		}
		out = append(out, PriceListItem{ProductID: strconv.FormatInt(id, 10), Price: Money{Amount: amount, Currency: currency}})
	}
	return out, rows.Err()
}

// SetPriceListItems replaces a price list's prices. Every product must
// exist in the workspace, appear once, and every price be in the list's
// currency and not negative.
func (s *Service) SetPriceListItems(ctx context.Context, listID string, items []PriceListItem) ([]PriceListItem, error) {
	list, err := s.engine.Get(ctx, "price_list", listID, false)
	if err != nil {
		return nil, err
	}
	a, err := s.authorize(ctx, "product", access.Update)
	if err != nil {
		return nil, err
	}
	if len(items) > MaxPriceListItems {
		return nil, fault.Field("items", "too_many", "a price list holds at most %d prices", MaxPriceListItems)
	}
	currency := list["currency"].(string)
	var out []PriceListItem
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var c fault.Collector
		seen := map[int64]bool{}
		ids := make([]int64, len(items))
		for i, it := range items {
			at := "items[" + strconv.Itoa(i) + "]"
			n, ok := input.ID(it.ProductID)
			switch {
			case !ok:
				c.Add(at+".product_id", "reference", "no product with id %q", it.ProductID)
				continue
			case seen[n]:
				c.Add(at+".product_id", "duplicate", "product %s is listed twice", it.ProductID)
				continue
			}
			seen[n], ids[i] = true, n
			p, err := s.loadProduct(ctx, q, a.WorkspaceID, n, false)
			if err != nil {
				return err
			}
			if p == nil {
				c.Add(at+".product_id", "reference", "no product with id %q", it.ProductID)
			}
			if it.Price.Currency != currency {
				c.Add(at+".price.currency", "currency", "must be the list's currency, %s", currency)
			}
			if it.Price.Amount < 0 {
				c.Add(at+".price.amount", "range", "must not be negative")
			}
		}
		if err := c.Err(); err != nil {
			return err
		}
		n, _ := strconv.ParseInt(listID, 10, 64)
		if _, err := q.ExecContext(ctx, `DELETE FROM price_list_items WHERE workspace_id = ? AND price_list_id = ?`, a.WorkspaceID, n); err != nil {
			return err
		}
		for i, it := range items {
			if _, err := q.ExecContext(ctx, `INSERT INTO price_list_items (workspace_id, price_list_id, product_id, amount) VALUES (?, ?, ?, ?)`,
				a.WorkspaceID, n, ids[i], it.Price.Amount); err != nil {
				return err
			}
		}
		if err := s.event(ctx, q, a, "price_list", listID, map[string]any{"items": change(nil, items)}); err != nil {
			return err
		}
		out, err = s.priceListItems(ctx, q, a.WorkspaceID, listID, currency)
		return err
	})
	return out, err
}
