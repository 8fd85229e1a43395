package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Accept says where an accepted request goes. Empty ids take the
// request's own: its pipeline, the contact and company it matched, its
// assigned user as the deal's owner (else the accepting user).
type Accept struct {
	PipelineID string `json:"pipeline_id"`
	StageID    string `json:"stage_id"`
	Title      string `json:"title"`
	ContactID  string `json:"contact_id"`
	CompanyID  string `json:"company_id"`
	OwnerID    string `json:"owner_id"`
}

// sorting runs fn on request id inside one transaction joined by the
// engine's calls, once the request is known to be visible to the actor,
// who must be allowed to create deals, and still unsorted (new or spam).
func (s *Service) sorting(ctx context.Context, id string, fn func(ctx context.Context, q store.Querier, a access.Actor, r Request) error) (Request, error) {
	a, cond, args, err := s.visible(ctx)
	if err != nil {
		return Request{}, err
	}
	if err := s.engine.Policy().Authorize(ctx, a, "deal", access.Create, nil); err != nil {
		return Request{}, err
	}
	num, ok := input.ID(id)
	if !ok {
		return Request{}, fault.Errorf(fault.ENOTFOUND, "no inbox request %s", id)
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		r, err := s.scan(q.QueryRowContext(ctx, `SELECT `+s.columns()+` FROM inbox_requests r WHERE `+cond+` AND r.id = ?`,
			append(args, num)...))
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Errorf(fault.ENOTFOUND, "no inbox request %s", id)
		}
		if err != nil {
			return err
		}
		if r.Status != "new" && r.Status != "spam" {
			return fault.Errorf(fault.ECONFLICT, "the request was %s already", r.Status)
		}
		return fn(ctx, q, a, r)
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, id)
}

// finish marks r sorted as status with what sorting made, and writes its
// event, in q; the status condition makes a second sorter that raced the
// first find the request taken.
func (s *Service) finish(ctx context.Context, q store.Querier, a access.Actor, r Request, status, action, reason string, deal, contact, company string) error {
	d := s.db.Dialect
	now := s.now().UTC()
	res, err := q.ExecContext(ctx, `UPDATE inbox_requests SET status = ?, decline_reason = ?, deal_id = ?, contact_id = ?, company_id = ?,
		sorted_at = ?, sorted_by = ? WHERE workspace_id = ? AND id = ? AND status IN ('new', 'spam')`,
		status, reason, nullID(deal), nullID(contact), nullID(company), d.Time(now), nullNum(a.UserID), a.WorkspaceID, r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.Errorf(fault.ECONFLICT, "the request was sorted by someone else")
	}
	changes := map[string]any{"status": map[string]any{"before": r.Status, "after": status}}
	for k, v := range map[string]string{"deal_id": deal, "contact_id": contact, "company_id": company, "decline_reason": reason} {
		if v != "" {
			changes[k] = map[string]any{"after": v}
		}
	}
	return outbox.Write(ctx, q, d, outbox.Event{WorkspaceID: a.WorkspaceID, Object: Object, RecordID: r.ID, Action: action,
		ActorID: a.UserID, At: now, Changes: changes})
}

// Accept turns request id into a deal: the contact and company are the
// ones named, else the ones it matched, else new ones made from its
// values; the deal links them. Every record is written through the
// engine in one transaction, so hooks, the outbox, search and the audit
// trail see them, and a refusal anywhere leaves nothing written.
func (s *Service) Accept(ctx context.Context, id string, in Accept) (Request, error) {
	var c fault.Collector
	for name, v := range map[string]string{"pipeline_id": in.PipelineID, "stage_id": in.StageID, "contact_id": in.ContactID,
		"company_id": in.CompanyID, "owner_id": in.OwnerID} {
		if _, ok := input.ID(v); v != "" && !ok {
			c.Add(name, "type", "must be an id")
		}
	}
	in.Title = strings.TrimSpace(in.Title)
	if utf8.RuneCountInString(in.Title) > MaxText {
		c.Add("title", "too_long", "must be at most %d characters", MaxText)
	} else {
		c.Include(input.Line("title", in.Title))
	}
	if err := c.Err(); err != nil {
		return Request{}, err
	}
	return s.sorting(ctx, id, func(ctx context.Context, q store.Querier, a access.Actor, r Request) error {
		company, err := s.company(ctx, r, in.CompanyID)
		if err != nil {
			return err
		}
		contact, err := s.contact(ctx, r, in.ContactID, company)
		if err != nil {
			return err
		}
		deal := mapped(r, "deal")
		deal["title"], deal["source"] = firstOf(in.Title, dealTitle(r)), source(r.Channel)
		if p := firstOf(in.PipelineID, r.PipelineID); p != "" {
			deal["pipeline_id"] = p
		}
		if in.StageID != "" {
			deal["stage_id"] = in.StageID
		}
		if owner := firstOf(in.OwnerID, r.AssignedUserID); owner != "" {
			deal["owner_id"] = owner
		} else if a.UserID != 0 {
			deal["owner_id"] = strconv.FormatInt(a.UserID, 10)
		}
		if company != "" {
			deal["company_id"] = company
		}
		if contact != "" {
			deal["contacts"] = []any{contact}
		}
		rec, err := s.engine.Create(ctx, "deals", deal)
		if err != nil {
			return err
		}
		return s.finish(ctx, q, a, r, "accepted", ActionAccepted, "", idOf(rec), contact, company)
	})
}

// company returns the company of an accepted request: the one named
// (which must exist), the one it matched if it still does, or a new one
// named as the request says; "" when there is none.
func (s *Service) company(ctx context.Context, r Request, named string) (string, error) {
	if named != "" {
		if _, err := s.engine.Get(ctx, "companies", named, false); err != nil {
			if fault.Is(err, fault.ENOTFOUND) {
				return "", fault.Field("company_id", "unknown", "is not a company")
			}
			return "", err
		}
		return named, nil
	}
	if r.CompanyID != "" {
		if _, err := s.engine.Get(ctx, "companies", r.CompanyID, false); err == nil {
			return r.CompanyID, nil
		}
	}
	if r.CompanyName == "" {
		return "", nil
	}
	in := mapped(r, "company")
	in["name"] = r.CompanyName
	rec, err := s.engine.Create(ctx, "companies", in)
	if err != nil {
		return "", err
	}
	return idOf(rec), nil
}

// contact returns the contact of an accepted request as company does; a
// new one works at company.
func (s *Service) contact(ctx context.Context, r Request, named, company string) (string, error) {
	if named != "" {
		if _, err := s.engine.Get(ctx, "contacts", named, false); err != nil {
			if fault.Is(err, fault.ENOTFOUND) {
				return "", fault.Field("contact_id", "unknown", "is not a contact")
			}
			return "", err
		}
		return named, nil
	}
	if r.ContactID != "" {
		if _, err := s.engine.Get(ctx, "contacts", r.ContactID, false); err == nil {
			return r.ContactID, nil
		}
	}
	if r.Name == "" && r.Email == "" && r.Phone == "" {
		return "", nil
	}
	in := mapped(r, "contact")
	in["source"] = source(r.Channel)
	first, last := splitName(r.Name)
	if first != "" {
		in["first_name"] = first
	}
	if last != "" {
		in["last_name"] = last
	}
	if first == "" && last == "" {
		in["last_name"] = firstOf(r.Email, r.Phone)
	}
	if r.Email != "" {
		in["emails"] = []any{r.Email}
	}
	if r.Phone != "" {
		in["phones"] = []any{r.Phone}
	}
	if company != "" {
		in["companies"] = []any{company}
	}
	rec, err := s.engine.Create(ctx, "contacts", in)
	if err != nil {
		return "", err
	}
	return idOf(rec), nil
}

// splitName reads "Ada Lovelace" as given name Ada and family name
// Lovelace; one word is a family name.
func splitName(name string) (string, string) {
	name = strings.TrimSpace(name)
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return "", name
	}
	return strings.TrimSpace(name[:i]), name[i+1:]
}

func dealTitle(r Request) string {
	who := firstOf(r.Name, r.Email, r.Phone)
	if r.CompanyName != "" && who != "" {
		return who + " (" + r.CompanyName + ")"
	}
	return firstOf(who, r.CompanyName, "Request "+r.ID)
}

// source is the deal's and contact's source for a channel.
func source(channel string) string {
	if oneOf(channel, records.Sources) {
		return channel
	}
	return "other"
}

func idOf(rec records.Record) string {
	switch v := rec["id"].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// Link sorts request id onto deal, an existing deal the actor may update.
func (s *Service) Link(ctx context.Context, id, deal string) (Request, error) {
	if deal == "" {
		return Request{}, fault.Field("deal_id", "required", "is required")
	}
	if _, ok := input.ID(deal); !ok {
		return Request{}, fault.Field("deal_id", "type", "must be an id")
	}
	return s.sorting(ctx, id, func(ctx context.Context, q store.Querier, a access.Actor, r Request) error {
		rec, err := s.engine.Get(ctx, "deals", deal, false)
		if fault.Is(err, fault.ENOTFOUND) {
			return fault.Field("deal_id", "unknown", "is not a deal")
		}
		if err != nil {
			return err
		}
		if err := s.engine.Policy().Authorize(ctx, a, "deal", access.Update, rec); err != nil {
			return err
		}
		return s.finish(ctx, q, a, r, "linked", ActionLinked, "", deal, r.ContactID, r.CompanyID)
	})
}

// Decline sorts request id away with a reason.
func (s *Service) Decline(ctx context.Context, id, reason string) (Request, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Request{}, fault.Field("reason", "required", "is required")
	}
	if utf8.RuneCountInString(reason) > MaxText {
		return Request{}, fault.Field("reason", "too_long", "must be at most %d characters", MaxText)
	}
	if fe := input.Line("reason", reason); fe != nil {
		return Request{}, fault.Invalid(*fe)
	}
	return s.sorting(ctx, id, func(ctx context.Context, q store.Querier, a access.Actor, r Request) error {
		return s.finish(ctx, q, a, r, "declined", ActionDeclined, reason, "", r.ContactID, r.CompanyID)
	})
}

// mapped returns the values a web form mapped to other fields of object
// ("contact.job_title"), for the records an acceptance creates.
func mapped(r Request, object string) map[string]any {
	var p struct {
		Mapped map[string]string `json:"mapped"`
	}
	out := map[string]any{}
	if json.Unmarshal(r.Payload, &p) != nil {
		return out
	}
	for k, v := range p.Mapped {
		if o, name, ok := strings.Cut(k, "."); ok && o == object {
			out[name] = v
		}
	}
	return out
}
