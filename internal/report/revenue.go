package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/sales"
)

// Groupings of the revenue report.
var Groupings = []string{"day", "week", "month", "quarter", "user", "team", "source", "product"}

// Revenue is the deals won and lost in the period (by their close date),
// grouped, with their values in the base currency at the rate of each
// deal's close date. Won deals are split into new and repeat customers.
type Revenue struct {
	By          string       `json:"by"`
	Currency    string       `json:"currency"`
	Rows        []RevenueRow `json:"rows"`
	Total       RevenueRow   `json:"total"`
	LossReasons []Count      `json:"loss_reasons"`
	Unconverted []string     `json:"unconverted"`
}

// RevenueRow is one group's figures. The sums are nil when the role hides
// the deals' value; WinRate is won / (won + lost) in percent, nil when
// nothing closed.
type RevenueRow struct {
	Key       string       `json:"key"`
	Label     string       `json:"label"`
	Won       int64        `json:"won"`
	Lost      int64        `json:"lost"`
	WinRate   *float64     `json:"win_rate"`
	WonSum    *sales.Money `json:"won_sum"`
	LostSum   *sales.Money `json:"lost_sum"`
	NewWon    int64        `json:"new_won"`
	RepeatWon int64        `json:"repeat_won"`
	NewSum    *sales.Money `json:"new_sum"`
	RepeatSum *sales.Money `json:"repeat_sum"`
}

// repeatExpr is 1 for a won deal whose company, or one of whose contacts,
// had a deal won before it closed, else 0.
const repeatExpr = `CASE WHEN d.status = 'won' AND (
	(d.company_id IS NOT NULL AND EXISTS (SELECT 1 FROM deals e WHERE e.workspace_id = d.workspace_id
		AND e.company_id = d.company_id AND e.status = 'won' AND e.deleted_at IS NULL AND e.closed_at < d.closed_at))
	OR EXISTS (SELECT 1 FROM deal_contacts c JOIN deal_contacts c2 ON c2.workspace_id = c.workspace_id
		AND c2.contact_id = c.contact_id AND c2.deal_id <> c.deal_id
		JOIN deals e ON e.workspace_id = c2.workspace_id AND e.id = c2.deal_id AND e.status = 'won'
		AND e.deleted_at IS NULL AND e.closed_at < d.closed_at
		WHERE c.workspace_id = d.workspace_id AND c.deal_id = d.id)) THEN 1 ELSE 0 END`

// Revenue computes the win rate, loss reasons and revenue grouped by by,
// one of Groupings.
func (s *Service) Revenue(ctx context.Context, f Filter, by string) (Revenue, error) {
	if by == "" {
		by = "month"
	}
	if !slices.Contains(Groupings, by) {
		return Revenue{}, fault.Field("by", "option", "must be one of day, week, month, quarter, user, team, source, product")
	}
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return Revenue{}, err
	}
	col := map[string]string{"user": "d.owner_id", "team": "d.owner_id", "source": "d.source"}[by]
	field := map[string]string{"user": "owner_id", "team": "owner_id", "source": "source", "product": "line_items"}[by]
	if field != "" && sc.hidden[field] {
		return Revenue{}, fault.Field("by", "unknown", "%s is not a field of deals", field)
	}
	if col == "" {
		col = "''"
	}
	ad, err := s.adder(ctx, sc)
	if err != nil {
		return Revenue{}, err
	}
	out := Revenue{By: by, Currency: ad.base(), Rows: []RevenueRow{}, LossReasons: []Count{}, Unconverted: []string{}}
	out.Total = RevenueRow{Key: "total", WonSum: ad.zero(), LostSum: ad.zero(), NewSum: ad.zero(), RepeatSum: ad.zero()}
	d := s.db.Dialect
	where, args := sc.deals(d, "closed_at")
	var rows *sql.Rows
	if by == "product" {
		rows, err = s.db.Reader().QueryContext(ctx, `SELECT `+d.Day("d.closed_at")+`, d.status, COALESCE(d.value_currency, ''), `+repeatExpr+`,
			COALESCE(d.value_amount, 0), COALESCE(`+d.JSONOut("d.line_items")+`, '')
			FROM `+table(d, "closed_at")+` WHERE `+where+` AND d.status IN ('won', 'lost')`, args...)
	} else {
		rows, err = s.db.Reader().QueryContext(ctx, `SELECT day, status, grp, currency, rep, count(*), COALESCE(SUM(amount), 0) FROM (
		SELECT `+d.Day("d.closed_at")+` AS day, d.status AS status, COALESCE(CAST(`+col+` AS TEXT), '') AS grp,
			COALESCE(d.value_currency, '') AS currency, `+repeatExpr+` AS rep, d.value_amount AS amount
		FROM `+table(d, "closed_at")+` WHERE `+where+` AND d.status IN ('won', 'lost')) x
		GROUP BY day, status, grp, currency, rep`, args...)
	}
	if err != nil {
		return out, err
	}
	groups := map[string]*RevenueRow{}
	products := map[string]string{}
	users, teams := map[int64]string{}, map[int64]string{}
	var teamOf map[int64]int64
	if by == "user" || by == "team" {
		if users, err = s.names(ctx, "users", "name", sc.a.WorkspaceID); err != nil {
			return out, err
		}
	}
	if by == "team" {
		if teams, err = s.names(ctx, "teams", "name", sc.a.WorkspaceID); err != nil {
			return out, err
		}
		if teamOf, err = s.teamOf(ctx, sc.a.WorkspaceID); err != nil {
			return out, err
		}
	}
	var lines []line
	err = eachRow(rows, func(r *sql.Rows) error {
		l := line{total: true}
		var rep int64
		if by == "product" {
			var items string
			if err := r.Scan(&l.day, &l.status, &l.currency, &rep, &l.amount, &items); err != nil {
				return err
			}
			l.repeat, l.n = rep == 1, 1
			lines = append(lines, splitByProduct(l, items, products)...)
			return nil
		}
		if err := r.Scan(&l.day, &l.status, &l.grp, &l.currency, &rep, &l.n, &l.amount); err != nil {
			return err
		}
		l.repeat = rep == 1
		lines = append(lines, l)
		return nil
	})
	if err == nil && by == "product" && len(products) > 0 {
		err = s.productNames(ctx, sc.a.WorkspaceID, products)
	}
	if err != nil {
		return out, err
	}
	for _, l := range lines {
		key, label := groupOf(by, l.day, l.grp, users, teams, teamOf)
		if by == "product" {
			label = products[l.grp]
		}
		g := groups[key]
		if g == nil {
			g = &RevenueRow{Key: key, Label: label, WonSum: ad.zero(), LostSum: ad.zero(), NewSum: ad.zero(), RepeatSum: ad.zero()}
			groups[key] = g
		}
		// A deal split between products counts in each of their rows,
		// and once in the total.
		once := l.n
		if !l.total {
			once = 0
		}
		if l.status == "lost" {
			g.Lost += l.n
			out.Total.Lost += once
			if err := ad.add(ctx, l.currency, l.day, l.amount, g.LostSum, out.Total.LostSum); err != nil {
				return out, err
			}
			continue
		}
		g.Won += l.n
		out.Total.Won += once
		sums := []*sales.Money{g.WonSum, out.Total.WonSum}
		if l.repeat {
			g.RepeatWon += l.n
			out.Total.RepeatWon += once
			sums = append(sums, g.RepeatSum, out.Total.RepeatSum)
		} else {
			g.NewWon += l.n
			out.Total.NewWon += once
			sums = append(sums, g.NewSum, out.Total.NewSum)
		}
		if err := ad.add(ctx, l.currency, l.day, l.amount, sums...); err != nil {
			return out, err
		}
	}
	for _, g := range groups {
		g.WinRate = rate(g.Won, g.Won+g.Lost)
		out.Rows = append(out.Rows, *g)
	}
	slices.SortFunc(out.Rows, func(a, b RevenueRow) int {
		if by == "user" || by == "team" || by == "source" || by == "product" {
			if a.Won != b.Won {
				return int(b.Won - a.Won)
			}
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	out.Total.WinRate = rate(out.Total.Won, out.Total.Won+out.Total.Lost)
	out.Unconverted = append(out.Unconverted, ad.unconverted...)
	if sc.hidden["loss_reason_id"] {
		return out, nil
	}
	reasons, err := s.names(ctx, "loss_reasons", "name", sc.a.WorkspaceID)
	if err != nil {
		return out, err
	}
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT d.loss_reason_id, count(*) FROM `+table(d, "closed_at")+`
		WHERE `+where+` AND d.status IN ('won', 'lost') AND d.status = 'lost' GROUP BY d.loss_reason_id ORDER BY count(*) DESC, d.loss_reason_id`, args...)
	if err != nil {
		return out, err
	}
	err = eachRow(rows, func(r *sql.Rows) error {
		var id sql.NullInt64
		var n int64
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		ref := Ref{}
		if id.Valid {
			ref = Ref{ID: strconv.FormatInt(id.Int64, 10), Name: reasons[id.Int64]}
		}
		out.LossReasons = append(out.LossReasons, Count{Ref: ref, Count: n})
		return nil
	})
	return out, err
}

// line is one group's deals of a day, status, currency and kind of
// customer; total is false for the second and later products of one deal
// split by product, which the total counts once.
type line struct {
	day, status, grp, currency string
	repeat, total              bool
	n, amount                  int64
}

// splitByProduct splits a deal's line l (its value in amount) between the
// products of its line items (a JSON array, "" without), in proportion to
// each item's total: a deal of 600 with items of 100 and 200 gives 200 and
// 400. Items of one product add up; an item without a product, or a deal
// without items, falls to the group "" (no product). The parts add up to
// the deal's value, the rounding remainder going to the largest. A deal
// whose items total nothing is split evenly. names gets each product's
// name as its items give it.
func splitByProduct(l line, items string, names map[string]string) []line {
	var its []struct {
		ProductID any    `json:"product_id"`
		Name      string `json:"name"`
		Total     struct {
			Amount json.Number `json:"amount"`
		} `json:"total"`
	}
	if items != "" && json.Unmarshal([]byte(items), &its) != nil {
		its = nil
	}
	weight := map[string]int64{}
	var order []string
	var sum int64
	for _, it := range its {
		id := ""
		switch v := it.ProductID.(type) {
		case string:
			id = v
		case float64:
			id = strconv.FormatInt(int64(v), 10)
		}
		if _, ok := weight[id]; !ok {
			order = append(order, id)
		}
		w, _ := it.Total.Amount.Int64()
		if w < 0 {
			w = 0
		}
		weight[id] += w
		sum += w
		if id != "" && names[id] == "" {
			names[id] = it.Name
		}
	}
	if len(order) <= 1 {
		if len(order) == 1 {
			l.grp = order[0]
		}
		return []line{l}
	}
	out := make([]line, len(order))
	var given int64
	largest := 0
	for i, id := range order {
		part := l
		part.grp, part.total = id, i == 0
		if sum > 0 {
			part.amount = int64(float64(l.amount) * float64(weight[id]) / float64(sum))
		} else {
			part.amount = l.amount / int64(len(order))
		}
		given += part.amount
		if weight[id] > weight[order[largest]] {
			largest = i
		}
		out[i] = part
	}
	out[largest].amount += l.amount - given
	return out
}

// productNames replaces the names the line items gave with the products'
// own, where the product still exists.
func (s *Service) productNames(ctx context.Context, ws int64, names map[string]string) error {
	byID, err := s.names(ctx, "products", "name", ws)
	if err != nil {
		return err
	}
	for id := range names {
		n, _ := strconv.ParseInt(id, 10, 64)
		if name, ok := byID[n]; ok && name != "" {
			names[id] = name
		}
	}
	return nil
}

// groupOf is the key and label of a line's group.
func groupOf(by, day, grp string, users, teams map[int64]string, teamOf map[int64]int64) (string, string) {
	t, _ := time.Parse(time.DateOnly, day)
	switch by {
	case "day":
		return day, day
	case "week":
		// Weeks start on Monday; the key is the Monday's date.
		wd := (int(t.Weekday()) + 6) % 7
		m := t.AddDate(0, 0, -wd).Format(time.DateOnly)
		return m, m
	case "month":
		return day[:7], day[:7]
	case "quarter":
		q := fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
		return q, q
	case "user":
		id, _ := strconv.ParseInt(grp, 10, 64)
		return grp, users[id]
	case "team":
		id, _ := strconv.ParseInt(grp, 10, 64)
		team, ok := teamOf[id]
		if !ok {
			return "", ""
		}
		return strconv.FormatInt(team, 10), teams[team]
	}
	return grp, grp
}

// teamOf maps each user of the workspace who is in a team to the team.
func (s *Service) teamOf(ctx context.Context, ws int64) (map[int64]int64, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, team_id FROM users WHERE workspace_id = ? AND team_id IS NOT NULL`, ws)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	err = eachRow(rows, func(r *sql.Rows) error {
		var u, t int64
		if err := r.Scan(&u, &t); err != nil {
			return err
		}
		out[u] = t
		return nil
	})
	return out, err
}
