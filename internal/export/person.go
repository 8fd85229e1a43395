package export

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// PersonalData is everything the workspace holds about one contact, for
// a request by that person to see their data: the record, the activities
// about them, the meetings they attended, the deals they are on, and
// every audit entry of their record.
type PersonalData struct {
	ExportedAt time.Time                   `json:"exported_at"`
	Contact    records.Record              `json:"contact"`
	Activities map[string][]records.Record `json:"activities"` // tasks, notes, calls, meetings about them
	Attended   []records.Record            `json:"meetings_attended"`
	Deals      []records.Record            `json:"deals"`
	Audit      []audit.Entry               `json:"audit"`
}

// activityLists are the objects whose records may be about a contact.
var activityLists = []string{"tasks", "notes", "calls", "meetings"}

// Person gathers the personal data of contact id. Only an administrator
// may ask: the answer holds the audit trail, which only administrators
// read. The gathering is recorded in the audit trail.
func Person(ctx context.Context, db *store.DB, e *records.Engine, id string) (PersonalData, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return PersonalData{}, err
	}
	if a.Role != access.RoleAdministrator {
		return PersonalData{}, fault.Errorf(fault.EFORBIDDEN, "only administrators may export a person's data")
	}
	out := PersonalData{ExportedAt: time.Now().UTC(), Activities: map[string][]records.Record{}}
	if out.Contact, err = e.Get(ctx, "contacts", id, false); err != nil {
		return out, err
	}
	about := &records.Filter{And: []records.Filter{
		{Field: "record_type", Op: records.Eq, Value: "contact"}, {Field: "record_id", Op: records.Eq, Value: id}}}
	for _, list := range activityLists {
		if out.Activities[list], err = every(ctx, e, list, about); err != nil {
			return out, err
		}
	}
	if out.Attended, err = every(ctx, e, "meetings", &records.Filter{Field: "attendees", Op: records.Eq, Value: id}); err != nil {
		return out, err
	}
	if out.Deals, err = every(ctx, e, "deals", &records.Filter{Field: "contacts", Op: records.Eq, Value: id}); err != nil {
		return out, err
	}
	out.Audit = []audit.Entry{}
	for cursor := ""; ; {
		page, err := audit.List(ctx, db, audit.Filter{Object: "contact", RecordID: id}, cursor, audit.MaxLimit)
		if err != nil {
			return out, err
		}
		out.Audit = append(out.Audit, page.Data...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	return out, db.Tx(ctx, func(tx store.Querier) error {
		return audit.Record(ctx, tx, db.Dialect, audit.Entry{WorkspaceID: a.WorkspaceID, ActorID: a.UserID,
			Action: audit.ActionExport, Object: "contact", RecordID: id,
			Changes: map[string]audit.Change{"personal_data": {After: true}}})
	})
}

// every reads every record of list that f matches, page by page.
func every(ctx context.Context, e *records.Engine, list string, f *records.Filter) ([]records.Record, error) {
	out := []records.Record{}
	q := records.Query{Filter: f, Limit: records.MaxLimit}
	for {
		page, err := e.List(ctx, list, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Data...)
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
}
