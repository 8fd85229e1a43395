package goals

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// KPIs are the dashboard's sales indicators for a period, over the deals
// the viewer may read (and, when asked, of some owners only). A nil one
// has nothing to measure, or measures something the viewer's role hides.
type KPIs struct {
	Won  int64 `json:"won"`
	Lost int64 `json:"lost"`
	// CloseRate is won of won and lost, 0 to 1.
	CloseRate *float64 `json:"close_rate"`
	// AverageDeal is the average value of a deal won, in the base
	// currency; nil when the role hides deals' value.
	AverageDeal *sales.Money `json:"average_deal"`
	// CycleDays is the median of the days from a won deal's creation to
	// its win.
	CycleDays *float64 `json:"cycle_days"`
	// LifetimeValue is the value won per customer (a deal's company, or
	// the deal itself when it has none): historical, over the period.
	LifetimeValue *sales.Money `json:"lifetime_value"`
	// UpsellRate is the share of the deals won from customers who had
	// won deals before (docs: repeat purchases, internal/sales/repeat.go).
	UpsellRate *float64 `json:"upsell_rate"`
	// Channels is the acquisition cost per source, only for a viewer who
	// reads every deal and looks at the whole workspace: the spend is a
	// company figure, and a part of the customers would make it a wrong
	// one.
	Channels []ChannelCost `json:"channels,omitempty"`
	// ChurnRate (scores.Service.ChurnRateFor: the share of the customers
	// the viewer may read that churned) and PredictedLTV (the mean
	// predicted 12-month value of those contacts who bought,
	// value.Service.PredictedMean) are filled by the callers that hold
	// those services (the dashboard); nil otherwise, or when there is no
	// model or nothing to measure.
	ChurnRate    *float64     `json:"churn_rate"`
	PredictedLTV *sales.Money `json:"predicted_ltv"`
	Unconverted  []string     `json:"unconverted,omitempty"`
}

// ChannelCost is one source's acquisition cost: its spend in the period
// over the new customers won from it.
type ChannelCost struct {
	Source       string       `json:"source"`
	Spend        sales.Money  `json:"spend"`
	NewCustomers int64        `json:"new_customers"`
	Cost         *sales.Money `json:"cost"` // nil without a new customer
}

// maxKPIDeals bounds the closed deals one computation reads: a period of
// a large workspace is thousands; past this the figures are of the first.
const maxKPIDeals = 200000

// KPIsOf computes the indicators of the deals closed in [from, to) that
// the actor may read, narrowed to owners when not empty; today fixes the
// exchange rates (the period's last day's, or today's while it runs).
func (s *Service) KPIsOf(ctx context.Context, from, to time.Time, owners []string, today time.Time) (KPIs, error) {
	var k KPIs
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return k, err
	}
	pol := s.engine.Policy()
	if err := pol.Authorize(ctx, a, "deal", access.Read, nil); err != nil {
		return k, err
	}
	rs, err := pol.Restrict(ctx, a, "deal")
	if err != nil {
		return k, err
	}
	rules, err := pol.Fields(ctx, a, "deal")
	if err != nil {
		return k, err
	}
	hidden := func(f string) bool { return rules[f] == access.FieldHidden }
	d := s.db.Dialect
	where := `d.workspace_id = ? AND d.closed_at >= ? AND d.closed_at < ? AND d.deleted_at IS NULL AND d.status IN ('won', 'lost')`
	args := []any{a.WorkspaceID, d.Time(from), d.Time(to)}
	if cond, cargs := access.OwnerCondition(rs, "d.owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if len(owners) > 0 {
		if hidden("owner_id") {
			return k, fault.Field("owner_id", "unknown", "is not a field of deals")
		}
		where += " AND d.owner_id IN (" + store.Marks(len(owners)) + ")"
		for _, o := range owners {
			n, ok := input.ID(o)
			if !ok {
				return k, fault.Field("owner_id", "type", "must be a user id")
			}
			args = append(args, n)
		}
	}
	// A deal won from a company that had won one before is a repeat
	// purchase. Both reads are covered by indexes of migration 00027: the
	// period's closed deals by date, and a company's won deals (which
	// SQLite is told to use: it would otherwise walk the won deals by
	// date, every one before each deal).
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT status, company_id, COALESCE(source, ''), COALESCE(value_currency, ''),
		COALESCE(value_amount, 0), created_at, closed_at,
		CASE WHEN status = 'won' AND company_id IS NOT NULL AND EXISTS (SELECT 1 FROM deals e`+d.IndexedBy("goals_won_by_company")+`
			WHERE e.workspace_id = d.workspace_id
			AND e.company_id = d.company_id AND e.status = 'won' AND e.closed_at < d.closed_at AND e.deleted_at IS NULL) THEN 1 ELSE 0 END
		FROM (SELECT workspace_id, status, company_id, source, value_currency, value_amount, created_at, closed_at
			FROM deals d WHERE `+where+` LIMIT `+strconv.Itoa(maxKPIDeals)+`) d`, args...)
	if err != nil {
		return k, err
	}
	defer rows.Close()
	sums := map[string]int64{}
	var cycles []float64
	var repeat int64
	customers := map[string]bool{}
	newBySource := map[string]map[string]bool{}
	for i := 0; rows.Next(); i++ {
		var status, source, cur string
		var company sql.NullInt64
		var amount int64
		var created, closed any
		var again int
		if err := rows.Scan(&status, &company, &source, &cur, &amount, &created, &closed, &again); err != nil {
			return k, err
		}
		if status != "won" {
			k.Lost++
			continue
		}
		k.Won++
		if cur != "" {
			sums[cur] += amount
		}
		c, ok1 := store.ParseTime(created)
		w, ok2 := store.ParseTime(closed)
		if ok1 && ok2 {
			cycles = append(cycles, w.Sub(c).Hours()/24)
		}
		customer := "deal:" + strconv.Itoa(i)
		if company.Valid {
			customer = strconv.FormatInt(company.Int64, 10)
		}
		customers[customer] = true
		if again == 1 {
			repeat++
		} else {
			if newBySource[source] == nil {
				newBySource[source] = map[string]bool{}
			}
			newBySource[source][customer] = true
		}
	}
	if err := rows.Err(); err != nil {
		return k, err
	}
	if closed := k.Won + k.Lost; closed > 0 {
		r := float64(k.Won) / float64(closed)
		k.CloseRate = &r
	}
	if k.Won > 0 {
		r := float64(repeat) / float64(k.Won)
		k.UpsellRate = &r
	}
	if len(cycles) > 0 {
		slices.Sort(cycles)
		m := cycles[len(cycles)/2]
		if len(cycles)%2 == 0 {
			m = (cycles[len(cycles)/2-1] + m) / 2
		}
		k.CycleDays = &m
	}
	day := to.AddDate(0, 0, -1)
	if today.Before(day) {
		day = today
	}
	var conv *sales.Converter
	if s.sales != nil {
		if conv, err = s.sales.Converter(ctx); err != nil {
			return k, err
		}
	}
	if conv != nil && !hidden("value") && k.Won > 0 {
		total := sales.Money{Currency: conv.Base}
		for _, cur := range sortedKeys(sums) {
			m, err := conv.Convert(ctx, sales.Money{Amount: sums[cur], Currency: cur}, day)
			if errors.Is(err, sales.ErrNoRate) {
				k.Unconverted = append(k.Unconverted, cur)
				continue
			}
			if err != nil {
				return k, err
			}
			total.Amount += m.Amount
		}
		avg := sales.Money{Amount: total.Amount / k.Won, Currency: conv.Base}
		ltv := sales.Money{Amount: total.Amount / int64(len(customers)), Currency: conv.Base}
		k.AverageDeal, k.LifetimeValue = &avg, &ltv
	}
	if conv != nil && len(rs) == 0 && len(owners) == 0 && !hidden("source") {
		if k.Channels, err = s.channels(ctx, conv, a.WorkspaceID, from, to, day, newBySource); err != nil {
			return k, err
		}
	}
	return k, nil
}

// channels is the acquisition cost of each source that had spend in the
// period's months.
func (s *Service) channels(ctx context.Context, conv *sales.Converter, ws int64, from, to, day time.Time,
	newBySource map[string]map[string]bool) ([]ChannelCost, error) {
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT source, currency, SUM(amount) FROM acquisition_spend
		WHERE workspace_id = ? AND month >= ? AND month < ? GROUP BY source, currency ORDER BY source, currency`,
		ws, Month(from), Month(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	bySource := map[string]*ChannelCost{}
	var order []string
	for rows.Next() {
		var source, cur string
		var amount int64
		if err := rows.Scan(&source, &cur, &amount); err != nil {
			return nil, err
		}
		m, err := conv.Convert(ctx, sales.Money{Amount: amount, Currency: cur}, day)
		if errors.Is(err, sales.ErrNoRate) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c := bySource[source]
		if c == nil {
			c = &ChannelCost{Source: source, Spend: sales.Money{Currency: conv.Base}, NewCustomers: int64(len(newBySource[source]))}
			bySource[source] = c
			order = append(order, source)
		}
		c.Spend.Amount += m.Amount
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]ChannelCost, 0, len(order))
	for _, src := range order {
		c := bySource[src]
		if c.NewCustomers > 0 {
			c.Cost = &sales.Money{Amount: c.Spend.Amount / c.NewCustomers, Currency: c.Spend.Currency}
		}
		out = append(out, *c)
	}
	return out, nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Spend is an administrator's entry of what one channel cost in a month.
type Spend struct {
	Source string      `json:"source"`
	Month  string      `json:"month"` // YYYY-MM
	Amount sales.Money `json:"amount"`
}

// SetSpend enters (or corrects) a channel's spend in a month; only
// administrators may.
func (s *Service) SetSpend(ctx context.Context, sp Spend) error {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return err
	}
	if !v.admin {
		return fault.Errorf(fault.EFORBIDDEN, "only administrators enter spend")
	}
	var c fault.Collector
	if !slices.Contains(records.Sources, sp.Source) {
		c.Add("source", "option", "must be a source of deals")
	}
	if _, err := time.Parse("2006-01", sp.Month); err != nil || len(sp.Month) != 7 {
		c.Add("month", "format", "must be a month as YYYY-MM")
	}
	if sp.Amount.Amount < 0 || sp.Amount.Amount > 1e15 {
		c.Add("amount", "range", "must be zero or more")
	}
	if !currencyRe.MatchString(sp.Amount.Currency) {
		c.Add("currency", "currency", "must be an ISO 4217 currency code")
	}
	if err := c.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO acquisition_spend (workspace_id, source, month, amount, currency, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, source, month) DO UPDATE SET amount = excluded.amount,
			currency = excluded.currency, updated_at = excluded.updated_at`,
			v.actor.WorkspaceID, sp.Source, sp.Month, sp.Amount.Amount, sp.Amount.Currency, s.db.Dialect.Time(s.now()))
		return err
	})
}

// SpendList lists the spend entered, newest month first; administrators
// only.
func (s *Service) SpendList(ctx context.Context) ([]Spend, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	if !v.admin {
		return nil, fault.Errorf(fault.EFORBIDDEN, "only administrators read spend")
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT source, month, amount, currency FROM acquisition_spend
		WHERE workspace_id = ? ORDER BY month DESC, source LIMIT 500`, v.actor.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Spend{}
	for rows.Next() {
		var sp Spend
		if err := rows.Scan(&sp.Source, &sp.Month, &sp.Amount.Amount, &sp.Amount.Currency); err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}
