package demo

import (
	"iter"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

var (
	dealsTable = table{"deals", []string{"workspace_id", "id", "version", "title", "value", "pipeline_id", "stage_id",
		"status", "owner_id", "company_id", "expected_close_date", "closed_at", "source", "loss_reason_id", "loss_note",
		"stage_entered_at", "line_items", "tags", "custom", "created_at", "updated_at", "stages_passed"}}
	dealContactsTable = table{"deal_contacts", []string{"workspace_id", "deal_id", "contact_id", "role"}}
	historyTable      = table{"deal_stage_history", []string{"workspace_id", "id", "deal_id", "pipeline_id", "stage_id",
		"entered_at", "left_at", "entered_by", "left_by", "days", "deal_pipeline_id", "deal_source"}}
)

var (
	statusWeights = weights{62, 24, 14} // open, won, lost, as records.DealStatuses
	// openStageWeights favour early stages: most open deals are young.
	openStageWeights = weights{30, 22, 18, 13, 10, 7}
	dealTags         = []string{"upsell", "urgent", "partner-led", "inbound", "renewal", "strategic"}
	firstRoles       = []string{"Decision maker", "Champion", "Buyer"}
	otherRoles       = []string{"Influencer", "User", "Technical contact"}
	lossNotes        = []string{"They went with a cheaper offer.", "Budget frozen until next year.",
		"No answer after three follow-ups.", "They need an integration we do not have.", "Project postponed."}
)

const day = 24 * time.Hour

// deal is a deal's first draws: everything its contacts and stage history
// need, so that those passes can replay it cheaply.
type deal struct {
	pipe           *pipelineRef
	status         string
	first, stage   int          // the stages it went through, by position
	entered        [8]time.Time // entered[k] is when it entered stage first+k
	closed         time.Time    // zero while open
	contact, other int          // contact ordinals; other is -1 when none
	owner          int64
}

func (g *gen) deal(r *rand.Rand) deal {
	d := deal{pipe: &g.cat.pipelines[pipelineWeights.pick(r)], other: -1}
	n := len(d.pipe.stages)
	d.status = records.DealStatuses[statusWeights.pick(r)]
	switch d.status {
	case "open":
		d.stage = openStageWeights[:min(n, len(openStageWeights))].pick(r)
	case "won":
		d.stage = n - 1
	default:
		d.stage = r.IntN(n)
	}
	if d.stage > 0 && r.IntN(100) < 15 {
		d.first = 1 // it came in qualified
	}
	// A pipeline given more stages since keeps the stays within entered.
	d.first = max(d.first, d.stage-len(d.entered)+1)
	g.dealTimes(r, &d)
	d.contact = r.IntN(g.contacts)
	if g.contacts > 1 && r.IntN(100) < 35 {
		d.other = (d.contact + 1 + r.IntN(g.contacts-1)) % g.contacts
	}
	// Deals mostly belong to whoever owns the contact.
	d.owner = g.contactOwner[d.contact]
	if r.IntN(100) < 15 {
		d.owner = g.owner(r)
	}
	return d
}

// dealTimes spreads the stays backwards from the end: now (less a little)
// for an open deal, the closing time for a closed one, up to two years
// ago.
func (g *gen) dealTimes(r *rand.Rand, d *deal) {
	end := g.now.Add(-time.Duration(r.Int64N(int64(20 * day))))
	if d.status != "open" {
		d.closed = g.now.Add(-time.Duration(r.Int64N(int64(700 * day))))
		end = d.closed
	}
	t := end
	for k := d.stage - d.first; k >= 0; k-- {
		t = t.Add(-time.Hour - time.Duration(r.Int64N(int64(20*day))))
		d.entered[k] = t.Truncate(time.Second)
	}
}

// dealRows yields the rows of dealsTable and remembers each deal's owner
// for the activities.
func (g *gen) dealRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s, aux := newStream(), newStream()
		row := make([]any, len(dealsTable.cols))
		var buf []byte
		g.dealOwner, g.dealSource = make([]int64, g.deals), make([]string, g.deals)
		for i := range g.deals {
			r := s.at(g.seed, kindDeal, i)
			d := g.deal(r)
			g.dealOwner[i] = d.owner
			g.dealRow(r, aux, i, &d, row, &buf)
			g.dealSource[i] = row[12].(string)
			if !yield(row) {
				return
			}
		}
	}
}

func (g *gen) dealRow(r *rand.Rand, aux *stream, i int, d *deal, row []any, buf *[]byte) {
	company := g.contactCompany[d.contact]
	co := g.companyCore(aux.at(g.seed, kindCompany, int(company)))
	last := d.entered[d.stage-d.first]
	row[0], row[1], row[2] = g.ws, g.dealBase+1+int64(i), 1
	row[3] = d.pipe.def.offers[r.IntN(len(d.pipe.def.offers))] + " – " + co.name
	row[5], row[6], row[7], row[8] = d.pipe.id, d.pipe.stages[d.stage], d.status, d.owner
	row[9] = g.companyBase + 1 + int64(company)
	row[12] = records.Sources[sourceWeights.pick(r)]
	row[13], row[14], row[11] = nil, nil, nil
	row[10] = g.now.Add(time.Duration(7+r.IntN(120)) * day).Format(time.DateOnly)
	updated := last
	if d.status != "open" {
		row[10], row[11], updated = d.closed.Format(time.DateOnly), g.d.Time(d.closed), d.closed
	}
	if d.status == "lost" {
		row[13] = g.cat.lossReasons[r.IntN(len(g.cat.lossReasons))]
		if r.IntN(10) < 4 {
			row[14] = lossNotes[r.IntN(len(lossNotes))]
		}
	}
	row[15] = g.d.Time(last)
	row[4], row[16] = g.dealValue(r, d.pipe.def, buf)
	row[17] = g.tags(r, dealTags, r.IntN(4)/3, buf)
	row[18], row[19], row[20] = "{}", g.d.Time(d.entered[0]), g.d.Time(updated)
	row[21] = sales.StagesPassed(d.pipe.stages[d.first : d.stage+1])
}

// dealValue returns the value and line items of a deal: just under half
// list products, and their value is the sum of the line totals.
func (g *gen) dealValue(r *rand.Rand, p *pipelineDef, buf *[]byte) (value, items any) {
	if r.IntN(100) >= 45 {
		eur := p.lo + r.Int64N(p.hi-p.lo)
		return money(eur/10*1000, buf), nil
	}
	n := 1 + r.IntN(3)
	var picked [3]int
	b := append((*buf)[:0], '[')
	var sum int64
	for k := range n {
		j := r.IntN(len(g.cat.products))
		for contains3(picked[:k], j) {
			j = (j + 1) % len(g.cat.products)
		}
		picked[k] = j
		total := g.lineItem(r, &b, k > 0, g.cat.products[j])
		sum += total
	}
	b = append(b, ']')
	*buf = b
	items = string(b)
	return money(sum, buf), items
}

// lineItem appends a line item for product p, in the engine's key order,
// and returns its total as the sales service computes it: quantity × unit
// price × (1 − discount %) × (1 + tax %), rounded half up to cents.
func (g *gen) lineItem(r *rand.Rand, b *[]byte, comma bool, p productRef) int64 {
	qty := int64(1 + r.IntN(10))
	if r.IntN(4) == 0 {
		qty *= 10
	}
	discount := int64([]int{0, 0, 0, 5, 10, 15}[r.IntN(6)])
	const den = 100 * 100
	total := (qty*p.price*(100-discount)*int64(100+p.taxRate)*2 + den) / (2 * den)
	x := *b
	if comma {
		x = append(x, ',')
	}
	x = append(x, `{"discount":`...)
	x = strconv.AppendInt(x, discount, 10)
	x = append(x, `,"name":`...)
	x = appendString(x, p.name)
	x = append(x, `,"product_id":"`...)
	x = strconv.AppendInt(x, p.id, 10)
	x = append(x, `","quantity":`...)
	x = strconv.AppendInt(x, qty, 10)
	x = append(x, `,"tax_rate":`...)
	x = strconv.AppendInt(x, int64(p.taxRate), 10)
	x = appendMoney(append(x, `,"total":`...), total)
	x = appendMoney(append(x, `,"unit_price":`...), p.price)
	*b = append(x, '}')
	return total
}

func contains3(list []int, j int) bool {
	for _, x := range list {
		if x == j {
			return true
		}
	}
	return false
}

func appendMoney(b []byte, cents int64) []byte {
	b = append(b, `{"amount":`...)
	b = strconv.AppendInt(b, cents, 10)
	return append(b, `,"currency":"EUR"}`...)
}

// money is a euro amount in cents as the engine stores it.
func money(cents int64, buf *[]byte) string {
	*buf = appendMoney((*buf)[:0], cents)
	return string(*buf)
}

// dealContactRows yields the rows of dealContactsTable by replaying each
// deal's first draws.
func (g *gen) dealContactRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s := newStream()
		row := make([]any, len(dealContactsTable.cols))
		for i := range g.deals {
			r := s.at(g.seed, kindDeal, i)
			d := g.deal(r)
			row[0], row[1] = g.ws, g.dealBase+1+int64(i)
			row[2], row[3] = g.contactBase+1+int64(d.contact), firstRoles[r.IntN(len(firstRoles))]
			if !yield(row) {
				return
			}
			if d.other >= 0 {
				row[2], row[3] = g.contactBase+1+int64(d.other), otherRoles[r.IntN(len(otherRoles))]
				if !yield(row) {
					return
				}
			}
		}
	}
}

// days is a stay's length as the sales service stores it.
func days(t time.Duration) float64 {
	return t.Seconds() / 86400
}

// historyRows yields the rows of historyTable: one per stay, the last
// still open while the deal is.
func (g *gen) historyRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s := newStream()
		row := make([]any, len(historyTable.cols))
		id := g.historyBase
		for i := range g.deals {
			d := g.deal(s.at(g.seed, kindDeal, i))
			for k := 0; k <= d.stage-d.first; k++ {
				id++
				row[0], row[1], row[2], row[3] = g.ws, id, g.dealBase+1+int64(i), d.pipe.id
				row[4], row[5], row[7], row[10] = d.pipe.stages[d.first+k], g.d.Time(d.entered[k]), d.owner, d.pipe.id
				row[11] = g.dealSource[i]
				row[6], row[8], row[9] = nil, nil, nil
				switch {
				case k < d.stage-d.first:
					row[6], row[8], row[9] = g.d.Time(d.entered[k+1]), d.owner, days(d.entered[k+1].Sub(d.entered[k]))
				case d.status != "open":
					row[6], row[8], row[9] = g.d.Time(d.closed), d.owner, days(d.closed.Sub(d.entered[k]))
				}
				if !yield(row) {
					return
				}
			}
		}
	}
}
