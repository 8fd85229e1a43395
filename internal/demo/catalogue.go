package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/rapport-crm/rapport/internal/store"
)

// The catalogue is the small, fixed part of the sales data: two pipelines
// with their stages, the loss reasons, the products and a price list. It
// is created once per workspace, through ordinary INSERTs, and reused by
// every later run, which then needs only its ids; so it is always read
// back from the database rather than recomputed.

// stageDef describes a demo stage.
type stageDef struct {
	name        string
	probability int
	rottingDays int
	required    []string // fields a deal must have to enter
}

// pipelineDef describes a demo pipeline; offers are what its deals sell,
// and weight is its share of the deals.
type pipelineDef struct {
	name   string
	weight int
	stages []stageDef
	offers []string
	// lo and hi bound the value, in euros, of a deal without line items.
	lo, hi int64
}

var pipelineDefs = []pipelineDef{
	{name: "New customers", weight: 70, lo: 1_000, hi: 80_000, stages: []stageDef{
		{"Lead in", 10, 7, nil},
		{"Qualified", 20, 14, nil},
		{"Meeting held", 40, 14, nil},
		{"Proposal sent", 60, 10, nil},
		{"Negotiation", 80, 10, nil},
		// Late: a contract goes out only with a date to close by.
		{"Contract sent", 90, 7, []string{"expected_close_date"}},
	}, offers: []string{"Annual licence", "Pilot project", "Office equipment", "Rollout", "Consulting package",
		"Hardware refresh", "Support contract", "Training programme"}},
	{name: "Repeat sales", weight: 30, lo: 200, hi: 15_000, stages: []stageDef{
		{"Reorder request", 30, 7, nil},
		{"Quote sent", 60, 7, nil},
		{"Confirmed", 85, 5, nil},
		{"Delivery scheduled", 95, 5, nil},
	}, offers: []string{"Reorder", "Renewal", "Upgrade", "Additional seats", "Spare parts", "Consumables"}},
}

var pipelineWeights = func() weights {
	w := make(weights, len(pipelineDefs))
	for i, p := range pipelineDefs {
		w[i] = p.weight
	}
	return w
}()

var lossReasonNames = []string{"Price too high", "Chose a competitor", "No budget", "Went silent",
	"Timing not right", "Missing feature"}

// productLines and productVariants make the product names: 20 × 10.
var (
	productLines = []struct {
		name, unit string
		eur        int64 // base price
		stocked    bool
	}{
		{"Office Chair", "pcs", 180, true}, {"Standing Desk", "pcs", 450, true}, {"Monitor 27\"", "pcs", 260, true},
		{"Laptop Stand", "pcs", 45, true}, {"Headset", "pcs", 90, true}, {"Webcam", "pcs", 70, true},
		{"Docking Station", "pcs", 160, true}, {"Keyboard", "pcs", 55, true}, {"Mouse", "pcs", 30, true},
		{"Printer", "pcs", 320, true}, {"Router", "pcs", 140, true}, {"NAS Storage", "pcs", 600, true},
		{"Projector", "pcs", 700, true}, {"Whiteboard", "pcs", 120, true}, {"Conference Phone", "pcs", 380, true},
		{"Cloud Licence", "licence", 240, false}, {"Support Plan", "year", 900, false},
		{"Training Day", "day", 1_100, false}, {"Consulting Hour", "hour", 140, false},
		{"Installation Service", "job", 250, false},
	}
	productVariants = []struct {
		name   string
		factor float64
	}{
		{"Basic", 0.7}, {"Standard", 1}, {"Plus", 1.2}, {"Pro", 1.5}, {"Premium", 2}, {"Compact", 0.85},
		{"XL", 1.4}, {"Eco", 0.9}, {"Wireless", 1.15}, {"Enterprise", 2.5},
	}
)

const demoSKU = "DEMO-"

// catalogue is what the deals need of the stored catalogue.
type catalogue struct {
	pipelines   []pipelineRef
	lossReasons []int64
	products    []productRef
}

type pipelineRef struct {
	def    *pipelineDef
	id     int64
	stages []int64 // ids in position order
}

type productRef struct {
	id, price int64 // price in euro cents
	name      string
	taxRate   int
}

// catalogueCounts says how many catalogue rows a run created.
type catalogueCounts struct {
	pipelines, stages, lossReasons, products, priceLists int
}

// ensureCatalogue creates the catalogue unless the workspace has it, and
// reads it back.
func ensureCatalogue(ctx context.Context, db *store.DB, g *gen) (*catalogue, catalogueCounts, error) {
	var made catalogueCounts
	var id int64
	err := db.Raw().QueryRowContext(ctx, db.Dialect.Rebind(`SELECT id FROM pipelines
		WHERE workspace_id = ? AND name = ? AND deleted_at IS NULL`), g.ws, pipelineDefs[0].name).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := db.Tx(ctx, func(q store.Querier) error { return createCatalogue(ctx, q, g, &made) }); err != nil {
			return nil, made, err
		}
	case err != nil:
		return nil, made, fmt.Errorf("demo: read pipelines: %w", err)
	}
	cat, err := readCatalogue(ctx, db, g.ws)
	return cat, made, err
}

func createCatalogue(ctx context.Context, q store.Querier, g *gen, made *catalogueCounts) error {
	d, now := g.d, g.d.Time(g.now)
	for p, def := range pipelineDefs {
		var pid int64
		if err := q.QueryRowContext(ctx, `INSERT INTO pipelines (workspace_id, name, position, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, g.ws, def.name, p+1, now, now).Scan(&pid); err != nil {
			return fmt.Errorf("demo: create pipeline: %w", err)
		}
		made.pipelines++
		for s, st := range def.stages {
			var required any
			if st.required != nil {
				required = string(appendStrings(nil, st.required))
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO stages (workspace_id, pipeline_id, name, position, probability,
				rotting_days, required_fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, `+d.JSONIn()+`, ?, ?)`,
				g.ws, pid, st.name, s+1, st.probability, st.rottingDays, required, now, now); err != nil {
				return fmt.Errorf("demo: create stage: %w", err)
			}
			made.stages++
		}
	}
	for i, name := range lossReasonNames {
		if _, err := q.ExecContext(ctx, `INSERT INTO loss_reasons (workspace_id, name, position, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, g.ws, name, i+1, d.Bool(true), now, now); err != nil {
			return fmt.Errorf("demo: create loss reason: %w", err)
		}
		made.lossReasons++
	}
	if err := createProducts(ctx, q, g, made); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO price_lists (workspace_id, name, currency, active, created_at, updated_at)
		VALUES (?, 'Standard prices', 'EUR', ?, ?, ?)`, g.ws, d.Bool(true), now, now); err != nil {
		return fmt.Errorf("demo: create price list: %w", err)
	}
	made.priceLists++
	return nil
}

// createProducts adds one product per line and variant, priced from the
// seed.
func createProducts(ctx context.Context, q store.Querier, g *gen, made *catalogueCounts) error {
	s := newStream()
	now := g.d.Time(g.now)
	for i := range len(productLines) * len(productVariants) {
		line, variant := productLines[i/len(productVariants)], productVariants[i%len(productVariants)]
		r := s.at(g.seed, kindProduct, i)
		// Prices end in .90 or .00, as price lists do.
		euros := int64(float64(line.eur)*variant.factor*(0.9+r.Float64()*0.2)) + 1
		cents := euros*100 - 10*int64(r.IntN(2))
		tax := 19
		if line.unit == "day" {
			tax = 7
		}
		var stock, threshold any
		if line.stocked {
			stock, threshold = float64(r.IntN(500)), float64([]int{5, 10, 20, 50}[r.IntN(4)])
		}
		price := `{"amount":` + strconv.FormatInt(cents, 10) + `,"currency":"EUR"}`
		if _, err := q.ExecContext(ctx, `INSERT INTO products (workspace_id, name, sku, unit, price, tax_rate, active, stock,
			low_stock_threshold, description, created_at, updated_at) VALUES (?, ?, ?, ?, `+g.d.JSONIn()+`, ?, ?, ?, ?, ?, ?, ?)`,
			g.ws, line.name+" "+variant.name, fmt.Sprintf("%s%04d", demoSKU, i+1), line.unit, price, float64(tax),
			g.d.Bool(r.IntN(20) > 0), stock, threshold, variant.name+" edition of our "+line.name+".", now, now); err != nil {
			return fmt.Errorf("demo: create product: %w", err)
		}
		made.products++
	}
	return nil
}

// readCatalogue reads the demo pipelines with their stages, the active
// loss reasons and the demo products of workspace ws.
func readCatalogue(ctx context.Context, db *store.DB, ws int64) (*catalogue, error) {
	cat := &catalogue{}
	q := func(query string, args []any, scan func(*sql.Rows) error) error {
		rows, err := db.Raw().QueryContext(ctx, db.Dialect.Rebind(query), args...)
		if err != nil {
			return fmt.Errorf("demo: read the catalogue: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	for i := range pipelineDefs {
		ref := pipelineRef{def: &pipelineDefs[i]}
		err := q(`SELECT s.pipeline_id, s.id FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
			WHERE p.workspace_id = ? AND p.name = ? AND p.deleted_at IS NULL AND s.deleted_at IS NULL ORDER BY p.id, s.position, s.id`,
			[]any{ws, ref.def.name}, func(rows *sql.Rows) error {
				var pid, sid int64
				if err := rows.Scan(&pid, &sid); err != nil {
					return err
				}
				if ref.id == 0 || ref.id == pid {
					ref.id, ref.stages = pid, append(ref.stages, sid)
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
		if len(ref.stages) == 0 {
			return nil, fmt.Errorf("demo: the pipeline %q has no stages", ref.def.name)
		}
		cat.pipelines = append(cat.pipelines, ref)
	}
	err := q(`SELECT id FROM loss_reasons WHERE workspace_id = ? AND active = ? AND deleted_at IS NULL ORDER BY position, id`,
		[]any{ws, db.Dialect.Bool(true)}, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			cat.lossReasons = append(cat.lossReasons, id)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = q(`SELECT id, name, CAST(`+db.Dialect.JSONPath("price", "amount", false)+` AS BIGINT), CAST(tax_rate AS BIGINT)
		FROM products WHERE workspace_id = ? AND sku LIKE ? AND deleted_at IS NULL ORDER BY sku`,
		[]any{ws, demoSKU + "%"}, func(rows *sql.Rows) error {
			var p productRef
			err := rows.Scan(&p.id, &p.name, &p.price, &p.taxRate)
			cat.products = append(cat.products, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	if len(cat.lossReasons) == 0 || len(cat.products) == 0 {
		return nil, errors.New("demo: the workspace's demo loss reasons or products are gone")
	}
	return cat, nil
}
