package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// boardPage is a pipeline's board: a column per stage headed by its
// count and sums, with the open deals as cards that the user drags to
// another stage, or to Won or Lost.
type boardPage struct {
	frame
	Pipelines []choice
	Pipeline  string // the id of the pipeline shown, "" when there is none
	Filter    boardFilter
	Columns   []boardColumn
}

// Empty reports whether no column holds a deal, when the board says
// where new deals go.
func (p *boardPage) Empty() bool {
	for _, c := range p.Columns {
		if c.Head.Count > 0 {
			return false
		}
	}
	return true
}

// choice is one option of a picker.
type choice struct {
	Value, Label string
	Current      bool
}

// boardFilter narrows the board as a list's filter narrows a list: to the
// user's own deals, and to titles containing a text.
type boardFilter struct {
	Owner string // "mine" or "" for every deal the user may see
	Text  string
}

// boardColumn is one stage: its heading and the first page of its cards.
type boardColumn struct {
	Head  stageHead
	Cards []boardCard
	More  string // the address of the next page of cards, "" on the last
}

// stageHead is a column's heading. Sum and Weighted are "" when the
// user's role hides the deals' value.
type stageHead struct {
	ID, Name      string
	Count         int
	Sum, Weighted string
	Unconverted   string // currencies left out of the sums for want of a rate
}

// boardCard is one open deal as the board shows it.
type boardCard struct {
	ID       string
	Version  int64
	Title    string
	Value    string
	Company  string
	Task     string // the next open task's title, "" when there is none
	TaskDue  string
	IdleDays int // the days in its stage when past the stage's idle limit, else 0
}

func (s *Server) board(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	pipelines, err := s.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 100})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &boardPage{frame: frame{Nav: "board"}, Filter: readBoardFilter(r)}
	data.Pipeline = r.URL.Query().Get("pipeline")
	if data.Pipeline == "" && len(pipelines.Data) > 0 {
		data.Pipeline = str(pipelines.Data[0]["id"])
	}
	for _, p := range pipelines.Data {
		id := str(p["id"])
		data.Pipelines = append(data.Pipelines, choice{Value: id, Label: str(p["name"]), Current: id == data.Pipeline})
	}
	if data.Pipeline == "" {
		s.render(w, r, v, http.StatusOK, "board", data)
		return
	}
	b, err := s.sales.BoardOf(ctx, data.Pipeline, data.Filter.query(v))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var all []records.Record
	for _, st := range b.Stages {
		all = append(all, st.Deals...)
	}
	cards, err := s.cards(r, v, all)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, st := range b.Stages {
		col := boardColumn{Head: headOf(v, st)}
		for _, d := range st.Deals {
			col.Cards = append(col.Cards, cards.card(v, d, st.Stage))
		}
		col.More = data.Filter.more(col.Head.ID, st.Next)
		data.Columns = append(data.Columns, col)
	}
	s.render(w, r, v, http.StatusOK, "board", data)
}

// columnPage is a page of one column's cards, as a fragment.
type columnPage struct {
	frame
	boardColumn
}

// boardColumnPage is the next page of a column's cards, which htmx adds
// as the user scrolls down the column.
func (s *Server) boardColumnPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	stage, err := s.engine.Get(ctx, "stages", r.URL.Query().Get("stage"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := readBoardFilter(r)
	page, err := s.sales.StageDeals(ctx, str(stage["id"]), f.query(v), r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	cards, err := s.cards(r, v, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	col := boardColumn{Head: stageHead{ID: str(stage["id"])}, More: f.more(str(stage["id"]), page.NextCursor)}
	for _, d := range page.Data {
		col.Cards = append(col.Cards, cards.card(v, d, stage))
	}
	s.fragment(w, r, v, "board", "cards", &columnPage{boardColumn: col})
}

func readBoardFilter(r *http.Request) boardFilter {
	q := r.URL.Query()
	f := boardFilter{Text: strings.TrimSpace(q.Get("q"))}
	if q.Get("owner") == "mine" {
		f.Owner = "mine"
	}
	return f
}

// query is the sales service's narrowing of the board.
func (f boardFilter) query(v *visit) sales.BoardQuery {
	q := sales.BoardQuery{Title: f.Text, Cards: boardCards, Bare: true}
	if f.Owner == "mine" {
		q.Owners = []string{v.user.ID}
	}
	return q
}

// boardCards is how many cards a column shows before it pages as the
// user scrolls: more than a screen holds, few enough that the board is
// quick to draw at any size of pipeline.
const boardCards = 20

// values are the filter's query parameters.
func (f boardFilter) values() url.Values {
	out := url.Values{}
	if f.Owner != "" {
		out.Set("owner", f.Owner)
	}
	if f.Text != "" {
		out.Set("q", f.Text)
	}
	return out
}

// more is the address of the page of a column's cards after cursor.
func (f boardFilter) more(stage, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := f.values()
	q.Set("stage", stage)
	q.Set("cursor", cursor)
	return "/board/more?" + q.Encode()
}

// Query is the filter as the hidden inputs of a move carry it, so that
// the headings it redraws count what the board shows.
func (p *boardPage) Query() string { return p.Filter.values().Encode() }

// headOf is a column's heading: its count, and the value of its deals in
// the base currency, whole and weighted by the stage's probability.
func headOf(v *visit, st sales.BoardStage) stageHead {
	h := stageHead{ID: str(st.Stage["id"]), Name: str(st.Stage["name"]), Count: int(st.Count),
		Unconverted: strings.Join(st.Unconverted, ", ")}
	if st.Total != nil {
		prob, _ := records.Int(st.Stage["probability"])
		h.Sum = v.p.Money(locale.Decimal(st.Total.Amount, st.Total.Currency), st.Total.Currency)
		h.Weighted = v.p.Money(locale.Decimal(st.Total.Amount*prob/100, st.Total.Currency), st.Total.Currency)
	}
	return h
}

// cardFacts are what the cards of a page show besides their deals: the
// names of their companies and their next tasks, read for all the cards
// at once, never card by card.
type cardFacts struct {
	names names
	tasks map[string]records.Record // the next open task by deal id
	now   time.Time
}

func (s *Server) cards(r *http.Request, v *visit, deals []records.Record) (cardFacts, error) {
	facts := cardFacts{tasks: map[string]records.Record{}, now: time.Now()}
	fields, err := s.engine.Fields(r.Context(), "deals")
	if err != nil {
		return facts, err
	}
	if facts.names, err = s.namesOf(r, fieldsByName(fields), []string{"company_id"}, deals); err != nil {
		return facts, err
	}
	if len(deals) == 0 {
		return facts, nil
	}
	ids := make([]any, len(deals))
	for i, d := range deals {
		ids[i] = str(d["id"])
	}
	// The open tasks of the cards, soonest first: the first of each
	// deal's is its next step. A task the user may not read stays unseen.
	tasks, err := s.engine.List(r.Context(), "tasks", records.Query{Sort: []string{"due_at"}, Limit: records.MaxLimit,
		Filter: &records.Filter{And: []records.Filter{
			{Field: "record_type", Op: records.Eq, Value: "deal"},
			{Field: "record_id", Op: records.In, Value: ids},
			{Field: "done", Op: records.Eq, Value: false},
		}}})
	if err != nil {
		return facts, err
	}
	for _, t := range tasks.Data {
		id := str(t["record_id"])
		if _, seen := facts.tasks[id]; !seen || facts.tasks[id]["due_at"] == nil {
			facts.tasks[id] = t
		}
	}
	return facts, nil
}

// card is a deal as a card in the column of stage.
func (f cardFacts) card(v *visit, d, stage records.Record) boardCard {
	c := boardCard{ID: str(d["id"]), Version: versionOf(d), Title: str(d["title"]),
		Company: f.names.records["company"][str(d["company_id"])]}
	if m, ok := d["value"].(map[string]any); ok {
		c.Value = v.p.Money(locale.Decimal(m["amount"], str(m["currency"])), str(m["currency"]))
	}
	if t := f.tasks[c.ID]; t != nil {
		c.Task = str(t["title"])
		if due := str(t["due_at"]); due != "" {
			c.TaskDue = v.dateTime(due)
		}
	}
	c.IdleDays = idleDays(d, stage, f.now)
	return c
}

// idleDays is how many days a deal has stayed in its stage, when that is
// past the stage's idle limit (rotting_days), as sales.Rotting reads it:
// from the time it entered the stage, whatever was done on it since.
func idleDays(d, stage records.Record, now time.Time) int {
	limit, _ := records.Int(stage["rotting_days"])
	entered, err := time.Parse(time.RFC3339Nano, str(d["stage_entered_at"]))
	if limit <= 0 || err != nil {
		return 0
	}
	days := int(now.Sub(entered).Hours() / 24)
	if days < int(limit) {
		return 0
	}
	return days
}
