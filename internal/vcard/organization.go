package vcard

import (
	"context"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// maxOrganizations bounds the names an Organizations keeps, so that memory
// stays flat whatever the number of companies.
const maxOrganizations = 10000

// Organizations names the organisation of contacts' vCards: the first of
// a contact's companies the reader may read. It looks each company up once
// and keeps its name ("" when out of reach), for the many contacts of one
// company.
type Organizations struct {
	ctx   context.Context
	e     *records.Engine
	names map[string]string
}

// NewOrganizations reads companies through e as the actor of ctx.
func NewOrganizations(ctx context.Context, e *records.Engine) *Organizations {
	return &Organizations{ctx: ctx, e: e, names: map[string]string{}}
}

// Of is the organisation of contact rec.
func (o *Organizations) Of(rec records.Record) (string, error) {
	links, _ := rec["companies"].([]records.LinkRef)
	for _, l := range links {
		name, ok := o.names[l.ID]
		if !ok {
			company, err := o.e.Get(o.ctx, "company", l.ID, false)
			switch {
			case fault.Is(err, fault.ENOTFOUND) || fault.Is(err, fault.EFORBIDDEN):
			case err != nil:
				return "", err
			default:
				name, _ = company["name"].(string)
			}
			if len(o.names) == maxOrganizations {
				clear(o.names)
			}
			o.names[l.ID] = name
		}
		if name != "" {
			return name, nil
		}
	}
	return "", nil
}

// Prefetch reads the names of the companies of recs not known yet, in one
// list per page of ids rather than one read per company.
func (o *Organizations) Prefetch(recs []records.Record) error {
	var ids []any
	seen := map[string]bool{}
	for _, rec := range recs {
		links, _ := rec["companies"].([]records.LinkRef)
		for _, l := range links {
			if _, ok := o.names[l.ID]; !ok && !seen[l.ID] {
				seen[l.ID] = true
				ids = append(ids, l.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if len(o.names)+len(ids) > maxOrganizations {
		clear(o.names)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), records.MaxLimit)]
		ids = ids[len(chunk):]
		page, err := o.e.List(o.ctx, "company", records.Query{Bare: true, Limit: len(chunk),
			Filter: &records.Filter{Field: "id", Op: records.In, Value: chunk}})
		if err != nil {
			return err
		}
		for _, id := range chunk {
			o.names[id.(string)] = "" // out of reach, unless found below
		}
		for _, rec := range page.Data {
			name, _ := rec["name"].(string)
			o.names[rec["id"].(string)] = name
		}
	}
	return nil
}
