package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// firstPipeline is the pipeline the set-up made, with its stages in
// order and its loss reasons.
func (a *app) firstPipeline(ctx context.Context) (string, []string, []string) {
	a.t.Helper()
	p, err := a.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 10})
	if err != nil || len(p.Data) == 0 {
		a.t.Fatalf("the set-up made no pipeline: %v", err)
	}
	id := p.Data[0]["id"].(string)
	stages, err := a.engine.List(ctx, "stages", records.Query{Sort: []string{"position"}, Limit: 10,
		Filter: &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: id}})
	if err != nil {
		a.t.Fatal(err)
	}
	var out []string
	for _, st := range stages.Data {
		out = append(out, st["id"].(string))
	}
	reasons, err := a.engine.List(ctx, "loss_reasons", records.Query{Sort: []string{"position"}, Limit: 10})
	if err != nil {
		a.t.Fatal(err)
	}
	var why []string
	for _, r := range reasons.Data {
		why = append(why, r["id"].(string))
	}
	return id, out, why
}

func (a *app) deal(ctx context.Context, fields map[string]any) records.Record {
	a.t.Helper()
	d, err := a.engine.Create(ctx, "deals", fields)
	if err != nil {
		a.t.Fatal(err)
	}
	return d
}

func gbp(minor int64) map[string]any {
	return map[string]any{"amount": json.Number(strconv.FormatInt(minor, 10)), "currency": "GBP"}
}

func TestSetUpMakesAFirstPipeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		form := url.Values{}
		for k, v := range setUpForm {
			form[k] = v
		}
		form.Set("language", "ru")
		a.post("/setup", form).want(t, "set-up in Russian", http.StatusSeeOther)
		_, stages, reasons := a.firstPipeline(a.admin())
		if len(stages) != 4 || len(reasons) != 4 {
			t.Fatalf("the first pipeline has %d stages and %d loss reasons", len(stages), len(reasons))
		}
		a.get("/board").want(t, "the board in Russian", http.StatusOK, "Новый лид", "Переговоры", "0 сделок")
	})
}

func TestBoard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, reasons := a.firstPipeline(ctx)
		if _, err := a.engine.Update(ctx, "stages", stages[2], 1, map[string]any{"required_fields": []any{"expected_close_date"}}); err != nil {
			t.Fatal(err)
		}
		co, err := a.engine.Create(ctx, "companies", map[string]any{"name": "Babbage <b>Works</b>"})
		if err != nil {
			t.Fatal(err)
		}
		d := a.deal(ctx, map[string]any{"title": "Engine <script>x</script>", "value": gbp(125000), "company_id": co["id"]})
		a.deal(ctx, map[string]any{"title": "Mill", "value": gbp(5000)})
		if _, err := a.engine.Create(ctx, "tasks", map[string]any{"title": "Call back", "due_at": "2030-01-02T10:00:00Z",
			"record_type": "deal", "record_id": d["id"]}); err != nil {
			t.Fatal(err)
		}
		board := a.get("/board")
		board.want(t, "the board", http.StatusOK, "Engine &lt;script&gt;x&lt;/script&gt;", "Babbage &lt;b&gt;Works&lt;/b&gt;",
			"2 deals", "£1,300.00", "Weighted £130.00", "Call back", "0 deals", `data-drop="won"`, `data-drop="lost"`)
		if strings.Contains(board.body, "<script>x") {
			t.Error("a deal's title is not escaped")
		}
		a.get("/board?q=mill").want(t, "the board filtered by title", http.StatusOK, "1 deal", "£50.00")
		csrf := a.csrf()
		move := func(id string, form url.Values) answer {
			return a.post("/board/deals/"+id+"/move", form, "X-CSRF-Token", csrf, "HX-Request", "true")
		}
		id := d["id"].(string)
		move(id, url.Values{"to": {stages[1]}, "version": {"1"}}).
			want(t, "a move", http.StatusOK, `id="head-`+stages[1]+`"`, "£1,250.00", `data-version="2"`)
		moved, _ := a.engine.Get(ctx, "deals", id, false)
		if moved["stage_id"] != stages[1] {
			t.Fatalf("the deal is in stage %v after the move", moved["stage_id"])
		}
		move(id, url.Values{"to": {stages[1]}, "version": {"1"}}).
			want(t, "a move at a stale version", http.StatusConflict, "Someone changed this deal")
		gated := move(id, url.Values{"to": {stages[2]}, "version": {"2"}})
		gated.want(t, "a gated move without the field", http.StatusUnprocessableEntity, "<dialog", "Expected close date",
			`name="expected_close_date"`, `name="ask" value="expected_close_date"`)
		move(id, url.Values{"to": {stages[2]}, "version": {"2"}, "ask": {"expected_close_date"}, "expected_close_date": {""}}).
			want(t, "a gated move with the field left empty", http.StatusUnprocessableEntity, "This stage requires this field to be filled in.")
		move(id, url.Values{"to": {stages[2]}, "version": {"2"}, "ask": {"expected_close_date"}, "expected_close_date": {"2030-03-01"}}).
			want(t, "a gated move with the field", http.StatusOK, `data-version="3"`)
		move(id, url.Values{"to": {"lost"}, "version": {"3"}}).
			want(t, "Lost without a reason", http.StatusUnprocessableEntity, "<dialog", `name="loss_reason_id"`, "Price too high", `name="loss_note"`)
		move(id, url.Values{"to": {"lost"}, "version": {"3"}, "loss_reason_id": {""}, "loss_note": {"Too dear"}}).
			want(t, "Lost with the reason left empty", http.StatusUnprocessableEntity, "This field is required.", "Too dear")
		lost := move(id, url.Values{"to": {"lost"}, "version": {"3"}, "loss_reason_id": {reasons[0]}, "loss_note": {"Too dear"}})
		lost.want(t, "Lost with a reason", http.StatusOK, `id="head-`+stages[2]+`"`)
		if strings.Contains(lost.body, `data-card`) {
			t.Error("a lost deal's card is still on the board")
		}
		final, _ := a.engine.Get(ctx, "deals", id, false)
		if final["status"] != "lost" || final["loss_reason_id"] != reasons[0] || final["loss_note"] != "Too dear" {
			t.Errorf("the lost deal reads %v, %v, %v", final["status"], final["loss_reason_id"], final["loss_note"])
		}
		a.post("/board/deals/"+id+"/move", url.Values{"to": {"won"}, "version": {"4"}}).
			want(t, "a move without the CSRF token", http.StatusForbidden)
		a.get("/dashboard").want(t, "the dashboard", http.StatusOK, "Lost this month", "1 deal", "£1,250.00", "Lead in", "£50.00")
	})
}

func TestBoardQueriesDoNotGrowWithCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, _ := a.firstPipeline(ctx)
		fill := func(from, n int) {
			for i := from; i < from+n; i++ {
				co, err := a.engine.Create(ctx, "companies", map[string]any{"name": fmt.Sprintf("Company %d", i)})
				if err != nil {
					t.Fatal(err)
				}
				d := a.deal(ctx, map[string]any{"title": fmt.Sprintf("Deal %d", i), "value": gbp(100), "company_id": co["id"],
					"stage_id": stages[i%len(stages)]})
				if _, err := a.engine.Create(ctx, "tasks", map[string]any{"title": fmt.Sprintf("Task %d", i),
					"due_at": records.FormatTime(time.Now().Add(time.Hour)), "record_type": "deal", "record_id": d["id"]}); err != nil {
					t.Fatal(err)
				}
			}
		}
		fill(0, 4)
		a.get("/board")
		few := a.get("/board")
		few.want(t, "four cards", http.StatusOK, "Task 3", "Company 3")
		fill(4, 36)
		many := a.get("/board")
		many.want(t, "forty cards", http.StatusOK, "Task 39", "Company 39")
		if f, m := few.queries(t), many.queries(t); m != f {
			t.Errorf("the board made %d queries for 4 cards and %d for 40", f, m)
		}
	})
}

func TestASalespersonsBoardAndDashboardShowOnlyTheirDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, _ := a.firstPipeline(ctx)
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		a.deal(ctx, map[string]any{"title": "Colleague's deal", "value": gbp(99900), "owner_id": a.userID(ctx)})
		won := a.deal(ctx, map[string]any{"title": "Colleague's win", "value": gbp(77700), "owner_id": a.userID(ctx), "stage_id": stages[1]})
		if _, err := a.engine.Update(ctx, "deals", won["id"].(string), 1, map[string]any{"status": "won"}); err != nil {
			t.Fatal(err)
		}
		a.deal(ctx, map[string]any{"title": "Sam's deal", "value": gbp(1200), "owner_id": sam.ID})
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		for _, path := range []string{"/board", "/board?owner=mine", "/dashboard", "/dashboard?scope=all"} {
			page := a.get(path)
			page.want(t, path, http.StatusOK)
			for _, theirs := range []string{"Colleague", "999.00", "1,011.00", "777.00", "2 deals"} {
				if strings.Contains(page.body, theirs) {
					t.Errorf("Sam's %s shows %q", path, theirs)
				}
			}
		}
		a.get("/board").want(t, "Sam's board", http.StatusOK, "Sam&#39;s deal", "£12.00", "1 deal")
		a.get("/dashboard").want(t, "Sam's dashboard", http.StatusOK, "£12.00", "0 deals")
	})
}

func TestBoardColumnsPageOnScroll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		for i := range 23 {
			a.deal(ctx, map[string]any{"title": fmt.Sprintf("Deal %02d", i), "value": gbp(100)})
		}
		board := a.get("/board")
		board.want(t, "a column of 23 deals", http.StatusOK, "23 deals", "Deal 19", `hx-trigger="intersect once"`)
		if strings.Contains(board.body, "Deal 20") {
			t.Error("the first page of a column shows more than 20 cards")
		}
		more := regexp.MustCompile(`hx-get="(/board/more\?[^"]+)"`).FindStringSubmatch(board.body)
		if more == nil {
			t.Fatal("the column has no next page")
		}
		next := a.get(strings.ReplaceAll(more[1], "&amp;", "&"), "HX-Request", "true")
		next.want(t, "the next page", http.StatusOK, "Deal 20", "Deal 22")
		if strings.Contains(next.body, "Deal 19") || strings.Contains(next.body, "<html") || strings.Contains(next.body, "hx-get") {
			t.Errorf("the next page is not the column's last cards alone: %.300s", next.body)
		}
	})
}
