package value_test

import (
	"bufio"
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/clv"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/value"
)

// fixture is a workspace with an administrator and a salesperson, one
// pipeline, and a clock the test sets so that deals are won on the days
// it chooses.
type fixture struct {
	t      testing.TB
	db     *store.DB
	engine *records.Engine
	sales  *sales.Service
	value  *value.Service
	admin  context.Context
	rep    context.Context
	repID  int64

	mu  sync.Mutex
	now time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func newFixture(t testing.TB, db *store.DB, base string) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, now: time.Now()}
	log := slog.New(slog.DiscardHandler)
	f.engine = records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: log})
	f.sales = sales.New(db, f.engine, sales.Options{Logger: log, Now: f.clock})
	f.value = value.New(db, f.engine, f.sales, value.Options{Logger: log, Now: f.clock})
	admin := accesstest.AddUser(t, db, 1, "admin@value.example", access.RoleAdministrator, 0)
	f.repID = accesstest.AddUser(t, db, 1, "rep@value.example", access.RoleSalesperson, 0)
	f.admin = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin})
	f.rep = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: f.repID})
	if _, err := f.sales.UpdateSettings(f.admin, sales.SettingsChange{BaseCurrency: &base}); err != nil {
		t.Fatal(err)
	}
	p := f.create(f.admin, "pipeline", map[string]any{"name": "Orders"})
	f.create(f.admin, "stage", map[string]any{"pipeline_id": p, "name": "Ordered"})
	return f
}

func (f *fixture) create(ctx context.Context, object string, in map[string]any) string {
	f.t.Helper()
	rec, err := f.engine.Create(ctx, object, in)
	if err != nil {
		f.t.Fatalf("create %s: %v", object, err)
	}
	return rec["id"].(string)
}

// win records a purchase: a deal of the contact, won on day for amount
// minor units of code.
func (f *fixture) win(ctx context.Context, contact string, on time.Time, amount int64, code string) {
	f.t.Helper()
	f.set(on)
	in, err := records.DecodeInput([]byte(`{"title": "Order", "status": "won", "value": {"amount": ` +
		strconv.FormatInt(amount, 10) + `, "currency": "` + code + `"}, "contacts": ["` + contact + `"]}`))
	if err != nil {
		f.t.Fatal(err)
	}
	f.create(ctx, "deal", in)
}

// cdnowFile is the CDNOW sample's transactions: customer, sample id,
// yyyymmdd, CDs, dollars.
var cdnowFile = filepath.Join("..", "..", "..", "shared", "data", "cdnow", "CDNOW_sample.txt")

// The published BG/NBD and Gamma-Gamma fits of the CDNOW sample,
// reproduced through the product: every transaction becomes a won deal of
// a contact, closed on its day, in a real workspace; the value service
// extracts the summaries (39-week calibration ending 1997-09-30, as the
// paper) and fits.
func TestCDNOWThroughTheProduct(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 6,919 deals")
	}
	file, err := os.Open(cdnowFile)
	if os.IsNotExist(err) {
		t.Skipf("the CDNOW data is absent (%s): skipping the published-results check", cdnowFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	type txn struct {
		customer string
		on       time.Time
		cents    int64
	}
	var txns []txn
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		on, err1 := time.Parse("20060102", fs[2])
		dollars, err2 := strconv.ParseFloat(fs[4], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("line %q: %v %v", sc.Text(), err1, err2)
		}
		txns = append(txns, txn{fs[1], on.Add(12 * time.Hour), int64(math.Round(dollars * 100))})
	}
	file.Close()
	if len(txns) != 6919 {
		t.Fatalf("read %d transactions, the sample has 6,919", len(txns))
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "USD")
		contacts := map[string]string{}
		// Loaded in transactions of a few hundred deals, as an import would.
		for start := 0; start < len(txns); start += 500 {
			err := db.Tx(f.admin, func(q store.Querier) error {
				ctx := store.Within(f.admin, q)
				for _, x := range txns[start:min(start+500, len(txns))] {
					id, ok := contacts[x.customer]
					if !ok {
						id = f.create(ctx, "contact", map[string]any{"first_name": "Customer", "last_name": x.customer})
						contacts[x.customer] = id
					}
					f.win(ctx, id, x.on, x.cents, "USD")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		end := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
		h, err := f.value.Histories(context.Background(), 1, "contact", end)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Customers) != 2357 {
			t.Errorf("%d customers in the calibration period, the sample has 2,357", len(h.Customers))
		}
		m, fit, err := h.Model()
		if err != nil || fit.Status != "fitted" {
			t.Fatalf("fit: %v, %+v", err, fit)
		}
		within(t, "r", m.BG.R, 0.24259, 0.01)
		within(t, "alpha", m.BG.Alpha, 4.41360, 0.01)
		within(t, "a", m.BG.A, 0.79292, 0.01)
		within(t, "b", m.BG.B, 2.42589, 0.01)
		within(t, "log-likelihood", m.BG.LogLik, -9582.429, 0.001)
		within(t, "E[Y(39) | 2, 30.43, 38.86]", m.BG.ConditionalPurchases(clv.Summary{X: 2, Tx: 30.43, T: 38.86}, 39), 1.226, 0.01)
		for _, c := range []struct{ t, want float64 }{
			{0.1429, 0.0078}, {1, 0.0532}, {3, 0.1506}, {31.8571, 1.0405}, {32, 1.0437}, {78, 1.8576},
		} {
			within(t, "E[X("+strconv.FormatFloat(c.t, 'f', -1, 64)+")]", m.BG.ExpectedPurchases(c.t), c.want, 0.01)
		}
		if fit.GammaGamma.Customers != 946 {
			t.Errorf("Gamma-Gamma fitted on %d customers, the sample has 946 repeat customers", fit.GammaGamma.Customers)
		}
		within(t, "p", m.GG.P, 6.25, 0.01)
		within(t, "q", m.GG.Q, 3.74, 0.01)
		within(t, "gamma", m.GG.Gamma, 15.44, 0.01)

		// The recomputation writes the fields the lists read.
		if _, err := f.value.RecomputeAt(context.Background(), 1, end); err != nil {
			t.Fatal(err)
		}
		rec, err := f.engine.Get(f.admin, "contact", contacts["0001"], false)
		if err != nil {
			t.Fatal(err)
		}
		if rec["rfm_segment"] == nil || rec["clv_value"] == nil || rec["clv_alive"] == nil {
			t.Errorf("customer 0001 has no value fields: %v", rec)
		}
	})
}

func within(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.5f, published value %.5f (tolerance %.2g%%)", name, got, want, rel*100)
	} else {
		t.Logf("%s = %.5f (published %.5f)", name, got, want)
	}
}

// A salesperson's report counts and sums only the customers they may
// read, and a workspace with too little history gets no prediction.
func TestReportPermissionsAndTooLittle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
		add := func(ctx context.Context, n int, name string) {
			for i := range n {
				id := f.create(ctx, "contact", map[string]any{"first_name": name, "last_name": strconv.Itoa(i)})
				for k := range 1 + i%4 {
					f.win(ctx, id, start.AddDate(0, 0, 3*i+20*k), int64(1000*(1+i%5)), "EUR")
				}
			}
		}
		add(f.admin, 12, "Admin")
		ctx := context.Background()
		if _, err := f.value.RecomputeAt(ctx, 1, start.AddDate(0, 6, 0)); err != nil {
			t.Fatal(err)
		}
		rep, err := f.value.Report(f.admin, "contact")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Fit == nil || rep.Fit.Status != "too_little" || rep.Predicted != nil || len(rep.Top) != 0 {
			t.Fatalf("9 repeat customers should give no prediction: %+v", rep)
		}
		if len(rep.Segments) == 0 {
			t.Errorf("12 customers are enough for RFM segments")
		}
		if m, err := f.value.PredictedMean(f.admin, "contact", nil); err != nil || m != nil {
			t.Errorf("the dashboard's predicted value without a model: %v (%v), want none", m, err)
		}
		add(f.rep, 40, "Rep")
		if _, err := f.value.RecomputeAt(ctx, 1, start.AddDate(0, 6, 0)); err != nil {
			t.Fatal(err)
		}
		all, err := f.value.Report(f.admin, "contact")
		if err != nil {
			t.Fatal(err)
		}
		mine, err := f.value.Report(f.rep, "contact")
		if err != nil {
			t.Fatal(err)
		}
		if all.Fit.Status != "fitted" || all.Customers != 52 || all.Predicted == nil {
			t.Fatalf("administrator's report: %+v", all)
		}
		if mine.Customers != 40 {
			t.Errorf("the salesperson sees %d customers, owns 40", mine.Customers)
		}
		for _, c := range mine.Top {
			if strings.HasPrefix(c.Name, "Admin") {
				t.Errorf("the salesperson's top customers list %s, whom they may not read", c.Name)
			}
		}
		n := 0
		for _, g := range mine.Segments {
			n += g.Customers
		}
		if n != 40 || mine.Historical.Amount >= all.Historical.Amount {
			t.Errorf("the salesperson's segments count %d customers and %v of %v", n, mine.Historical, all.Historical)
		}
		lv, err := f.value.Lifetime(f.rep, "contact")
		if err != nil || lv.Predicted == nil || lv.Historical == nil || lv.Customers != 40 {
			t.Errorf("lifetime value: %+v, %v", lv, err)
		}
		// The dashboard's one aggregate says what the report does, in the
		// reader's scope.
		for _, ctx := range []context.Context{f.admin, f.rep} {
			lv, err := f.value.Lifetime(ctx, "contact")
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.value.PredictedMean(ctx, "contact", nil)
			if err != nil || m == nil || *m != *lv.Predicted {
				t.Errorf("the dashboard's predicted value %v (%v), the report's %v", m, err, lv.Predicted)
			}
		}
		if m, err := f.value.PredictedMean(f.admin, "contact", []int64{987654}); err != nil || m != nil {
			t.Errorf("another owner's predicted value %v (%v), want none", m, err)
		}
		if _, err := f.value.PredictedMean(f.admin, "deal", nil); err == nil {
			t.Errorf("a predicted value of deals was given")
		}
	})
}

// Only administrators may ask for a recomputation.
func TestRefreshIsForAdministrators(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), "EUR")
	if err := f.value.RequestRefresh(f.rep); err == nil {
		t.Error("a salesperson asked for a recomputation")
	}
	if err := f.value.RequestRefresh(f.admin); err != nil {
		t.Errorf("the administrator's recomputation: %v", err)
	}
}

// TestFormerCustomersAreCleared recomputes after a customer's only won
// deal is deleted: their value fields are emptied, the others' kept.
func TestFormerCustomersAreCleared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
		keep := f.create(f.admin, "contact", map[string]any{"first_name": "Kept"})
		gone := f.create(f.admin, "contact", map[string]any{"first_name": "Gone"})
		f.win(f.admin, keep, start, 5000, "EUR")
		f.set(start.AddDate(0, 0, 1))
		in, err := records.DecodeInput([]byte(`{"title": "Order", "status": "won", "value": {"amount": 700, "currency": "EUR"}, "contacts": ["` + gone + `"]}`))
		if err != nil {
			t.Fatal(err)
		}
		deal := f.create(f.admin, "deal", in)
		purchases := func(id string) any {
			var n *int64
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT value_purchases FROM contacts WHERE id = ?`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == nil {
				return nil
			}
			return *n
		}
		ctx := context.Background()
		if _, err := f.value.RecomputeAt(ctx, 1, start.AddDate(0, 1, 0)); err != nil {
			t.Fatal(err)
		}
		if purchases(keep) == nil || purchases(gone) == nil {
			t.Fatalf("after the first recompute: kept %v, gone %v", purchases(keep), purchases(gone))
		}
		if err := f.engine.Delete(f.admin, "deal", deal, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.value.RecomputeAt(ctx, 1, start.AddDate(0, 1, 0)); err != nil {
			t.Fatal(err)
		}
		if purchases(gone) != nil {
			t.Errorf("the former customer still has %v purchases", purchases(gone))
		}
		if purchases(keep) == nil {
			t.Errorf("the customer lost their value")
		}
	})
}
