package sales

import (
	"context"
	"errors"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/forecast"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Forecast horizons, in months.
const (
	DefaultHorizon = 6
	MaxHorizon     = 24
)

// MinHistory is the fewest complete months of won revenue a revenue
// forecast is made from; with fewer the forecast says so and shows none.
const MinHistory = 6

// historyMonths bounds the revenue history read: five years hold every
// season a monthly model needs several times over.
const historyMonths = 60

// ForecastQuery narrows a forecast to a pipeline and some owners and says
// how many months ahead it looks.
type ForecastQuery struct {
	Pipeline string // "" for every pipeline
	User     string // a user whose deals count; "" for all the actor may read
	Team     string // a team whose members' deals count; "" for any
	Horizon  int    // months from the current one; 0 for DefaultHorizon
}

// ForecastCell is what the deals of one month and category add up to, in
// the base currency's minor units.
type ForecastCell struct {
	Count    int64 `json:"count"`
	Value    int64 `json:"value"`
	Weighted int64 `json:"weighted"`
}

// ForecastMonth is one month of the weighted pipeline ("2026-12"), by
// forecast category.
type ForecastMonth struct {
	Month      string                  `json:"month"`
	Categories map[string]ForecastCell `json:"categories"`
}

// RevenueMonth is the won revenue of one past month.
type RevenueMonth struct {
	Month  string `json:"month"`
	Amount int64  `json:"amount"`
}

// RevenuePoint is one forecast month of revenue with its 80% and 95%
// prediction intervals, in minor units; a negative bound is shown as zero.
type RevenuePoint struct {
	Month   string `json:"month"`
	Mean    int64  `json:"mean"`
	Lower80 int64  `json:"lower80"`
	Upper80 int64  `json:"upper80"`
	Lower95 int64  `json:"lower95"`
	Upper95 int64  `json:"upper95"`
}

// Forecast is the weighted pipeline by expected close month and category,
// and the won revenue by month with its forecast. Amounts are in Currency's
// minor units. ValueHidden says the reader's role hides deals' value: then
// only counts are given and no revenue. Unconverted lists currencies left
// out for want of a rate.
type Forecast struct {
	Currency    string          `json:"currency"`
	ValueHidden bool            `json:"value_hidden"`
	Categories  []string        `json:"categories"`
	Months      []ForecastMonth `json:"months"`
	Undated     int64           `json:"undated"`
	Unconverted []string        `json:"unconverted,omitempty"`
	History     []RevenueMonth  `json:"history,omitempty"`
	Model       string          `json:"model,omitempty"`
	Revenue     []RevenuePoint  `json:"revenue,omitempty"`
	// TooShort says there are fewer than MinHistory complete months of
	// won revenue: no revenue forecast is made.
	TooShort bool `json:"too_short"`
}

// Forecast computes the actor's forecast: their open deals weighted by
// probability (the deal's own, else its stage's) and summed by expected
// close month and forecast category (the deal's own, else its stage's);
// deals past their expected close month count in the current one. The won
// deals of the current month are its closed category. The won revenue of
// past months, each deal at the rate of its close date, is fitted by the
// exponential-smoothing model of smallest AICc and forecast Horizon months
// on. Only deals the actor may read count.
func (s *Service) Forecast(ctx context.Context, q ForecastQuery) (Forecast, error) {
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return Forecast{}, err
	}
	if q.Horizon == 0 {
		q.Horizon = DefaultHorizon
	}
	if q.Horizon < 1 || q.Horizon > MaxHorizon {
		return Forecast{}, fault.Field("horizon", "range", "must be between 1 and %d months", MaxHorizon)
	}
	hidden, err := s.hiddenDealFields(ctx, a)
	if err != nil {
		return Forecast{}, err
	}
	where, args, err := s.forecastWhere(ctx, a, q, hidden)
	if err != nil {
		return Forecast{}, err
	}
	conv, err := s.converter(ctx, s.db.Reader(), a.WorkspaceID)
	if err != nil {
		return Forecast{}, err
	}
	now := s.now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	f := Forecast{Currency: conv.Base, ValueHidden: hidden["value"], Categories: records.ForecastCategories}
	for i := 0; i < q.Horizon; i++ {
		f.Months = append(f.Months, ForecastMonth{Month: start.AddDate(0, i, 0).Format("2006-01"), Categories: map[string]ForecastCell{}})
	}
	unconverted := map[string]bool{}
	if err := s.weighPipeline(ctx, a.WorkspaceID, where, args, conv, &f, unconverted); err != nil {
		return Forecast{}, err
	}
	if err := s.wonRevenue(ctx, where, args, conv, start, &f, unconverted); err != nil {
		return Forecast{}, err
	}
	for c := range unconverted {
		f.Unconverted = append(f.Unconverted, c)
	}
	slices.Sort(f.Unconverted)
	if f.ValueHidden {
		for _, m := range f.Months {
			for c, cell := range m.Categories {
				m.Categories[c] = ForecastCell{Count: cell.Count}
			}
		}
		f.History, f.Revenue, f.Model, f.Unconverted = nil, nil, "", nil
		return f, nil
	}
	s.forecastRevenue(&f, start, q.Horizon)
	return f, nil
}

// forecastWhere is the condition on deals every part of the forecast
// shares: the workspace, the pipeline, the owners asked and the owners the
// actor's role lets them read.
func (s *Service) forecastWhere(ctx context.Context, a access.Actor, q ForecastQuery, hidden map[string]bool) (string, []any, error) {
	where := "workspace_id = ?"
	args := []any{a.WorkspaceID}
	if q.Pipeline != "" {
		id, ok := input.ID(q.Pipeline)
		if ok && !hidden["pipeline_id"] {
			_, err := s.engine.Get(ctx, "pipelines", q.Pipeline, false)
			ok = err == nil
			if err != nil && !fault.Is(err, fault.ENOTFOUND) {
				return "", nil, err
			}
		}
		if !ok {
			return "", nil, fault.Field("pipeline", "unknown", "no pipeline with id %q", q.Pipeline)
		}
		where, args = where+" AND pipeline_id = ?", append(args, id)
	}
	ids, err := s.forecastOwners(ctx, a.WorkspaceID, q, hidden)
	if err != nil {
		return "", nil, err
	}
	if ids != nil && len(ids) == 0 {
		where += " AND 1 = 0" // a team without members
	}
	if len(ids) > 0 {
		where += " AND owner_id IN (" + store.Marks(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rs, err := s.engine.Policy().Restrict(ctx, a, "deal")
	if err != nil {
		return "", nil, err
	}
	if cond, cargs := access.OwnerCondition(rs, "owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	return where, args, nil
}

// forecastOwners resolves the user or team asked to the owners whose
// deals count: nil for any owner, an empty list for a team with no one.
func (s *Service) forecastOwners(ctx context.Context, ws int64, q ForecastQuery, hidden map[string]bool) ([]int64, error) {
	if (q.User != "" || q.Team != "") && hidden["owner_id"] {
		return nil, fault.Field("owner_id", "unknown", "is not a field of deals")
	}
	var ids []int64
	if q.User != "" {
		id, ok := input.ID(q.User)
		var n int
		if ok {
			if err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&n); err != nil {
				return nil, err
			}
		}
		if n == 0 {
			return nil, fault.Field("user", "unknown", "no user with id %q", q.User)
		}
		ids = []int64{id}
	}
	if q.Team != "" {
		id, ok := input.ID(q.Team)
		var n int
		if ok {
			if err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM teams WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&n); err != nil {
				return nil, err
			}
		}
		if n == 0 {
			return nil, fault.Field("team", "unknown", "no team with id %q", q.Team)
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND team_id = ?`, ws, id)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		members := []int64{}
		for rows.Next() {
			var m int64
			if err := rows.Scan(&m); err != nil {
				return nil, err
			}
			if ids == nil || ids[0] == m {
				members = append(members, m)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = members
	}
	return ids, nil
}

// stageForecast is what a stage gives its deals in a forecast.
type stageForecast struct {
	probability *int64
	category    string
}

// weighPipeline reads the open deals' sums by expected close month, stage,
// category, currency and whether the deal has a probability of its own
// from the forecast totals, then weighs the groups.
func (s *Service) weighPipeline(ctx context.Context, ws int64, where string, args []any, conv *Converter, f *Forecast, unconverted map[string]bool) error {
	stages := map[int64]stageForecast{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, probability, COALESCE(forecast_category, '') FROM stages WHERE workspace_id = ? AND deleted_at IS NULL`, ws)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var st stageForecast
		var p *int64
		if err := rows.Scan(&id, &p, &st.category); err != nil {
			rows.Close()
			return err
		}
		st.probability = p
		stages[id] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	end := f.Months[len(f.Months)-1].Month + "-99"
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT month, stage_id, category, own, currency, SUM(deals), SUM(amount), SUM(weighted)
		FROM forecast_totals WHERE `+where+` AND deals <> 0 AND (month = '' OR month < ?)
		GROUP BY month, stage_id, category, own, currency`, append(slices.Clone(args), end)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	first := f.Months[0].Month
	index := map[string]int{}
	for i, m := range f.Months {
		index[m.Month] = i
	}
	for rows.Next() {
		var month, category, currency string
		var stage, own, count, amount, weighted int64
		if err := rows.Scan(&month, &stage, &category, &own, &currency, &count, &amount, &weighted); err != nil {
			return err
		}
		if month == "" {
			f.Undated += count
			continue
		}
		if month < first {
			month = first
		}
		i, ok := index[month]
		if !ok {
			continue
		}
		st := stages[stage]
		if category == "" {
			category = st.category
		}
		if category == "" {
			category = "pipeline"
		}
		if own == 0 {
			weighted = 0
			if st.probability != nil {
				weighted = amount * *st.probability
			}
		}
		cell := f.Months[i].Categories[category]
		cell.Count += count
		if currency != "" {
			value, err1 := conv.Convert(ctx, Money{Amount: amount, Currency: currency}, s.now())
			wv, err2 := conv.Convert(ctx, Money{Amount: weighted, Currency: currency}, s.now())
			if errors.Is(err1, ErrNoRate) || errors.Is(err2, ErrNoRate) {
				unconverted[currency] = true
			} else if err1 != nil || err2 != nil {
				return errors.Join(err1, err2)
			} else {
				cell.Value += value.Amount
				cell.Weighted += (wv.Amount + 50) / 100
			}
		}
		f.Months[i].Categories[category] = cell
	}
	return rows.Err()
}

// wonRevenue sums the won deals by close day and currency, converts each
// day's sum at that day's rate and adds it up by month: the months before
// the current one are the history, the current one the closed category.
func (s *Service) wonRevenue(ctx context.Context, where string, args []any, conv *Converter, start time.Time, f *Forecast, unconverted map[string]bool) error {
	day := "substr(closed_at, 1, 10)"
	if s.db.Dialect == store.Postgres {
		day = "to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	since := start.AddDate(0, -historyMonths, 0)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+day+`, COALESCE(value_currency, ''), count(*), COALESCE(SUM(value_amount), 0)
		FROM deals`+s.db.Dialect.IndexedBy("deals_forecast_won")+` WHERE `+where+` AND deleted_at IS NULL AND status = 'won' AND closed_at >= ?
		GROUP BY 1, 2`, append(slices.Clone(args), s.db.Dialect.Time(since))...)
	if err != nil {
		return err
	}
	type daySum struct {
		day, currency string
		count, amount int64
	}
	var sums []daySum
	for rows.Next() {
		var d daySum
		if err := rows.Scan(&d.day, &d.currency, &d.count, &d.amount); err != nil {
			rows.Close()
			return err
		}
		sums = append(sums, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := conv.preload(ctx); err != nil {
		return err
	}
	byMonth := map[string]int64{}
	current := start.Format("2006-01")
	closed := ForecastCell{}
	for _, d := range sums {
		month := d.day[:7]
		var amount int64
		if d.currency != "" {
			t, _ := time.Parse(time.DateOnly, d.day)
			m, err := conv.Convert(ctx, Money{Amount: d.amount, Currency: d.currency}, t)
			if errors.Is(err, ErrNoRate) {
				unconverted[d.currency] = true
			} else if err != nil {
				return err
			} else {
				amount = m.Amount
			}
		}
		if month >= current {
			closed.Count += d.count
			closed.Value += amount
			closed.Weighted += amount
			continue
		}
		byMonth[month] += amount
	}
	if closed.Count > 0 {
		c := f.Months[0].Categories["closed"]
		c.Count, c.Value, c.Weighted = c.Count+closed.Count, c.Value+closed.Value, c.Weighted+closed.Weighted
		f.Months[0].Categories["closed"] = c
	}
	if len(byMonth) == 0 {
		return nil
	}
	months := make([]string, 0, len(byMonth))
	for m := range byMonth {
		months = append(months, m)
	}
	sort.Strings(months)
	t, _ := time.Parse("2006-01", months[0])
	for ; t.Before(start); t = t.AddDate(0, 1, 0) {
		m := t.Format("2006-01")
		f.History = append(f.History, RevenueMonth{Month: m, Amount: byMonth[m]})
	}
	return nil
}

// forecastRevenue fits the history and forecasts horizon months from the
// current one, or marks the forecast too short.
func (s *Service) forecastRevenue(f *Forecast, start time.Time, horizon int) {
	if len(f.History) < MinHistory {
		f.TooShort = true
		return
	}
	y := make([]float64, len(f.History))
	for i, h := range f.History {
		y[i] = float64(h.Amount)
	}
	run, err := fits.selectFor(y)
	if err != nil {
		f.TooShort = true
		return
	}
	f.Model = string(run.Model.Kind)
	clamp := func(v float64) int64 {
		if math.IsNaN(v) || v < 0 {
			return 0
		}
		return int64(math.Round(v))
	}
	for i, p := range run.Forecast(horizon, 0.8, 0.95) {
		f.Revenue = append(f.Revenue, RevenuePoint{Month: start.AddDate(0, i, 0).Format("2006-01"), Mean: clamp(p.Mean),
			Lower80: clamp(p.Levels[0].Lower), Upper80: clamp(p.Levels[0].Upper),
			Lower95: clamp(p.Levels[1].Lower), Upper95: clamp(p.Levels[1].Upper)})
	}
}

// fitCache keeps the models fitted to recent series. A fit takes tenths
// of a second and its series (complete past months) changes only when a
// deal of a past month is won, edited or deleted, so the same series comes
// back on every view of the screen. The key is the series itself, so an
// entry can never answer for other numbers.
type fitCache struct {
	mu    sync.Mutex
	runs  map[string]forecast.Run
	order []string
}

// maxFits bounds the cache: each entry is a few kilobytes.
const maxFits = 512

var fits = &fitCache{runs: map[string]forecast.Run{}}

func (c *fitCache) selectFor(y []float64) (forecast.Run, error) {
	var key strings.Builder
	for _, v := range y {
		key.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		key.WriteByte(',')
	}
	k := key.String()
	c.mu.Lock()
	run, ok := c.runs[k]
	c.mu.Unlock()
	if ok {
		return run, nil
	}
	run, err := forecast.Select(y, 12)
	if err != nil {
		return run, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.runs[k]; !ok {
		c.runs[k] = run
		c.order = append(c.order, k)
		if len(c.order) > maxFits {
			delete(c.runs, c.order[0])
			c.order = c.order[1:]
		}
	}
	return run, nil
}

// preload reads every exchange rate of the workspace once and fills the
// converter's cache from it, so that converting sums of many days does not
// ask the database once per day.
func (c *Converter) preload(ctx context.Context) error {
	rows, err := c.q.QueryContext(ctx, `SELECT currency, valid_on, rate FROM exchange_rates WHERE workspace_id = ? ORDER BY currency, valid_on`, c.ws)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.table = map[string][]datedRate{}
	for rows.Next() {
		var cur, on, text string
		if err := rows.Scan(&cur, &on, &text); err != nil {
			return err
		}
		if r, ok := new(big.Rat).SetString(text); ok {
			c.table[cur] = append(c.table[cur], datedRate{on: on, rate: r})
		}
	}
	return rows.Err()
}

// datedRate is a rate in force from a day on.
type datedRate struct {
	on   string
	rate *big.Rat
}

// rateOn answers from the preloaded table: the latest rate dated on or
// before date, and whether the table was loaded at all.
func (c *Converter) rateOn(currency, date string) (*big.Rat, bool) {
	if c.table == nil {
		return nil, false
	}
	list := c.table[currency]
	i := sort.Search(len(list), func(i int) bool { return list[i].on > date })
	if i == 0 {
		return nil, true
	}
	return list[i-1].rate, true
}
