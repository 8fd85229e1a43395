package sales

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Stock is kept per product and warehouse; the product's stock field holds
// the total. A product whose stock is null is not tracked (a service, a
// licence): winning a deal takes nothing from it. Every change is a row of
// stock_movements, so that reopening a won deal gives back exactly what
// its win took, from the warehouses it took it from.

// Warehouse is a place that holds stock.
type Warehouse struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// WarehouseStock is a product's quantity in one warehouse.
type WarehouseStock struct {
	WarehouseID string  `json:"warehouse_id"`
	Name        string  `json:"name"`
	Quantity    float64 `json:"quantity"`
}

// StockLevel is a product's stock, in total and per warehouse.
type StockLevel struct {
	ProductID  string           `json:"product_id"`
	Total      *float64         `json:"total"`
	Threshold  *float64         `json:"low_stock_threshold"`
	Warehouses []WarehouseStock `json:"warehouses"`
}

// StockChange sets (Quantity) or adjusts (Delta) one product's stock in one
// warehouse; an empty WarehouseID means the default warehouse.
type StockChange struct {
	WarehouseID string
	Quantity    *float64
	Delta       *float64
	// Reason says why, in a person's words ("counted", "damaged in
	// transit"); it is kept with the movement instead of "set" or
	// "adjust".
	Reason string
}

// Warehouses lists the workspace's warehouses, the default first.
func (s *Service) Warehouses(ctx context.Context) ([]Warehouse, error) {
	a, err := s.authorize(ctx, "product", access.Read)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, name, is_default FROM warehouses WHERE workspace_id = ?
		ORDER BY is_default DESC, id`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Warehouse{}
	for rows.Next() {
		var h Warehouse
		var id int64
		if err := rows.Scan(&id, &h.Name, &h.Default); err != nil {
			return nil, err
		}
		h.ID = strconv.FormatInt(id, 10)
		out = append(out, h)
	}
	return out, rows.Err()
}

// CreateWarehouse adds a warehouse. The workspace's first becomes its
// default.
func (s *Service) CreateWarehouse(ctx context.Context, name string) (Warehouse, error) {
	a, err := s.authorize(ctx, "product", access.Create)
	if err != nil {
		return Warehouse{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Warehouse{}, fault.Field("name", "required", "is required, at most 200 characters")
	}
	if fe := input.Line("name", name); fe != nil {
		return Warehouse{}, fault.Invalid(*fe)
	}
	var h Warehouse
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM warehouses WHERE workspace_id = ?`, a.WorkspaceID).Scan(&n); err != nil {
			return err
		}
		id, err := s.insertWarehouse(ctx, q, a.WorkspaceID, name, n == 0)
		h = Warehouse{ID: strconv.FormatInt(id, 10), Name: name, Default: n == 0}
		return err
	})
	if store.IsUniqueViolation(err) {
		return Warehouse{}, fault.Field("name", "taken", "there is already a warehouse called %q", name)
	}
	return h, err
}

func (s *Service) insertWarehouse(ctx context.Context, q store.Querier, ws int64, name string, isDefault bool) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO warehouses (workspace_id, name, is_default, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		ws, name, isDefault, s.db.Dialect.Time(s.now())).Scan(&id)
	return id, err
}

// defaultWarehouse returns the workspace's default warehouse, creating it
// ("Main") on first use so that a shop with one store needs no set-up.
func (s *Service) defaultWarehouse(ctx context.Context, q store.Querier, ws int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM warehouses WHERE workspace_id = ? AND is_default = ?`, ws, s.db.Dialect.Bool(true)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return s.insertWarehouse(ctx, q, ws, "Main", true)
	}
	return id, err
}

// warehouse resolves a warehouse id given by a caller; "" is the default.
func (s *Service) warehouse(ctx context.Context, q store.Querier, ws int64, id string) (int64, error) {
	if id == "" {
		return s.defaultWarehouse(ctx, q, ws)
	}
	n, ok := input.ID(id)
	var found int64
	err := q.QueryRowContext(ctx, `SELECT id FROM warehouses WHERE workspace_id = ? AND id = ?`, ws, n).Scan(&found)
	if !ok || errors.Is(err, sql.ErrNoRows) {
		return 0, fault.Field("warehouse_id", "reference", "no warehouse with id %q", id)
	}
	return found, err
}

// Stock returns a product's stock per warehouse.
func (s *Service) Stock(ctx context.Context, productID string) (StockLevel, error) {
	rec, err := s.engine.Get(ctx, "product", productID, false)
	if err != nil {
		return StockLevel{}, err
	}
	a, _ := access.ActorFrom(ctx)
	return s.stockLevel(ctx, s.db.Reader(), a.WorkspaceID, rec["id"].(string))
}

func (s *Service) stockLevel(ctx context.Context, q store.Querier, ws int64, productID string) (StockLevel, error) {
	n, _ := strconv.ParseInt(productID, 10, 64)
	p, err := s.loadProduct(ctx, q, ws, n, false)
	if err != nil {
		return StockLevel{}, err
	}
	if p == nil {
		return StockLevel{}, fault.Errorf(fault.ENOTFOUND, "no product with id %q", productID)
	}
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.name, s.quantity FROM product_stock s
		JOIN warehouses h ON h.workspace_id = s.workspace_id AND h.id = s.warehouse_id
		WHERE s.workspace_id = ? AND s.product_id = ? ORDER BY h.is_default DESC, h.id`, ws, n)
	if err != nil {
		return StockLevel{}, err
	}
	defer rows.Close()
	out := StockLevel{ProductID: productID, Total: p.stock, Threshold: p.threshold, Warehouses: []WarehouseStock{}}
	for rows.Next() {
		var h WarehouseStock
		var id int64
		if err := rows.Scan(&id, &h.Name, &h.Quantity); err != nil {
			return StockLevel{}, err
		}
		h.WarehouseID = strconv.FormatInt(id, 10)
		out.Warehouses = append(out.Warehouses, h)
	}
	return out, rows.Err()
}

// MaxStockProducts bounds the products StockByWarehouse reads at once.
const MaxStockProducts = 500

// StockByWarehouse returns, for each of the products that has stock in
// some warehouse, its quantity in each, the default warehouse first. It
// reads them all in one query, for a page that lists many products.
func (s *Service) StockByWarehouse(ctx context.Context, productIDs []string) (map[string][]WarehouseStock, error) {
	a, err := s.authorize(ctx, "product", access.Read)
	if err != nil {
		return nil, err
	}
	if len(productIDs) > MaxStockProducts {
		return nil, fault.Field("product_id", "too_many", "at most %d products at once", MaxStockProducts)
	}
	args := []any{a.WorkspaceID}
	for _, id := range productIDs {
		if n, ok := input.ID(id); ok {
			args = append(args, n)
		}
	}
	out := map[string][]WarehouseStock{}
	if len(args) == 1 {
		return out, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT s.product_id, h.id, h.name, s.quantity FROM product_stock s
		JOIN warehouses h ON h.workspace_id = s.workspace_id AND h.id = s.warehouse_id
		WHERE s.workspace_id = ? AND s.product_id IN (?`+strings.Repeat(", ?", len(args)-2)+`)
		ORDER BY s.product_id, h.is_default DESC, h.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var product, house int64
		var h WarehouseStock
		if err := rows.Scan(&product, &house, &h.Name, &h.Quantity); err != nil {
			return nil, err
		}
		h.WarehouseID = strconv.FormatInt(house, 10)
		id := strconv.FormatInt(product, 10)
		out[id] = append(out[id], h)
	}
	return out, rows.Err()
}

// ChangeStock sets or adjusts a product's stock in one warehouse and
// returns the new levels. An adjustment that would leave the warehouse
// below zero is refused unless the workspace allows negative stock.
func (s *Service) ChangeStock(ctx context.Context, productID string, ch StockChange) (StockLevel, error) {
	if (ch.Quantity == nil) == (ch.Delta == nil) {
		return StockLevel{}, fault.Field("quantity", "required", "give either quantity (the new level) or delta (a change)")
	}
	for name, v := range map[string]*float64{"quantity": ch.Quantity, "delta": ch.Delta} {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || math.Abs(*v) > 1e12) {
			return StockLevel{}, fault.Field(name, "range", "must be a number of at most 1e12")
		}
	}
	ch.Reason = strings.TrimSpace(ch.Reason)
	if utf8.RuneCountInString(ch.Reason) > 200 {
		return StockLevel{}, fault.Field("reason", "too_long", "must be at most 200 characters")
	}
	if fe := input.Line("reason", ch.Reason); fe != nil {
		return StockLevel{}, fault.Invalid(*fe)
	}
	if _, err := s.engine.Get(ctx, "product", productID, false); err != nil {
		return StockLevel{}, err
	}
	a, err := s.authorize(ctx, "product", access.Update)
	if err != nil {
		return StockLevel{}, err
	}
	var out StockLevel
	err = s.db.Tx(ctx, func(q store.Querier) error {
		n, _ := strconv.ParseInt(productID, 10, 64)
		p, err := s.loadProduct(ctx, q, a.WorkspaceID, n, true)
		if err != nil {
			return err
		}
		if p == nil {
			return fault.Errorf(fault.ENOTFOUND, "no product with id %q", productID)
		}
		h, err := s.warehouse(ctx, q, a.WorkspaceID, ch.WarehouseID)
		if err != nil {
			return err
		}
		have, err := s.quantityIn(ctx, q, a.WorkspaceID, n, h)
		if err != nil {
			return err
		}
		delta, reason := 0.0, "set"
		if ch.Quantity != nil {
			delta = *ch.Quantity - have
		} else {
			delta, reason = *ch.Delta, "adjust"
		}
		if ch.Reason != "" {
			reason = ch.Reason
		}
		if have+delta < 0 {
			st, err := s.settings(ctx, q, a.WorkspaceID)
			if err != nil {
				return err
			}
			if !st.AllowNegativeStock {
				field := "quantity"
				if ch.Delta != nil {
					field = "delta"
				}
				return &fault.Error{Code: fault.ECONFLICT, Message: fmt.Sprintf("%s would go below zero (%v in stock) and the workspace does not allow negative stock", p.name, have),
					Fields: []fault.FieldError{{Field: field, Code: "stock", Message: fmt.Sprintf("%v in stock in this warehouse", have)}}}
			}
		}
		last, err := s.move(ctx, q, a, n, h, delta, reason, 0)
		if err != nil {
			return err
		}
		if err := s.settle(ctx, q, a, p, last); err != nil {
			return err
		}
		out, err = s.stockLevel(ctx, q, a.WorkspaceID, productID)
		return err
	})
	return out, err
}

func (s *Service) quantityIn(ctx context.Context, q store.Querier, ws, productID, warehouse int64) (float64, error) {
	var have float64
	err := q.QueryRowContext(ctx, `SELECT quantity FROM product_stock WHERE workspace_id = ? AND product_id = ? AND warehouse_id = ?`,
		ws, productID, warehouse).Scan(&have)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return have, err
}

// move changes one warehouse's quantity of a product and records why. It
// returns the movement's id.
func (s *Service) move(ctx context.Context, q store.Querier, a access.Actor, productID, warehouse int64, delta float64, reason string, deal int64) (int64, error) {
	now := s.db.Dialect.Time(s.now())
	if _, err := q.ExecContext(ctx, `INSERT INTO product_stock (workspace_id, product_id, warehouse_id, quantity, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, product_id, warehouse_id)
		DO UPDATE SET quantity = product_stock.quantity + excluded.quantity, updated_at = excluded.updated_at`,
		a.WorkspaceID, productID, warehouse, delta, now); err != nil {
		return 0, err
	}
	var dealID, userID any
	if deal != 0 {
		dealID = deal
	}
	if a.UserID != 0 {
		userID = a.UserID
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO stock_movements (workspace_id, product_id, warehouse_id, delta, reason, deal_id, user_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, productID, warehouse, delta, reason, dealID, userID, now).Scan(&id)
	return id, err
}

// settle writes a product's new total stock, with a version and an event
// like any change of a record, and tells the administrators when the
// total falls to the low-stock threshold. last is the movement that made
// the change: it keys the notification, so each crossing tells once.
func (s *Service) settle(ctx context.Context, q store.Querier, a access.Actor, p *product, last int64) error {
	var total float64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM product_stock WHERE workspace_id = ? AND product_id = ?`,
		a.WorkspaceID, p.id).Scan(&total); err != nil {
		return err
	}
	total = math.Round(total*1e6) / 1e6 // sums of decimals drift in binary
	if p.stock != nil && *p.stock == total {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE products SET stock = ?, version = version + 1, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		total, s.db.Dialect.Time(s.now()), a.WorkspaceID, p.id); err != nil {
		return err
	}
	var before any
	if p.stock != nil {
		before = *p.stock
	}
	id := strconv.FormatInt(p.id, 10)
	if err := s.event(ctx, q, a, "product", id, map[string]any{"stock": change(before, total)}); err != nil {
		return err
	}
	crossed := p.threshold != nil && total <= *p.threshold && (p.stock == nil || *p.stock > *p.threshold)
	p.stock = &total
	if !crossed {
		return nil
	}
	return s.tellAdministrators(ctx, q, a.WorkspaceID, notify.Notification{Kind: "low_stock",
		Title:      fmt.Sprintf("Low stock: %s", p.name),
		Body:       fmt.Sprintf("%s is down to %v (threshold %v).", p.name, total, *p.threshold),
		RecordType: "product", RecordID: id, Key: fmt.Sprintf("low_stock:%d:%d", p.id, last)})
}

func (s *Service) tellAdministrators(ctx context.Context, q store.Querier, ws int64, n notify.Notification) error {
	rows, err := q.QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND role = ? AND status = 'active'`, ws, access.RoleAdministrator)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		n.UserID = id
		if _, err := notify.Add(ctx, q, s.db.Dialect, ws, n); err != nil {
			return err
		}
	}
	return nil
}

// need is the quantity of one product a won deal takes.
type need struct {
	productID int64
	item      int // the first line item naming the product, for errors
	quantity  float64
}

// takeStock deducts a won deal's line-item quantities from stock, the
// default warehouse first, refusing the win with every product short
// unless the workspace allows negative stock.
func (s *Service) takeStock(ctx context.Context, w *records.Write) error {
	needs := needsOf(w.Rec["line_items"])
	if len(needs) == 0 {
		return nil
	}
	ws := w.Actor.WorkspaceID
	st, err := s.settings(ctx, w.Q, ws)
	if err != nil {
		return err
	}
	deal, _ := strconv.ParseInt(w.ID, 10, 64)
	type plan struct {
		p     *product
		takes map[int64]float64 // by warehouse
		order []int64
	}
	var plans []plan
	var short []fault.FieldError
	for _, n := range needs {
		p, err := s.loadProduct(ctx, w.Q, ws, n.productID, true)
		if err != nil {
			return err
		}
		if p == nil || p.stock == nil {
			continue // gone since, or not tracked
		}
		levels, err := s.levels(ctx, w.Q, ws, n.productID)
		if err != nil {
			return err
		}
		pl := plan{p: p, takes: map[int64]float64{}}
		left := n.quantity
		for _, l := range levels {
			take := math.Min(left, math.Max(l.quantity, 0))
			if take > 0 {
				pl.takes[l.warehouse] += take
				pl.order = append(pl.order, l.warehouse)
				left -= take
			}
		}
		if left > 1e-9 {
			if !st.AllowNegativeStock {
				short = append(short, fault.FieldError{Field: "line_items[" + strconv.Itoa(n.item) + "].quantity", Code: "stock",
					Message: fmt.Sprintf("%s: %v needed, %v in stock", p.name, n.quantity, n.quantity-left)})
				continue
			}
			h, err := s.defaultWarehouse(ctx, w.Q, ws)
			if err != nil {
				return err
			}
			if _, seen := pl.takes[h]; !seen {
				pl.order = append(pl.order, h)
			}
			pl.takes[h] += left
		}
		plans = append(plans, pl)
	}
	if len(short) > 0 {
		list := make([]string, len(short))
		for i, f := range short {
			list[i] = f.Message
		}
		return &fault.Error{Code: fault.ECONFLICT, Fields: short,
			Message: "not enough stock to win the deal: " + strings.Join(list, "; ")}
	}
	for _, pl := range plans {
		var last int64
		for _, h := range pl.order {
			if last, err = s.move(ctx, w.Q, w.Actor, pl.p.id, h, -pl.takes[h], "deal_won", deal); err != nil {
				return err
			}
		}
		if err := s.settle(ctx, w.Q, w.Actor, pl.p, last); err != nil {
			return err
		}
	}
	return nil
}

// returnStock gives back what the deal's win took, to the warehouses it
// came from, when the deal leaves the won status.
func (s *Service) returnStock(ctx context.Context, w *records.Write) error {
	ws := w.Actor.WorkspaceID
	deal, _ := strconv.ParseInt(w.ID, 10, 64)
	rows, err := w.Q.QueryContext(ctx, `SELECT product_id, warehouse_id, SUM(delta) FROM stock_movements
		WHERE workspace_id = ? AND deal_id = ? GROUP BY product_id, warehouse_id ORDER BY product_id, warehouse_id`, ws, deal)
	if err != nil {
		return err
	}
	type taken struct {
		product, warehouse int64
		delta              float64
	}
	var back []taken
	for rows.Next() {
		var t taken
		if err := rows.Scan(&t.product, &t.warehouse, &t.delta); err != nil {
			rows.Close()
			return err
		}
		if math.Abs(t.delta) > 1e-9 {
			back = append(back, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	settled := map[int64]*product{}
	var last int64
	for _, t := range back {
		if _, ok := settled[t.product]; !ok {
			p, err := s.loadProduct(ctx, w.Q, ws, t.product, true)
			if err != nil {
				return err
			}
			settled[t.product] = p
		}
		if last, err = s.move(ctx, w.Q, w.Actor, t.product, t.warehouse, -t.delta, "deal_reopened", deal); err != nil {
			return err
		}
	}
	for _, p := range settled {
		if p != nil {
			if err := s.settle(ctx, w.Q, w.Actor, p, last); err != nil {
				return err
			}
		}
	}
	return nil
}

// level is a product's quantity in one warehouse.
type level struct {
	warehouse int64
	quantity  float64
}

// levels reads a product's quantities, the default warehouse first, and
// locks them until the transaction ends.
func (s *Service) levels(ctx context.Context, q store.Querier, ws, productID int64) ([]level, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.warehouse_id, s.quantity FROM product_stock s
		JOIN warehouses h ON h.workspace_id = s.workspace_id AND h.id = s.warehouse_id
		WHERE s.workspace_id = ? AND s.product_id = ? ORDER BY h.is_default DESC, h.id`, ws, productID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []level
	for rows.Next() {
		var l level
		if err := rows.Scan(&l.warehouse, &l.quantity); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// needsOf sums a deal's line-item quantities per product, in the order
// the products first appear.
func needsOf(v any) []need {
	items, _ := v.([]any)
	var out []need
	at := map[int64]int{}
	for i, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["product_id"].(string)
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		q, _ := records.Number(m["quantity"])
		if j, ok := at[n]; ok {
			out[j].quantity += q
			continue
		}
		at[n] = len(out)
		out = append(out, need{productID: n, item: i, quantity: q})
	}
	return out
}
