package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/store"
)

// TestBrowserForecast fills a workspace with two years of won deals and a
// pipeline of open ones, opens the forecast and checks its table, bars and
// revenue chart, the 400 that names a bad horizon, and saves the screen in
// English and in Russian, at desktop width and at 375 px.
func TestBrowserForecast(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		create := func(path, body string) string {
			t.Helper()
			status, rec := s.call(t, token, "POST", path, body)
			if status != http.StatusCreated {
				t.Fatalf("POST %s: %d %v", path, status, rec)
			}
			return rec["id"].(string)
		}
		pipeline := create("/api/v1/pipelines", `{"name": "New customers"}`)
		var stages []string
		for _, st := range []string{`"name": "Lead in", "probability": 10`, `"name": "Proposal", "probability": 40, "forecast_category": "best_case"`,
			`"name": "Contract sent", "probability": 90, "forecast_category": "commit"`} {
			stages = append(stages, create("/api/v1/stages", `{"pipeline_id": "`+pipeline+`", `+st+`}`))
		}
		now := time.Now().UTC()
		// Two years of won revenue with a rising trend and a December peak.
		var won []string
		for i := 24; i >= 1; i-- {
			m := time.Date(now.Year(), now.Month()-time.Month(i), 12, 10, 0, 0, 0, time.UTC)
			// A trend, a December peak and some noise that repeats.
			amount := 2000000 + (24-i)*60000 + (i*7919%13-6)*90000
			if m.Month() == time.December {
				amount += 800000
			}
			won = append(won, create("/api/v1/deals", fmt.Sprintf(`{"title": "Won %d", "stage_id": %q, "status": "won", "value": {"amount": %d, "currency": "EUR"}}`,
				i, stages[2], amount)))
		}
		closeDates(t, db, won, func(i int) time.Time {
			return time.Date(now.Year(), now.Month()-time.Month(24-i), 12, 10, 0, 0, 0, time.UTC)
		})
		for i := 0; i < 12; i++ {
			close := time.Date(now.Year(), now.Month()+time.Month(i%6), 20, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			extra := ""
			if i == 4 {
				extra = `, "probability": 75, "forecast_category": "commit"`
			}
			create("/api/v1/deals", fmt.Sprintf(`{"title": "Open %d", "stage_id": %q, "expected_close_date": %q, "value": {"amount": %d, "currency": "EUR"}%s}`,
				i, stages[i%3], close, 500000+i*75000, extra))
		}
		create("/api/v1/deals", `{"title": "Abroad", "stage_id": "`+stages[0]+`", "expected_close_date": "`+now.Format(time.DateOnly)+
			`", "value": {"amount": 100000, "currency": "GBP"}}`)

		b.do("open the forecast", chromedp.Navigate(s.base+"/reports/forecast"), chromedp.WaitVisible(css(`.fc-bars`)),
			chromedp.WaitVisible(css(`.fc-line`)))
		if got := b.text(`.fc-table tfoot`); !strings.Contains(got, "12 deals") && !strings.Contains(got, "deals") {
			t.Errorf("the forecast's totals read %q", got)
		}
		if got := b.text(`main`); !strings.Contains(got, "GBP") || !strings.Contains(got, "Revenue forecast") {
			t.Errorf("the forecast misses the unconverted currency or the revenue chart: %.400q", got)
		}
		b.shoot("forecast")
		b.do("the forecast in Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] .fc-bars`)))
		b.shoot("forecast-ru")

		status, problem := s.call(t, token, "GET", "/api/v1/reports/forecast?horizon=99", "")
		if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(problem), "horizon") {
			t.Errorf("a horizon of 99 months: %d %v", status, problem)
		}
		if status, problem := s.call(t, token, "GET", "/api/v1/reports/forecast?pipeline=999999", ""); status != http.StatusBadRequest {
			t.Errorf("an unknown pipeline: %d %v", status, problem)
		}
		status, fc := s.call(t, token, "GET", "/api/v1/reports/forecast?horizon=6&pipeline="+pipeline, "")
		if status != http.StatusOK || fc["model"] == "" || fc["too_short"] != false {
			t.Errorf("the forecast by the API: %d %v", status, fc)
		}
	})
}

// closeDates moves the won deals' close dates into the past, which no
// request can: the database is written directly.
func closeDates(t *testing.T, args []string, ids []string, at func(i int) time.Time) {
	t.Helper()
	var url, dir string
	if args[0] == "--db" {
		url = args[1]
	} else {
		dir = args[1]
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Tx(ctx, func(q store.Querier) error {
		for i, id := range ids {
			if _, err := q.ExecContext(ctx, `UPDATE deals SET closed_at = ? WHERE id = ?`, db.Dialect.Time(at(i)), id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
