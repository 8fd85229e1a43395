package sales_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// fixture is a workspace with an administrator, a salesperson, one
// pipeline of two stages and a stocked product.
type fixture struct {
	t        testing.TB
	db       *store.DB
	svc      *sales.Service
	engine   *records.Engine
	admin    context.Context
	rep      context.Context
	adminID  int64
	repID    int64
	pipeline string
	stages   []string
	product  string

	mu  sync.Mutex
	off time.Duration
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.off)
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.off += d
	f.mu.Unlock()
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db}
	pol := access.NewRolePolicy(db)
	f.engine = records.New(db, records.Options{Policy: pol, Logger: slog.New(slog.DiscardHandler)})
	f.svc = sales.New(db, f.engine, sales.Options{Logger: slog.New(slog.DiscardHandler), Now: f.now})
	f.adminID = accesstest.AddUser(t, db, 1, "admin@fixture.example", access.RoleAdministrator, 0)
	f.repID = accesstest.AddUser(t, db, 1, "rep@fixture.example", access.RoleSalesperson, 0)
	f.admin = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: f.adminID})
	f.rep = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: f.repID})
	f.pipeline = f.create(f.admin, "pipeline", `{"name": "Sales"}`)
	for _, name := range []string{"Lead", "Won-ready"} {
		f.stages = append(f.stages, f.create(f.admin, "stage", `{"pipeline_id": "`+f.pipeline+`", "name": "`+name+`"}`))
	}
	f.product = f.create(f.admin, "product", `{"name": "Bolt", "price": {"amount": 250, "currency": "EUR"}, "low_stock_threshold": 5}`)
	qty := 10.0
	if _, err := f.svc.ChangeStock(f.admin, f.product, sales.StockChange{Quantity: &qty}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(ctx context.Context, object, body string) string {
	f.t.Helper()
	rec, err := f.engine.Create(ctx, object, input(f.t, body))
	if err != nil {
		f.t.Fatalf("create %s: %v", object, err)
	}
	return rec["id"].(string)
}

func (f *fixture) update(ctx context.Context, object, id, body string) (records.Record, error) {
	f.t.Helper()
	return f.engine.Update(ctx, object, id, 0, input(f.t, body))
}

func input(t testing.TB, body string) map[string]any {
	t.Helper()
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (f *fixture) stock() float64 {
	f.t.Helper()
	level, err := f.svc.Stock(f.admin, f.product)
	if err != nil {
		f.t.Fatal(err)
	}
	return *level.Total
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestLineTotals checks the arithmetic of line items, rounding included.
func TestLineTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, c := range []struct {
			name  string
			items string
			total int64
		}{
			{"product price", `[{"product_id": "P", "quantity": 2}]`, 500},
			{"discount and tax", `[{"product_id": "P", "quantity": 3, "discount": 10, "tax_rate": 20}]`, 810},
			{"half a cent rounds away from zero", `[{"name": "X", "quantity": 1, "unit_price": {"amount": 1, "currency": "EUR"}, "discount": 50}]`, 1},
			{"fractional quantity", `[{"name": "X", "quantity": 0.333, "unit_price": {"amount": 1000, "currency": "EUR"}}]`, 333},
			{"sum of items", `[{"product_id": "P", "quantity": 1}, {"name": "Fee", "quantity": 1, "unit_price": {"amount": 99, "currency": "EUR"}}]`, 349},
			{"full discount", `[{"product_id": "P", "quantity": 5, "discount": 100}]`, 0},
		} {
			t.Run(c.name, func(t *testing.T) {
				items := replaceProduct(c.items, f.product)
				rec, err := f.engine.Create(f.rep, "deal", input(t, `{"title": "T", "line_items": `+items+`}`))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := records.Int(rec["value"].(map[string]any)["amount"])
				if got != c.total {
					t.Errorf("value %d, want %d", got, c.total)
				}
			})
		}
	})
}

func replaceProduct(s, id string) string {
	out := ""
	for i := 0; i < len(s); i++ {
		if s[i] == 'P' && i > 0 && s[i-1] == '"' {
			out += id
			continue
		}
		out += string(s[i])
	}
	return out
}

// TestPriceListPrice checks that an active price list in the deal's
// currency wins over the product's own price, and an inactive one does
// not.
func TestPriceListPrice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		usd := f.create(f.admin, "price_list", `{"name": "US", "currency": "usd"}`)
		if _, err := f.svc.SetPriceListItems(f.admin, usd, []sales.PriceListItem{{ProductID: f.product, Price: sales.Money{Amount: 300, Currency: "USD"}}}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.SetPriceListItems(f.admin, usd, []sales.PriceListItem{{ProductID: f.product, Price: sales.Money{Amount: 1, Currency: "EUR"}}})
		if !fault.Is(err, fault.EINVALID) {
			t.Errorf("a price in another currency: %v", err)
		}
		for _, c := range []struct {
			name, value string
			want        int64
		}{
			{"deal in USD takes the list price", `{"amount": 0, "currency": "USD"}`, 300},
			{"deal in EUR takes the product price", `{"amount": 0, "currency": "EUR"}`, 250},
		} {
			rec, err := f.engine.Create(f.rep, "deal", input(t, `{"title": "T", "value": `+c.value+`, "line_items": [{"product_id": "`+f.product+`", "quantity": 1}]}`))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := records.Int(rec["value"].(map[string]any)["amount"]); got != c.want {
				t.Errorf("%s: %d, want %d", c.name, got, c.want)
			}
		}
	})
}

// TestWinTakesStockOnce checks stock on win and reopen, the low-stock
// notification (once per crossing), and that a refused win leaves stock,
// movements and the deal as they were.
func TestWinTakesStockOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		deal := f.create(f.rep, "deal", `{"title": "Six", "line_items": [{"product_id": "`+f.product+`", "quantity": 6}]}`)
		notes := func() int {
			return f.count(`SELECT count(*) FROM notifications WHERE workspace_id = 1 AND kind = 'low_stock' AND user_id = ?`, f.adminID)
		}
		if _, err := f.update(f.rep, "deal", deal, `{"status": "won"}`); err != nil {
			t.Fatal(err)
		}
		if got := f.stock(); got != 4 {
			t.Fatalf("stock after the win: %v, want 4", got)
		}
		if notes() != 1 {
			t.Errorf("%d low-stock notifications after crossing, want 1", notes())
		}
		if f.count(`SELECT count(*) FROM notifications WHERE workspace_id = 1 AND user_id = ?`, f.repID) != 0 {
			t.Error("a salesperson was told about stock")
		}
		// Still below the threshold: no second notification.
		small := f.create(f.rep, "deal", `{"title": "One", "line_items": [{"product_id": "`+f.product+`", "quantity": 1}]}`)
		if _, err := f.update(f.rep, "deal", small, `{"status": "won"}`); err != nil {
			t.Fatal(err)
		}
		if notes() != 1 {
			t.Errorf("%d notifications while staying low, want 1", notes())
		}
		big := f.create(f.rep, "deal", `{"title": "Big", "line_items": [{"product_id": "`+f.product+`", "quantity": 4}]}`)
		moves := f.count(`SELECT count(*) FROM stock_movements WHERE workspace_id = 1`)
		_, err := f.update(f.rep, "deal", big, `{"status": "won"}`)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.ECONFLICT || len(fe.Fields) != 1 || fe.Fields[0].Field != "line_items[0].quantity" {
			t.Fatalf("win beyond stock: %v", err)
		}
		if got := f.count(`SELECT count(*) FROM stock_movements WHERE workspace_id = 1`); got != moves || f.stock() != 3 {
			t.Errorf("the refused win left %d movements (want %d) and stock %v (want 3)", got, moves, f.stock())
		}
		if rec, _ := f.engine.Get(f.rep, "deal", big, false); rec["status"] != "open" {
			t.Errorf("the refused deal is %v", rec["status"])
		}
		// Reopening gives the stock back; falling again is a new crossing.
		if _, err := f.update(f.rep, "deal", deal, `{"status": "open"}`); err != nil {
			t.Fatal(err)
		}
		if got := f.stock(); got != 9 {
			t.Fatalf("stock after reopening: %v, want 9", got)
		}
		if _, err := f.update(f.rep, "deal", deal, `{"status": "won"}`); err != nil {
			t.Fatal(err)
		}
		if notes() != 2 {
			t.Errorf("%d notifications after a second crossing, want 2", notes())
		}
		// With negative stock allowed the big deal may be won.
		allow := true
		if _, err := f.svc.UpdateSettings(f.admin, sales.SettingsChange{AllowNegativeStock: &allow}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.update(f.rep, "deal", big, `{"status": "won"}`); err != nil {
			t.Fatal(err)
		}
		if got := f.stock(); got != -1 {
			t.Errorf("stock with negatives allowed: %v, want -1", got)
		}
	})
}

// TestConvert checks conversion at the rate in force on a date, across
// currencies with different minor units.
func TestConvert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, r := range []sales.ExchangeRate{
			{Currency: "USD", Rate: "0.5", Date: "2025-01-01"},
			{Currency: "USD", Rate: "0.8", Date: "2025-06-01"},
			{Currency: "JPY", Rate: "0.0062", Date: "2025-01-01"},
		} {
			if _, err := f.svc.SetExchangeRate(f.admin, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.SetExchangeRate(f.rep, sales.ExchangeRate{Currency: "GBP", Rate: "1.1", Date: "2025-01-01"}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson entering a rate: %v", err)
		}
		conv, err := f.svc.Converter(f.rep)
		if err != nil {
			t.Fatal(err)
		}
		day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
		for _, c := range []struct {
			in   sales.Money
			on   string
			want int64
			err  error
		}{
			{sales.Money{Amount: 1000, Currency: "EUR"}, "2020-01-01", 1000, nil},
			{sales.Money{Amount: 1000, Currency: "USD"}, "2025-03-01", 500, nil},
			{sales.Money{Amount: 1000, Currency: "USD"}, "2025-06-01", 800, nil},
			{sales.Money{Amount: 1000, Currency: "USD"}, "2024-12-31", 0, sales.ErrNoRate},
			{sales.Money{Amount: 10000, Currency: "JPY"}, "2025-02-01", 6200, nil}, // ¥10,000 has no subunit: €62.00
			{sales.Money{Amount: 1, Currency: "USD"}, "2025-03-01", 1, nil},        // half a cent rounds up
			{sales.Money{Amount: 5, Currency: "GBP"}, "2025-03-01", 0, sales.ErrNoRate},
		} {
			got, err := conv.Convert(context.Background(), c.in, day(c.on))
			if !errors.Is(err, c.err) || (c.err == nil && got.Amount != c.want) || (c.err == nil && got.Currency != "EUR") {
				t.Errorf("%v on %s: %v, %v; want %d EUR, %v", c.in, c.on, got, err, c.want, c.err)
			}
		}
	})
}

// TestRepeatPurchases checks that a won deal sets the customer's last
// purchase, and that the job reminds the owner once per period.
func TestRepeatPurchases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		buyer := f.create(f.rep, "contact", `{"first_name": "Ada", "last_name": "Byron", "purchase_period_days": 30}`)
		once := f.create(f.rep, "contact", `{"first_name": "Once"}`)
		deal := f.create(f.rep, "deal", `{"title": "First order", "contacts": ["`+buyer+`", "`+once+`"]}`)
		if _, err := f.update(f.rep, "deal", deal, `{"status": "won"}`); err != nil {
			t.Fatal(err)
		}
		rec, err := f.engine.Get(f.rep, "contact", buyer, false)
		if err != nil {
			t.Fatal(err)
		}
		if rec["last_purchase_on"] != f.now().UTC().Format(time.DateOnly) {
			t.Errorf("last purchase %v", rec["last_purchase_on"])
		}
		if _, err := f.update(f.rep, "contact", buyer, `{"last_purchase_on": "2020-01-01"}`); !fault.Is(err, fault.EINVALID) {
			t.Errorf("writing the last purchase: %v", err)
		}
		tasks := func() int {
			return f.count(`SELECT count(*) FROM activities WHERE workspace_id = 1 AND kind = 'task' AND record_type = 'contact' AND owner_id = ?`, f.repID)
		}
		for _, step := range []struct {
			after time.Duration
			made  int
		}{
			{0, 0},                   // not due yet
			{31 * 24 * time.Hour, 1}, // due: one task
			{0, 0},                   // the same run again: none
			{24 * time.Hour, 0},      // a day later: still served
			{30 * 24 * time.Hour, 1}, // a period later, no purchase: again
		} {
			f.advance(step.after)
			made, err := f.svc.RemindRepeatPurchases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if made != step.made {
				t.Errorf("after %v: %d tasks made, want %d", step.after, made, step.made)
			}
		}
		if tasks() != 2 {
			t.Errorf("%d repeat-purchase tasks, want 2", tasks())
		}
		var title string
		if err := db.Reader().QueryRowContext(ctx, `SELECT title FROM activities WHERE workspace_id = 1 AND kind = 'task' ORDER BY id LIMIT 1`).Scan(&title); err != nil {
			t.Fatal(err)
		}
		if title != "Repeat purchase due: Ada Byron" {
			t.Errorf("task title %q", title)
		}
	})
}

// TestPipelineRules checks the rules of pipelines and stages that the API
// story does not: positions, and a deal moved to another pipeline.
func TestPipelineRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		other := f.create(f.admin, "pipeline", `{"name": "Renewals"}`)
		first := f.create(f.admin, "stage", `{"pipeline_id": "`+other+`", "name": "Due"}`)
		f.create(f.admin, "stage", `{"pipeline_id": "`+other+`", "name": "Signed"}`)
		deal := f.create(f.rep, "deal", `{"title": "Move me", "stage_id": "`+f.stages[1]+`"}`)
		rec, err := f.update(f.rep, "deal", deal, `{"pipeline_id": "`+other+`"}`)
		if err != nil {
			t.Fatal(err)
		}
		if rec["stage_id"] != first {
			t.Errorf("moved to another pipeline without a stage: stage %v, want its first %s", rec["stage_id"], first)
		}
		if n := f.count(`SELECT count(*) FROM deal_stage_history WHERE workspace_id = 1 AND deal_id = ? AND left_at IS NULL`, deal); n != 1 {
			t.Errorf("%d open stays", n)
		}
		for _, c := range []struct{ name, body, field string }{
			{"stage cleared", `{"stage_id": null}`, "stage_id"},
			{"pipeline cleared", `{"pipeline_id": null}`, "pipeline_id"},
			{"stage of the old pipeline", `{"stage_id": "` + f.stages[0] + `"}`, "stage_id"},
			{"loss reason on an open deal", `{"loss_reason_id": "1"}`, "loss_reason_id"},
		} {
			_, err := f.update(f.rep, "deal", deal, c.body)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.EINVALID || fe.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		after, err := f.engine.Get(f.rep, "deal", deal, false)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(after["version"]); string(b) != "2" || after["stage_id"] != first {
			t.Errorf("after refused writes: version %s, stage %v", b, after["stage_id"])
		}
	})
}
