package sales

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// BoardDeals is how many open deals a board shows per stage.
const BoardDeals = 50

// Board is a pipeline's open deals, stage by stage.
type Board struct {
	Pipeline records.Record `json:"pipeline"`
	Stages   []BoardStage   `json:"stages"`
}

// BoardStage is one column of a board: the stage, how many open deals it
// holds, their value in the base currency (at today's rates), and the
// first of them by id, with the cursor of the next page ("" on the last).
// Unconverted lists currencies whose deals are left out of Total because
// no rate is known. Total is nil for a reader whose role hides the deals'
// value: a sum, narrowed to one owner, can be the value of a single deal.
type BoardStage struct {
	Stage       records.Record   `json:"stage"`
	Count       int64            `json:"count"`
	Total       *Money           `json:"total"`
	Unconverted []string         `json:"unconverted,omitempty"`
	Deals       []records.Record `json:"deals"`
	Next        string           `json:"next_cursor,omitempty"`
}

// BoardQuery narrows a board and says how much of it to read.
type BoardQuery struct {
	// Owners, when not empty, narrows the board to these users' deals.
	Owners []string
	// Title, when not "", keeps the deals whose title contains it, as the
	// engine's contains filter reads it.
	Title string
	// TotalsOnly leaves the deals out: counts and sums alone, for a page
	// that redraws the columns' headings after a move.
	TotalsOnly bool
	// Cards, when not 0, is how many deals a column shows (else
	// BoardDeals), and Bare reads them without the fields that link to
	// many records (records.Query.Bare), for a board of cards.
	Cards int
	Bare  bool
}

// Board returns the board of a pipeline as the actor may see it: counts,
// totals and deals cover only the deals they may read. ownerID, when not
// "", narrows it to one owner's deals.
func (s *Service) Board(ctx context.Context, pipelineID, ownerID string) (Board, error) {
	var q BoardQuery
	if ownerID != "" {
		q.Owners = []string{ownerID}
	}
	return s.BoardOf(ctx, pipelineID, q)
}

// BoardOf is Board narrowed by q.
func (s *Service) BoardOf(ctx context.Context, pipelineID string, q BoardQuery) (Board, error) {
	pipeline, err := s.engine.Get(ctx, "pipeline", pipelineID, false)
	if err != nil {
		return Board{}, err
	}
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return Board{}, err
	}
	hidden, err := s.hiddenDealFields(ctx, a)
	if err != nil {
		return Board{}, err
	}
	owners, err := ownerIDs(q.Owners, hidden)
	if err != nil {
		return Board{}, err
	}
	stages, err := s.engine.List(ctx, "stages", records.Query{Limit: records.MaxLimit, Sort: []string{"position"},
		Filter: &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: pipeline["id"]}})
	if err != nil {
		return Board{}, err
	}
	board := Board{Pipeline: pipeline, Stages: make([]BoardStage, 0, len(stages.Data))}
	if len(stages.Data) == 0 {
		return board, nil
	}
	rs, err := s.engine.Policy().Restrict(ctx, a, "deal")
	if err != nil {
		return Board{}, err
	}
	// Someone who reads every deal sees the kept totals; a board limited
	// to some owners counts their deals, which are far fewer.
	var sums map[string][]stageSum
	if len(rs) == 0 && len(owners) == 0 && q.Title == "" {
		sums, err = s.storedSums(ctx, a.WorkspaceID, stages.Data)
	} else {
		sums, err = s.stageSums(ctx, a.WorkspaceID, stages.Data, rs, owners, q.Title)
	}
	if err != nil {
		return Board{}, err
	}
	conv, err := s.converter(ctx, s.db.Reader(), a.WorkspaceID)
	if err != nil {
		return Board{}, err
	}
	today := s.now()
	for _, st := range stages.Data {
		col := BoardStage{Stage: st, Total: &Money{Currency: conv.Base}, Deals: []records.Record{}}
		if hidden["value"] {
			col.Total = nil
		}
		for _, sum := range sums[st["id"].(string)] {
			col.Count += sum.count
			if sum.currency == "" || col.Total == nil {
				continue // deals without a value, or a value the reader may not see
			}
			m, err := conv.Convert(ctx, Money{Amount: sum.amount, Currency: sum.currency}, today)
			if errors.Is(err, ErrNoRate) {
				col.Unconverted = append(col.Unconverted, sum.currency)
				continue
			}
			if err != nil {
				return Board{}, err
			}
			col.Total.Amount += m.Amount
		}
		if col.Count > 0 && !q.TotalsOnly {
			page, err := s.StageDeals(ctx, st["id"].(string), q, "")
			if err != nil {
				return Board{}, err
			}
			col.Deals, col.Next = page.Data, page.NextCursor
		}
		board.Stages = append(board.Stages, col)
	}
	return board, nil
}

// ownerIDs reads the ids of the owners a board is narrowed to.
func ownerIDs(ids []string, hidden map[string]bool) ([]int64, error) {
	if len(ids) > 0 && hidden["owner_id"] {
		return nil, fault.Field("owner_id", "unknown", "is not a field of deals")
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		n, ok := input.ID(id)
		if !ok {
			return nil, fault.Field("owner_id", "type", "must be a user id")
		}
		out = append(out, n)
	}
	return out, nil
}

// hiddenDealFields returns the fields of deals that a's role hides.
func (s *Service) hiddenDealFields(ctx context.Context, a access.Actor) (map[string]bool, error) {
	rules, err := s.engine.Policy().Fields(ctx, a, s.engine.Object("deal").Grant())
	if err != nil {
		return nil, err
	}
	hidden := map[string]bool{}
	for name, r := range rules {
		hidden[name] = r == access.FieldHidden
	}
	return hidden, nil
}

// stageSum is the count and value of a stage's open deals in one currency.
type stageSum struct {
	currency string
	count    int64
	amount   int64
}

// stageSums counts and sums the open deals of the stages, per stage and
// currency, within the actor's restriction, from the deals_board index
// alone.
func (s *Service) stageSums(ctx context.Context, ws int64, stages []records.Record, rs []access.Restriction, owners []int64, title string) (map[string][]stageSum, error) {
	ids := make([]int64, len(stages))
	for i, st := range stages {
		ids[i], _ = strconv.ParseInt(st["id"].(string), 10, 64)
	}
	where, args := s.openDeals(ws, ids, rs, owners, title)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT stage_id, value_currency, count(*), COALESCE(SUM(value_amount), 0)
		FROM deals WHERE `+where+` GROUP BY stage_id, value_currency`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]stageSum{}
	for rows.Next() {
		var st int64
		var cur *string
		var sum stageSum
		if err := rows.Scan(&st, &cur, &sum.count, &sum.amount); err != nil {
			return nil, err
		}
		if cur != nil {
			sum.currency = *cur
		}
		key := strconv.FormatInt(st, 10)
		out[key] = append(out[key], sum)
	}
	return out, rows.Err()
}

// openDeals is the condition of the open deals of the stages, narrowed by
// the role's restrictions, to owners when not empty, and to titles that
// contain title when not "": a column's count and its cards alike.
func (s *Service) openDeals(ws int64, stages []int64, rs []access.Restriction, owners []int64, title string) (string, []any) {
	args := []any{ws}
	for _, st := range stages {
		args = append(args, st)
	}
	where := `workspace_id = ? AND stage_id IN (` + store.Marks(len(stages)) + `) AND status = 'open' AND deleted_at IS NULL`
	if cond, cargs := access.OwnerCondition(rs, "owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if len(owners) > 0 {
		where += " AND owner_id IN (" + store.Marks(len(owners)) + ")"
		for _, o := range owners {
			args = append(args, o)
		}
	}
	if title != "" {
		where, args = where+" AND title "+s.db.Dialect.Like()+` ? ESCAPE '\'`, append(args, "%"+likeEscaper.Replace(title)+"%")
	}
	return where, args
}

// likeEscaper escapes a text for a LIKE pattern, as the engine's contains
// filter does, so that the board's sums and its cards agree.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// StageDeals is a page of a stage's open deals narrowed by q, in id
// order, after the cursor a previous page gave out. The page's ids come
// from the board's own index (deals_stage: workspace, stage, status, id)
// under the role's owner condition, as the column's count does; the deals
// are then read by id through the engine, so that what the actor may not
// see stays hidden. Through the engine's planner alone, each column cost
// two probes of thousands of ids on a large pipeline before its walk.
func (s *Service) StageDeals(ctx context.Context, stageID string, q BoardQuery, cursor string) (records.Page, error) {
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return records.Page{}, err
	}
	hidden, err := s.hiddenDealFields(ctx, a)
	if err != nil {
		return records.Page{}, err
	}
	owners, err := ownerIDs(q.Owners, hidden)
	if err != nil {
		return records.Page{}, err
	}
	if q.Title != "" && hidden["title"] {
		return records.Page{}, fault.Field("title", "unknown", "is not a field of deals")
	}
	stage, ok := input.ID(stageID)
	if !ok {
		return records.Page{}, fault.Field("stage_id", "type", "must be a stage id")
	}
	after, err := decodeIDCursor(cursor)
	if err != nil {
		return records.Page{}, err
	}
	rs, err := s.engine.Policy().Restrict(ctx, a, "deal")
	if err != nil {
		return records.Page{}, err
	}
	limit := BoardDeals
	if q.Cards > 0 {
		limit = q.Cards
	}
	where, args := s.openDeals(a.WorkspaceID, []int64{stage}, rs, owners, q.Title)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM deals WHERE `+where+` AND id > ? ORDER BY id LIMIT ?`,
		append(args, after, limit+1)...)
	if err != nil {
		return records.Page{}, err
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return records.Page{}, err
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return records.Page{}, err
	}
	if len(ids) == 0 {
		return records.Page{Data: []records.Record{}}, nil
	}
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	page, err := s.engine.List(ctx, "deals", records.Query{Limit: limit, Sort: []string{"id"}, Bare: q.Bare,
		Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}})
	if err != nil {
		return records.Page{}, err
	}
	page.NextCursor = ""
	if more {
		page.NextCursor = encodeIDCursor(ids[len(ids)-1].(string))
	}
	return page, nil
}

// Rotting lists the open deals that have stayed in their stage longer
// than the stage's rotting_days. Idle time counts from stage_entered_at:
// activity on a deal does not reset it, because a deal that is talked
// about but does not move is exactly what rots. q narrows the list (its
// filter is added to the rule) and pages it; by default the longest idle
// come first.
func (s *Service) Rotting(ctx context.Context, q records.Query) (records.Page, error) {
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return records.Page{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, rotting_days FROM stages
		WHERE workspace_id = ? AND rotting_days > 0 AND deleted_at IS NULL ORDER BY id LIMIT 45`, a.WorkspaceID)
	if err != nil {
		return records.Page{}, err
	}
	var rotting []records.Filter
	now := s.now()
	for rows.Next() {
		var id, days int64
		if err := rows.Scan(&id, &days); err != nil {
			rows.Close()
			return records.Page{}, err
		}
		cutoff := records.FormatTime(now.Add(-time.Duration(days) * 24 * time.Hour))
		rotting = append(rotting, records.Filter{And: []records.Filter{
			{Field: "stage_id", Op: records.Eq, Value: strconv.FormatInt(id, 10)},
			{Field: "stage_entered_at", Op: records.Lt, Value: cutoff},
		}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return records.Page{}, err
	}
	if len(rotting) == 0 {
		return records.Page{Data: []records.Record{}}, nil
	}
	asked := q
	rule := records.Filter{And: []records.Filter{{Field: "status", Op: records.Eq, Value: statusOpen}, {Or: rotting}}}
	if q.Filter != nil {
		rule.And = append(rule.And, *q.Filter)
	}
	q.Filter = &rule
	if len(q.Sort) == 0 {
		q.Sort = []string{"stage_entered_at"}
	}
	page, err := s.engine.List(ctx, "deals", q)
	return page, records.NameParams(err, asked, "filter.and[2]")
}

// WithoutTask lists the open deals that have no open task, in id order:
// the deals nobody has planned a next step for. ownerID, when not "",
// narrows it to one owner's deals.
func (s *Service) WithoutTask(ctx context.Context, ownerID string, limit int, cursor string) (records.Page, error) {
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return records.Page{}, err
	}
	if limit == 0 {
		limit = records.DefaultLimit
	}
	if limit < 0 || limit > records.MaxLimit {
		return records.Page{}, fault.Field("limit", "range", "must be between 1 and %d", records.MaxLimit)
	}
	after, err := decodeIDCursor(cursor)
	if err != nil {
		return records.Page{}, err
	}
	rs, err := s.engine.Policy().Restrict(ctx, a, "deal")
	if err != nil {
		return records.Page{}, err
	}
	hidden, err := s.hiddenDealFields(ctx, a)
	if err != nil {
		return records.Page{}, err
	}
	if ownerID != "" && hidden["owner_id"] {
		return records.Page{}, fault.Field("owner_id", "unknown", "is not a field of deals")
	}
	where, args := `d.workspace_id = ? AND d.status = 'open' AND d.deleted_at IS NULL AND d.id > ?`, []any{a.WorkspaceID, after}
	if cond, cargs := access.OwnerCondition(rs, "d.owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if ownerID != "" {
		owner, ok := input.ID(ownerID)
		if !ok {
			return records.Page{}, fault.Field("owner_id", "type", "must be a user id")
		}
		where, args = where+" AND d.owner_id = ?", append(args, owner)
	}
	// The task condition repeats activities_record_open's predicate word
	// for word, so that both databases probe that index for each deal.
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id FROM deals d WHERE `+where+` AND NOT EXISTS (
		SELECT 1 FROM activities t WHERE t.workspace_id = d.workspace_id AND t.record_type = 'deal'
		AND t.record_id = CAST(d.id AS TEXT) AND t.kind = 'task' AND t.done = `+falseLiteral(s.db.Dialect)+` AND t.deleted_at IS NULL)
		ORDER BY d.id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return records.Page{}, err
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return records.Page{}, err
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return records.Page{}, err
	}
	page := records.Page{Data: []records.Record{}}
	if len(ids) > limit {
		ids = ids[:limit]
		page.NextCursor = encodeIDCursor(ids[limit-1].(string))
	}
	if len(ids) == 0 {
		return page, nil
	}
	recs, err := s.engine.List(ctx, "deals", records.Query{Limit: limit, Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}})
	page.Data = recs.Data
	return page, err
}

// falseLiteral is how a boolean column's false is written so that it
// matches the predicate of a partial index: SQLite stores booleans as 0.
func falseLiteral(d store.Dialect) string {
	if d == store.Postgres {
		return "false"
	}
	return "0"
}

func encodeIDCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + id))
}

func decodeIDCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), "id:") {
		if n, err := strconv.ParseInt(string(b[3:]), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fault.Field("cursor", "format", "is not a cursor this list gave out")
}
