package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Requests are read as deals are: a role that may not read deals sees no
// inbox, and one that reads only its own (or its team's) deals sees the
// requests assigned to those owners and the unassigned ones, which are
// anyone's to pick up.

// visible returns the actor and the condition (with its arguments) that
// keeps requests within what the actor may read.
func (s *Service) visible(ctx context.Context) (access.Actor, string, []any, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, "", nil, err
	}
	p := s.engine.Policy()
	if err := p.Authorize(ctx, a, "deal", access.Read, nil); err != nil {
		return a, "", nil, err
	}
	rs, err := p.Restrict(ctx, a, "deal")
	if err != nil {
		return a, "", nil, err
	}
	cond := "r.workspace_id = ?"
	args := []any{a.WorkspaceID}
	for _, r := range rs {
		var col string
		switch r.Field {
		case "owner_id":
			col = "r.assigned_user_id"
		case "pipeline_id":
			col = "r.pipeline_id"
		default:
			// A restriction the inbox cannot express hides everything
			// rather than too little.
			return a, "1 = 0", nil, nil
		}
		if len(r.In) == 0 {
			cond += " AND " + col + " IS NULL"
			continue
		}
		marks, in := store.List(r.In)
		cond += " AND (" + col + " IS NULL OR " + col + " IN (" + marks + "))"
		args = append(args, in...)
	}
	return a, cond, args, nil
}

const requestColumns = `r.id, r.pipeline_id, r.form_id, r.channel, r.source, r.utm_source, r.utm_medium, r.utm_campaign, r.utm_term,
	r.utm_content, r.referrer, %PAYLOAD%, r.name, r.email, r.phone, r.company_name, r.message, r.consent, r.contact_id, r.company_id,
	r.matches, r.status, r.spam_reason, r.decline_reason, r.deal_id, r.assigned_user_id, r.received_at, r.sorted_at, r.sorted_by`

func (s *Service) columns() string {
	return strings.Replace(requestColumns, "%PAYLOAD%", s.db.Dialect.JSONOut("r.payload"), 1)
}

func (s *Service) scan(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var id int64
	var pipeline, form, contact, company, deal, assigned, sortedBy sql.NullInt64
	var consent sql.NullString
	var payload string
	var received, sorted any
	if err := row.Scan(&id, &pipeline, &form, &r.Channel, &r.Source, &r.UTM.Source, &r.UTM.Medium, &r.UTM.Campaign, &r.UTM.Term,
		&r.UTM.Content, &r.Referrer, &payload, &r.Name, &r.Email, &r.Phone, &r.CompanyName, &r.Message, &consent, &contact, &company,
		&r.Matches, &r.Status, &r.SpamReason, &r.DeclineReason, &deal, &assigned, &received, &sorted, &sortedBy); err != nil {
		return r, err
	}
	str := func(n sql.NullInt64) string {
		if !n.Valid {
			return ""
		}
		return strconv.FormatInt(n.Int64, 10)
	}
	r.ID = strconv.FormatInt(id, 10)
	r.PipelineID, r.FormID, r.ContactID, r.CompanyID = str(pipeline), str(form), str(contact), str(company)
	r.DealID, r.AssignedUserID, r.SortedBy = str(deal), str(assigned), str(sortedBy)
	r.Payload = []byte(payload)
	if consent.Valid {
		r.Consent = &consent.String
	}
	r.LikelyDup = r.Matches > 1
	r.ReceivedAt, _ = store.ParseTime(received)
	end := s.now().UTC()
	if t, ok := store.ParseTime(sorted); ok && sorted != nil {
		r.SortedAt = &t
		end = t
	}
	r.WaitedSeconds = max(0, int64(end.Sub(r.ReceivedAt)/time.Second))
	return r, nil
}

// Get returns request id, if the actor may read it.
func (s *Service) Get(ctx context.Context, id string) (Request, error) {
	_, cond, args, err := s.visible(ctx)
	if err != nil {
		return Request{}, err
	}
	num, ok := input.ID(id)
	if !ok {
		return Request{}, fault.Errorf(fault.ENOTFOUND, "no inbox request %s", id)
	}
	r, err := s.scan(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+s.columns()+` FROM inbox_requests r WHERE `+cond+` AND r.id = ?`,
		append(args, num)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.Errorf(fault.ENOTFOUND, "no inbox request %s", id)
	}
	return r, err
}

// Filter picks the requests a list shows.
type Filter struct {
	Status     string // one of Statuses; empty means new
	Channel    string
	PipelineID string
	// ContactID and CompanyID pick the requests matched to that contact
	// or company: a record's page shows those waiting as its likely
	// duplicates in the inbox.
	ContactID string
	CompanyID string
	Limit     int    // 1 to 200; 0 means 50
	Cursor    string // the id of the last request of the previous page
}

// Page is a page of requests, oldest first (the longest waiting on top),
// and the cursor of the next page.
type Page struct {
	Data       []Request `json:"data"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// List returns the requests f picks that the actor may read.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	_, cond, args, err := s.visible(ctx)
	if err != nil {
		return Page{}, err
	}
	var c fault.Collector
	if f.Status == "" {
		f.Status = "new"
	}
	if !oneOf(f.Status, Statuses) {
		c.Add("status", "option", "must be one of %s", strings.Join(Statuses, ", "))
	}
	cond += " AND r.status = ?"
	args = append(args, f.Status)
	if f.Channel != "" {
		if !oneOf(f.Channel, Channels) {
			c.Add("channel", "option", "must be one of %s", strings.Join(Channels, ", "))
		}
		cond += " AND r.channel = ?"
		args = append(args, f.Channel)
	}
	if f.PipelineID != "" {
		n, ok := input.ID(f.PipelineID)
		if !ok {
			c.Add("pipeline_id", "type", "must be an id")
		}
		cond += " AND r.pipeline_id = ?"
		args = append(args, n)
	}
	for _, m := range []struct{ name, column, id string }{{"contact_id", "r.contact_id", f.ContactID}, {"company_id", "r.company_id", f.CompanyID}} {
		if m.id == "" {
			continue
		}
		n, ok := input.ID(m.id)
		if !ok {
			c.Add(m.name, "type", "must be an id")
		}
		cond += " AND " + m.column + " = ?"
		args = append(args, n)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		c.Add("limit", "range", "must be from 1 to 200")
	}
	if f.Cursor != "" {
		n, ok := input.ID(f.Cursor)
		if !ok {
			c.Add("cursor", "type", "must be the next_cursor of a page")
		}
		cond += " AND r.id > ?"
		args = append(args, n)
	}
	if err := c.Err(); err != nil {
		return Page{}, err
	}
	// Ids grow with arrival, so id order is arrival order and a cursor is
	// the last id.
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+s.columns()+` FROM inbox_requests r WHERE `+cond+
		` ORDER BY r.id LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	p := Page{Data: []Request{}}
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return p, err
		}
		p.Data = append(p.Data, r)
	}
	if len(p.Data) > f.Limit {
		p.Data = p.Data[:f.Limit]
		p.NextCursor = p.Data[f.Limit-1].ID
	}
	return p, rows.Err()
}

// ChannelSummary counts the requests of one channel.
type ChannelSummary struct {
	Channel  string `json:"channel"`
	Total    int    `json:"total"`
	New      int    `json:"new"`
	Accepted int    `json:"accepted"`
	Linked   int    `json:"linked"`
	Declined int    `json:"declined"`
	Spam     int    `json:"spam"`
	// AvgSortSeconds is the mean time from arrival to sorting of the
	// sorted requests (accepted, linked or declined), 0 when none is.
	AvgSortSeconds int64 `json:"avg_sort_seconds"`
}

// Summary counts the requests received from from (inclusive) to to
// (exclusive) that the actor may read, per channel; zero times leave that
// end open.
func (s *Service) Summary(ctx context.Context, from, to time.Time) ([]ChannelSummary, error) {
	_, cond, args, err := s.visible(ctx)
	if err != nil {
		return nil, err
	}
	d := s.db.Dialect
	if !from.IsZero() {
		cond += " AND r.received_at >= ?"
		args = append(args, d.Time(from))
	}
	if !to.IsZero() {
		cond += " AND r.received_at < ?"
		args = append(args, d.Time(to))
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT r.channel, r.status, count(*) FROM inbox_requests r WHERE `+cond+`
		GROUP BY r.channel, r.status`, args...)
	if err != nil {
		return nil, err
	}
	by := map[string]*ChannelSummary{}
	for _, ch := range Channels {
		by[ch] = &ChannelSummary{Channel: ch}
	}
	for rows.Next() {
		var ch, status string
		var n int
		if err := rows.Scan(&ch, &status, &n); err != nil {
			rows.Close()
			return nil, err
		}
		cs := by[ch]
		cs.Total += n
		switch status {
		case "new":
			cs.New += n
		case "accepted":
			cs.Accepted += n
		case "linked":
			cs.Linked += n
		case "declined":
			cs.Declined += n
		case "spam":
			cs.Spam += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The time to sort is summed in Go: the two databases subtract
	// timestamps differently, and sorted requests of one period are few.
	rows, err = s.db.Read(ctx).QueryContext(ctx, `SELECT r.channel, r.received_at, r.sorted_at FROM inbox_requests r WHERE `+cond+`
		AND r.sorted_at IS NOT NULL AND r.status IN ('accepted', 'linked', 'declined')`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sum := map[string]time.Duration{}
	count := map[string]int{}
	for rows.Next() {
		var ch string
		var rec, sorted any
		if err := rows.Scan(&ch, &rec, &sorted); err != nil {
			return nil, err
		}
		a, _ := store.ParseTime(rec)
		b, _ := store.ParseTime(sorted)
		sum[ch] += b.Sub(a)
		count[ch]++
	}
	out := make([]ChannelSummary, 0, len(Channels))
	for _, ch := range Channels {
		cs := by[ch]
		if count[ch] > 0 {
			cs.AvgSortSeconds = int64(sum[ch] / time.Duration(count[ch]) / time.Second)
		}
		out = append(out, *cs)
	}
	return out, rows.Err()
}
