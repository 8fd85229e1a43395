package report

import (
	"context"
	"net/url"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
)

// EventFilter narrows the events list: the period, who acted, the object
// and record, the field changed and its value before or after.
type EventFilter struct {
	Filter
	Object, RecordID     string
	Field, Before, After string
	Cursor               string
	Limit                int
}

// ParseEvents reads an events filter from a query string: the period as
// ParseFilter reads it, user (the one who acted), object, record_id,
// field, before, after, cursor and limit.
func ParseEvents(v url.Values, f Filter) (EventFilter, error) {
	var c fault.Collector
	ef := EventFilter{Filter: f, Object: v.Get("object"), RecordID: v.Get("record_id"), Field: v.Get("field"),
		Before: v.Get("before"), After: v.Get("after"), Cursor: v.Get("cursor")}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > audit.MaxLimit {
			c.Add("limit", "range", "must be between 1 and %d", audit.MaxLimit)
		}
		ef.Limit = n
	}
	if (ef.Before != "" || ef.After != "") && ef.Field == "" {
		c.Add("field", "required", "is needed to filter on a value before or after")
	}
	if len(f.Users) > 1 {
		c.Add("user", "range", "the events list takes one user")
	}
	return ef, c.Err()
}

// Events lists the changes of the audit trail newest first, a page at a
// time. The trail shows what every user did, so, as its own page, it is
// for administrators only.
func (s *Service) Events(ctx context.Context, ef EventFilter) (audit.Page, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return audit.Page{}, err
	}
	if a.Role != access.RoleAdministrator {
		return audit.Page{}, fault.Errorf(fault.EFORBIDDEN, "only administrators may see the events of the audit trail")
	}
	af := audit.Filter{Object: ef.Object, RecordID: ef.RecordID, From: ef.From, To: ef.To,
		Field: ef.Field, Before: ef.Before, After: ef.After}
	if len(ef.Users) == 1 {
		id, err := strconv.ParseInt(ef.Users[0], 10, 64)
		if err != nil || id <= 0 || !s.exists(ctx, "users", a.WorkspaceID, id) {
			return audit.Page{}, fault.Field("user", "reference", "is not a user of this workspace")
		}
		af.UserID = id
	}
	return audit.List(ctx, s.db, af, ef.Cursor, ef.Limit)
}
