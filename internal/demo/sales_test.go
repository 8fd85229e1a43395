package demo

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// checkSales checks the catalogue, the deals, their contacts and their
// stage history of a first run of testContacts contacts.
func checkSales(t *testing.T, db *store.DB, res Result) {
	t.Helper()
	deals := testContacts * 3 / 10
	if res.Pipelines != 2 || res.Stages != 10 || res.LossReasons != 6 || res.Products != 200 || res.PriceLists != 1 ||
		res.Deals != deals || res.DealContacts < deals || res.DealContacts > 2*deals || res.StageHistory < deals {
		t.Fatalf("result %+v", res)
	}
	for table, want := range map[string]int{"pipelines": 2, "stages": 10, "loss_reasons": 6, "products": 200,
		"price_lists": 1, "deals": res.Deals, "deal_contacts": res.DealContacts, "deal_stage_history": res.StageHistory} {
		if got := count(t, db, "SELECT COUNT(*) FROM "+table); got != want {
			t.Errorf("%s holds %d rows, the result says %d", table, got, want)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM stages WHERE required_fields IS NOT NULL`); n != 1 {
		t.Errorf("%d stages require fields, want the one late stage", n)
	}
	for _, c := range []struct{ what, query string }{
		{"deals in a stage of another pipeline", `SELECT COUNT(*) FROM deals d LEFT JOIN stages s
			ON s.workspace_id = d.workspace_id AND s.id = d.stage_id WHERE s.pipeline_id IS NULL OR s.pipeline_id <> d.pipeline_id`},
		{"lost deals without a reason", `SELECT COUNT(*) FROM deals WHERE status = 'lost' AND loss_reason_id IS NULL`},
		{"deals with a reason but not lost", `SELECT COUNT(*) FROM deals WHERE status <> 'lost' AND loss_reason_id IS NOT NULL`},
		{"closed deals without closed_at", `SELECT COUNT(*) FROM deals WHERE status <> 'open' AND closed_at IS NULL`},
		{"open deals with closed_at", `SELECT COUNT(*) FROM deals WHERE status = 'open' AND closed_at IS NOT NULL`},
		{"deals without the fields their gates need", `SELECT COUNT(*) FROM deals WHERE expected_close_date IS NULL
			OR value IS NULL OR stage_entered_at IS NULL OR owner_id IS NULL OR company_id IS NULL`},
		{"deals without a contact", `SELECT COUNT(*) FROM deals d WHERE NOT EXISTS (SELECT 1 FROM deal_contacts x
			WHERE x.workspace_id = d.workspace_id AND x.deal_id = d.id)`},
		{"deals with three contacts or more", `SELECT COUNT(*) FROM (SELECT deal_id FROM deal_contacts
			GROUP BY deal_id HAVING COUNT(*) > 2) x`},
		{"open deals without one open stay in their stage since stage_entered_at", `SELECT COUNT(*) FROM deals d
			WHERE d.status = 'open' AND NOT EXISTS (SELECT 1 FROM deal_stage_history h WHERE h.workspace_id = d.workspace_id
			AND h.deal_id = d.id AND h.left_at IS NULL AND h.stage_id = d.stage_id AND h.entered_at = d.stage_entered_at)`},
		{"closed deals with an open stay", `SELECT COUNT(*) FROM deals d JOIN deal_stage_history h
			ON h.workspace_id = d.workspace_id AND h.deal_id = d.id WHERE d.status <> 'open' AND h.left_at IS NULL`},
		{"stays in another pipeline than the deal's", `SELECT COUNT(*) FROM deal_stage_history h JOIN deals d
			ON d.workspace_id = h.workspace_id AND d.id = h.deal_id JOIN stages s ON s.workspace_id = h.workspace_id
			AND s.id = h.stage_id WHERE h.pipeline_id <> d.pipeline_id OR s.pipeline_id <> d.pipeline_id`},
		{"stays that end before they begin", `SELECT COUNT(*) FROM deal_stage_history WHERE left_at < entered_at`},
		{"deals created after their first stay", `SELECT COUNT(*) FROM deals d JOIN deal_stage_history h
			ON h.workspace_id = d.workspace_id AND h.deal_id = d.id WHERE h.entered_at < d.created_at`},
		{"ended stays whose stored length is not theirs", `SELECT COUNT(*) FROM deal_stage_history WHERE left_at IS NOT NULL
			AND (days IS NULL OR abs(days - ` + db.Dialect.Days("left_at", "entered_at") + `) > 0.000001)`},
		{"open stays with a length", `SELECT COUNT(*) FROM deal_stage_history WHERE left_at IS NULL AND days IS NOT NULL`},
		{"stays without their deal's pipeline", `SELECT COUNT(*) FROM deal_stage_history h JOIN deals d
			ON d.workspace_id = h.workspace_id AND d.id = h.deal_id WHERE h.deal_pipeline_id IS NULL OR h.deal_pipeline_id <> d.pipeline_id`},
	} {
		if n := count(t, db, c.query); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
	for _, status := range records.DealStatuses {
		if n := count(t, db, `SELECT COUNT(*) FROM deals WHERE status = ?`, status); n < deals/10 {
			t.Errorf("only %d %s deals of %d", n, status, deals)
		}
	}
	checkStays(t, db)
	checkStagesPassed(t, db)
	checkLineItems(t, db)
	checkDealsThroughEngine(t, db)
}

// checkStagesPassed checks every deal's summary of the stages it was in
// against its stays, as the sales service writes it.
func checkStagesPassed(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT d.id, COALESCE(d.stages_passed, ''), h.stage_id
		FROM deals d JOIN deal_stage_history h ON h.workspace_id = d.workspace_id AND h.deal_id = d.id ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored, stays := map[int64]string{}, map[int64][]int64{}
	for rows.Next() {
		var id, stage int64
		var passed string
		if err := rows.Scan(&id, &passed, &stage); err != nil {
			t.Fatal(err)
		}
		stored[id], stays[id] = passed, append(stays[id], stage)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for id, st := range stays {
		if sales.StagesPassed(st) != stored[id] {
			if bad++; bad < 3 {
				t.Errorf("deal %d: stages passed %q, its stays %v", id, stored[id], st)
			}
		}
	}
	if len(stays) == 0 || bad > 0 {
		t.Errorf("%d of %d deals with stays have a wrong summary", bad, len(stays))
	}
}

// checkStays reads every deal's stays in order: each begins when the one
// before ended, in a later stage of the pipeline.
func checkStays(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT h.deal_id, s.position, h.entered_at, h.left_at
		FROM deal_stage_history h JOIN stages s ON s.workspace_id = h.workspace_id AND s.id = h.stage_id
		ORDER BY h.deal_id, h.entered_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prevDeal, prevPos int64
	var prevLeft any
	for rows.Next() {
		var deal, pos int64
		var entered, left any
		if err := rows.Scan(&deal, &pos, &entered, &left); err != nil {
			t.Fatal(err)
		}
		if deal == prevDeal && (prevLeft == nil || asTime(t, prevLeft) != asTime(t, entered) || pos != prevPos+1) {
			t.Fatalf("deal %d: a stay in stage %d from %v follows one in stage %d left at %v", deal, pos, entered, prevPos, prevLeft)
		}
		prevDeal, prevPos, prevLeft = deal, pos, left
	}
}

// asTime reads a stored timestamp of either database.
func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		tt, err := time.Parse(store.TimeLayout, x)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	t.Fatalf("not a time: %T %v", v, v)
	return time.Time{}
}

// checkLineItems checks that a deal with line items is worth their
// totals, each computed as the sales service does.
func checkLineItems(t *testing.T, db *store.DB) {
	t.Helper()
	d := db.Dialect
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT `+d.JSONOut("value")+`, `+d.JSONOut("line_items")+
		` FROM deals WHERE line_items IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type money struct {
		Amount   int64
		Currency string
	}
	n := 0
	for rows.Next() {
		var value, items string
		if err := rows.Scan(&value, &items); err != nil {
			t.Fatal(err)
		}
		var v money
		var list []struct {
			ProductID string `json:"product_id"`
			Quantity  int64
			Discount  int64
			TaxRate   int64 `json:"tax_rate"`
			UnitPrice money `json:"unit_price"`
			Total     money
		}
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(items), &list); err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, it := range list {
			// Integer arithmetic rounds half up, as the service does.
			want := (it.Quantity*it.UnitPrice.Amount*(100-it.Discount)*(100+it.TaxRate)*2 + 10000) / 20000
			if it.ProductID == "" || it.Total.Amount != want || it.Total.Currency != "EUR" {
				t.Fatalf("line item %+v: want a total of %d", it, want)
			}
			sum += it.Total.Amount
		}
		if v.Amount != sum || v.Currency != "EUR" || len(list) == 0 {
			t.Fatalf("deal worth %+v with line items totalling %d: %s", v, sum, items)
		}
		n++
	}
	if n < testContacts*3/10/4 {
		t.Errorf("only %d deals list products", n)
	}
}

// checkDealsThroughEngine submits demo deals back through the records
// engine: their stored values are already what it would store.
func checkDealsThroughEngine(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1})
	e := records.New(db, records.Options{})
	names := []string{"title", "value", "pipeline_id", "stage_id", "status", "owner_id", "company_id", "contacts",
		"expected_close_date", "source", "loss_reason_id", "loss_note", "line_items", "tags"}
	for _, status := range records.DealStatuses {
		page, err := e.List(ctx, "deals", records.Query{Limit: 10,
			Filter: &records.Filter{Field: "status", Op: records.Eq, Value: status}})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Data {
			rewrite(t, ctx, e, "deals", withoutTotals(t, rec), names)
		}
	}
}

// withoutTotals drops the line totals of a deal: the sales service
// computes them, and the bare engine of the test stores none
// (checkLineItems checks them).
func withoutTotals(t *testing.T, rec records.Record) records.Record {
	t.Helper()
	items, _ := rec["line_items"].([]any)
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			t.Fatalf("line item %T", it)
		}
		m["total"] = nil
	}
	return rec
}

// checkActivities checks that the activities are about existing records
// of their workspace, mostly owned by the record's owner, and that each
// kind carries what it needs.
func checkActivities(t *testing.T, db *store.DB, res Result) {
	t.Helper()
	if res.Activities != 3*testContacts || count(t, db, "SELECT COUNT(*) FROM activities") != res.Activities {
		t.Fatalf("result %+v", res)
	}
	yes, no := db.Dialect.Bool(true), db.Dialect.Bool(false)
	for _, c := range []struct {
		what, query string
		args        []any
	}{
		{"activities about nothing known", `SELECT COUNT(*) FROM activities WHERE record_type NOT IN ('contact', 'deal', 'company')
			OR record_type IS NULL OR record_id IS NULL`, nil},
		{"activities about a missing contact", `SELECT COUNT(*) FROM activities a WHERE record_type = 'contact' AND NOT EXISTS
			(SELECT 1 FROM contacts c WHERE c.workspace_id = a.workspace_id AND CAST(c.id AS TEXT) = a.record_id)`, nil},
		{"activities about a missing deal", `SELECT COUNT(*) FROM activities a WHERE record_type = 'deal' AND NOT EXISTS
			(SELECT 1 FROM deals c WHERE c.workspace_id = a.workspace_id AND CAST(c.id AS TEXT) = a.record_id)`, nil},
		{"activities about a missing company", `SELECT COUNT(*) FROM activities a WHERE record_type = 'company' AND NOT EXISTS
			(SELECT 1 FROM companies c WHERE c.workspace_id = a.workspace_id AND CAST(c.id AS TEXT) = a.record_id)`, nil},
		{"activities without owner, time or version", `SELECT COUNT(*) FROM activities WHERE owner_id IS NULL
			OR occurred_at IS NULL OR version <> 1 OR created_at > updated_at`, nil},
		{"tasks without title, type or due time", `SELECT COUNT(*) FROM activities WHERE kind = 'task'
			AND (title IS NULL OR type IS NULL OR due_at IS NULL OR done IS NULL)`, nil},
		{"tasks done without done_at or open with it", `SELECT COUNT(*) FROM activities WHERE kind = 'task'
			AND ((done = ? AND done_at IS NULL) OR (done = ? AND done_at IS NOT NULL))`, []any{yes, no}},
		{"notes without text", `SELECT COUNT(*) FROM activities WHERE kind = 'note' AND (body IS NULL OR body LIKE '%<%')`, nil},
		{"calls without a number, direction or result", `SELECT COUNT(*) FROM activities WHERE kind = 'call'
			AND (phone NOT LIKE '+%' OR direction IS NULL OR call_result IS NULL OR started_at IS NULL OR duration_seconds IS NULL)`, nil},
		{"meetings without title or that end before they start", `SELECT COUNT(*) FROM activities WHERE kind = 'meeting'
			AND (title IS NULL OR place IS NULL OR NOT ends_at > starts_at)`, nil},
	} {
		if n := count(t, db, c.query, c.args...); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
	for _, kind := range []string{"task", "note", "call", "meeting"} {
		if n := count(t, db, `SELECT COUNT(*) FROM activities WHERE kind = ?`, kind); n < res.Activities/10 {
			t.Errorf("only %d activities of kind %s", n, kind)
		}
	}
	firstPhone := "json_extract(c.phones, '$[0].value')"
	if db.Dialect == store.Postgres {
		firstPhone = "(c.phones->0->>'value')"
	}
	spread := []struct {
		what, query string
		args        []any
		lo          int
	}{
		{"about contacts", `SELECT COUNT(*) FROM activities WHERE record_type = 'contact'`, nil, res.Activities * 6 / 10},
		{"about deals", `SELECT COUNT(*) FROM activities WHERE record_type = 'deal'`, nil, res.Activities / 10},
		{"owned by their contact's owner", `SELECT COUNT(*) FROM activities a JOIN contacts c ON c.workspace_id = a.workspace_id
			AND CAST(c.id AS TEXT) = a.record_id WHERE a.record_type = 'contact' AND a.owner_id = c.owner_id`, nil, res.Activities * 6 / 10},
		{"open tasks due in the future", `SELECT COUNT(*) FROM activities WHERE kind = 'task' AND done = ? AND due_at > ?`,
			[]any{no, db.Dialect.Time(testNow)}, res.Activities / 50},
		{"calls to their contact's own number", `SELECT COUNT(*) FROM activities a JOIN contacts c ON c.workspace_id = a.workspace_id
			AND CAST(c.id AS TEXT) = a.record_id WHERE a.kind = 'call' AND a.record_type = 'contact'
			AND ` + firstPhone + ` = a.phone`, nil, res.Activities / 10},
		{"from more than a year ago", `SELECT COUNT(*) FROM activities WHERE occurred_at < ?`,
			[]any{db.Dialect.Time(testNow.AddDate(-1, 0, 0))}, res.Activities / 3},
	}
	for _, s := range spread {
		if n := count(t, db, s.query, s.args...); n < s.lo {
			t.Errorf("only %d activities %s, want at least %d", n, s.what, s.lo)
		}
	}
}
