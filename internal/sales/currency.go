package sales

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// DefaultBaseCurrency is a workspace's base currency until it sets one.
const DefaultBaseCurrency = "EUR"

// Settings are a workspace's sales settings.
type Settings struct {
	BaseCurrency       string `json:"base_currency"`
	AllowNegativeStock bool   `json:"allow_negative_stock"`
}

// SettingsChange changes some of the settings; nil leaves one as it is.
type SettingsChange struct {
	BaseCurrency       *string `json:"base_currency"`
	AllowNegativeStock *bool   `json:"allow_negative_stock"`
}

// ExchangeRate says how many units of the base currency one unit of
// Currency was worth from Date on (until the next rate of the currency).
type ExchangeRate struct {
	Currency string `json:"currency"`
	Rate     string `json:"rate"`
	Date     string `json:"date"`
}

func (s *Service) authorize(ctx context.Context, object string, act access.Action) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	return a, s.engine.Policy().Authorize(ctx, a, object, act, nil)
}

// currencyCode checks an ISO 4217 code and returns it in capitals.
func currencyCode(code string) (string, error) {
	u, err := currency.ParseISO(code)
	if err != nil || len(code) != 3 {
		return "", fmt.Errorf("must be an ISO 4217 currency code, not %q", code)
	}
	return u.String(), nil
}

// Settings returns the acting workspace's sales settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, s.db.Reader(), a.WorkspaceID)
}

func (s *Service) settings(ctx context.Context, q store.Querier, ws int64) (Settings, error) {
	st := Settings{BaseCurrency: DefaultBaseCurrency}
	err := q.QueryRowContext(ctx, `SELECT base_currency, allow_negative_stock FROM workspace_settings WHERE workspace_id = ?`, ws).
		Scan(&st.BaseCurrency, &st.AllowNegativeStock)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	return st, err
}

// UpdateSettings changes the settings. The base currency is a currency
// setting and negative stock a product one: each needs the right to change
// its kind, which only administrators have by default. Rates already
// entered stay as they are, relative to the new base.
func (s *Service) UpdateSettings(ctx context.Context, ch SettingsChange) (Settings, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Settings{}, err
	}
	if ch.BaseCurrency != nil {
		if err := s.engine.Policy().Authorize(ctx, a, "currency", access.Update, nil); err != nil {
			return Settings{}, err
		}
		code, err := currencyCode(*ch.BaseCurrency)
		if err != nil {
			return Settings{}, fault.Field("base_currency", "currency", "%s", err.Error())
		}
		ch.BaseCurrency = &code
	}
	if ch.AllowNegativeStock != nil {
		if err := s.engine.Policy().Authorize(ctx, a, "product", access.Update, nil); err != nil {
			return Settings{}, err
		}
	}
	var st Settings
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var err error
		if st, err = s.settings(ctx, q, a.WorkspaceID); err != nil {
			return err
		}
		if ch.BaseCurrency != nil {
			st.BaseCurrency = *ch.BaseCurrency
		}
		if ch.AllowNegativeStock != nil {
			st.AllowNegativeStock = *ch.AllowNegativeStock
		}
		_, err = q.ExecContext(ctx, `INSERT INTO workspace_settings (workspace_id, base_currency, allow_negative_stock, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET base_currency = excluded.base_currency,
			allow_negative_stock = excluded.allow_negative_stock, updated_at = excluded.updated_at`,
			a.WorkspaceID, st.BaseCurrency, st.AllowNegativeStock, s.db.Dialect.Time(s.now()))
		return err
	})
	return st, err
}

// SetExchangeRate enters (or corrects) the rate of a currency from a date.
func (s *Service) SetExchangeRate(ctx context.Context, r ExchangeRate) (ExchangeRate, error) {
	a, err := s.authorize(ctx, "currency", access.Create)
	if err != nil {
		return ExchangeRate{}, err
	}
	var c fault.Collector
	code, err := currencyCode(r.Currency)
	if err != nil {
		c.Add("currency", "currency", "%s", err.Error())
	}
	rate, ok := new(big.Rat).SetString(strings.TrimSpace(r.Rate))
	if !ok || rate.Sign() <= 0 || len(r.Rate) > 40 {
		c.Add("rate", "range", "must be a positive decimal number: how many units of the base currency one unit is worth")
	}
	day, err := time.Parse(time.DateOnly, r.Date)
	if err != nil {
		c.Add("date", "format", "must be a date as YYYY-MM-DD")
	}
	if err := c.Err(); err != nil {
		return ExchangeRate{}, err
	}
	out := ExchangeRate{Currency: code, Rate: rate.FloatString(10), Date: day.Format(time.DateOnly)}
	out.Rate = strings.TrimRight(strings.TrimRight(out.Rate, "0"), ".")
	err = s.db.Tx(ctx, func(q store.Querier) error {
		st, err := s.settings(ctx, q, a.WorkspaceID)
		if err != nil {
			return err
		}
		if code == st.BaseCurrency {
			return fault.Field("currency", "base", "%s is the base currency; its rate is always 1", code)
		}
		_, err = q.ExecContext(ctx, `INSERT INTO exchange_rates (workspace_id, currency, valid_on, rate, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, currency, valid_on) DO UPDATE SET rate = excluded.rate, created_at = excluded.created_at`,
			a.WorkspaceID, out.Currency, out.Date, out.Rate, s.db.Dialect.Time(s.now()))
		return err
	})
	return out, err
}

// ExchangeRates lists the rates entered, newest first, of one currency or
// ("") of all.
func (s *Service) ExchangeRates(ctx context.Context, code string) ([]ExchangeRate, error) {
	a, err := s.authorize(ctx, "currency", access.Read)
	if err != nil {
		return nil, err
	}
	query, args := `SELECT currency, rate, valid_on FROM exchange_rates WHERE workspace_id = ?`, []any{a.WorkspaceID}
	if code != "" {
		if code, err = currencyCode(code); err != nil {
			return nil, fault.Field("currency", "currency", "%s", err.Error())
		}
		query, args = query+` AND currency = ?`, append(args, code)
	}
	rows, err := s.db.Reader().QueryContext(ctx, query+` ORDER BY currency, valid_on DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExchangeRate{}
	for rows.Next() {
		var r ExchangeRate
		if err := rows.Scan(&r.Currency, &r.Rate, &r.Date); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrNoRate is wrapped by Convert's error when no rate of a currency is in
// force at the date asked.
var ErrNoRate = errors.New("no exchange rate")

// Converter turns money into the workspace's base currency at the rates in
// force on given dates. It remembers the rates it read, so a board or a
// report converting many sums asks the database once per currency and day.
type Converter struct {
	s     *Service
	q     store.Querier
	ws    int64
	Base  string
	rates map[string]*big.Rat    // by currency and date
	table map[string][]datedRate // every rate by currency, once preloaded
}

// Converter returns a converter for the acting workspace.
func (s *Service) Converter(ctx context.Context) (*Converter, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return s.converter(ctx, s.db.Reader(), a.WorkspaceID)
}

func (s *Service) converter(ctx context.Context, q store.Querier, ws int64) (*Converter, error) {
	st, err := s.settings(ctx, q, ws)
	if err != nil {
		return nil, err
	}
	return &Converter{s: s, q: q, ws: ws, Base: st.BaseCurrency, rates: map[string]*big.Rat{}}, nil
}

// Convert returns m in the base currency at the rate in force on day (the
// latest rate dated on or before it): pass a deal's close date, or today
// for an open deal. The result is rounded half away from zero to the base
// currency's minor units. An error wrapping ErrNoRate says no rate is known.
func (c *Converter) Convert(ctx context.Context, m Money, day time.Time) (Money, error) {
	if m.Currency == c.Base {
		return m, nil
	}
	date := day.UTC().Format(time.DateOnly)
	key := m.Currency + "@" + date
	rate, ok := c.rates[key]
	if !ok {
		rate, ok = c.rateOn(m.Currency, date)
	}
	if !ok {
		var text string
		err := c.q.QueryRowContext(ctx, `SELECT rate FROM exchange_rates WHERE workspace_id = ? AND currency = ? AND valid_on <= ?
			ORDER BY valid_on DESC LIMIT 1`, c.ws, m.Currency, date).Scan(&text)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Money{}, err
		}
		if err == nil {
			rate, _ = new(big.Rat).SetString(text)
		}
		c.rates[key] = rate
	}
	if rate == nil {
		return Money{}, fmt.Errorf("%w for %s on %s", ErrNoRate, m.Currency, date)
	}
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(m.Amount), rate)
	v.Mul(v, scale(c.Base, m.Currency))
	amount, ok := round(v)
	if !ok {
		return Money{}, fault.Errorf(fault.EINVALID, "the converted amount is too large")
	}
	return Money{Amount: amount, Currency: c.Base}, nil
}

// scale is the factor from minor units of from to minor units of to: a
// euro has 100 cents, a yen no subunit.
func scale(to, from string) *big.Rat {
	digits := func(code string) int {
		u, err := currency.ParseISO(code)
		if err != nil {
			return 2
		}
		d, _ := currency.Standard.Rounding(u)
		return d
	}
	diff := digits(to) - digits(from)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(diff))), nil)
	if diff >= 0 {
		return new(big.Rat).SetInt(pow)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), pow)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
