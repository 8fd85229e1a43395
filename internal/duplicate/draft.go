package duplicate

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// draft reads a record that is not stored yet, as a form or an import
// holds it, into the matcher's record. Fields that do not exist (or that the actor
// cannot see) are refused by name, as a create would refuse them; the
// values of fields that matching ignores are not checked.
func (s *Service) draft(ctx context.Context, k *kind, in map[string]any) (linkage.Record, error) {
	fields, err := s.engine.Fields(ctx, k.object)
	if err != nil {
		return linkage.Record{}, err
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = true
	}
	var c fault.Collector
	for name := range in {
		if !known[name] {
			c.Add(name, "unknown", "is not a field of %s", k.plural)
		}
	}
	cand := linkage.Record{Kind: k.object}
	a, _ := access.ActorFrom(ctx)
	if k == contacts {
		cand.Name = text(&c, in, "full_name")
		cand.FirstName, cand.LastName = text(&c, in, "first_name"), text(&c, in, "last_name")
		cand.Birthday = day(text(&c, in, "birthday"))
		names, err := s.companyNames(ctx, a.WorkspaceID, refs(&c, in, "companies"))
		if err != nil {
			return cand, err
		}
		cand.Companies = names
	} else {
		cand.Name = text(&c, in, "name")
		cand.Domain = siteDomain(text(&c, in, "domain"))
	}
	if cand.Domain == "" && k == companies {
		cand.Domain = siteDomain(text(&c, in, "website"))
	}
	cand.Emails = values(&c, in, "emails")
	region := s.opts.PhoneRegion
	if r := s.engine.PhoneRegion(ctx, a.WorkspaceID); r != "" {
		region = r
	}
	for _, p := range values(&c, in, "phones") {
		e164, _ := records.NormalizePhone(p, region)
		cand.Phones = append(cand.Phones, e164)
	}
	address(&c, in, &cand)
	set, err := s.settings(ctx, s.db.Reader(), a.WorkspaceID, k)
	if err != nil {
		return cand, err
	}
	custom := map[string]any{}
	for _, f := range set.Identifying {
		if v, ok := in[f]; ok {
			custom[f] = v
		}
	}
	raw, _ := json.Marshal(custom)
	rawText := string(raw)
	site, _ := in["website"].(string)
	cand.Identifiers = identifiers(set.Identifying, site, &rawText)
	return cand, c.Err()
}

// companyNames returns the names of the companies of ids.
func (s *Service) companyNames(ctx context.Context, ws int64, ids []string) ([]string, error) {
	nums := parseIDs(ids)
	if len(nums) == 0 {
		return nil, nil
	}
	marks, args := store.List(nums)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT name FROM companies WHERE workspace_id = ? AND id IN (`+marks+`) AND name IS NOT NULL`,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// text reads a string field; null and absent are empty.
func text(c *fault.Collector, in map[string]any, name string) string {
	switch v := in[name].(type) {
	case nil:
		return ""
	case string:
		return v
	}
	c.Add(name, "type", "must be a string")
	return ""
}

// values reads an e-mail or phone list: a string, or an array of strings
// or {"value": …} objects.
func values(c *fault.Collector, in map[string]any, name string) []string {
	var list []any
	switch v := in[name].(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		list = v
	default:
		c.Add(name, "type", `must be an array of {"value": …, "label": …}`)
		return nil
	}
	var out []string
	for i, item := range list {
		switch x := item.(type) {
		case string:
			out = append(out, x)
			continue
		case map[string]any:
			if s, ok := x["value"].(string); ok {
				out = append(out, s)
				continue
			}
			c.Add(name+"["+strconv.Itoa(i)+"].value", "type", "must be a string")
		default:
			c.Add(name+"["+strconv.Itoa(i)+"]", "type", `must be a string or {"value": …, "label": …}`)
		}
	}
	return out
}

// refs reads the ids of a link list: strings or {"id": …} objects.
func refs(c *fault.Collector, in map[string]any, name string) []string {
	list, ok := in[name].([]any)
	if in[name] == nil {
		return nil
	}
	if !ok {
		c.Add(name, "type", `must be an array of ids or {"id": …, "role": …}`)
		return nil
	}
	var out []string
	for i, item := range list {
		switch x := item.(type) {
		case string:
			out = append(out, x)
			continue
		case map[string]any:
			if id, ok := x["id"].(string); ok {
				out = append(out, id)
				continue
			}
		}
		c.Add(name+"["+strconv.Itoa(i)+"].id", "type", "must be the id of a record, as a string")
	}
	return out
}

// address reads an address object, or a one-line address, into r.
func address(c *fault.Collector, in map[string]any, r *linkage.Record) {
	switch v := in["address"].(type) {
	case nil:
	case string:
		if v = strings.TrimSpace(v); v != "" {
			r.AddressLines = []string{v}
		}
	case map[string]any:
		parts := map[string]string{}
		for _, key := range []string{"street", "postal_code", "city", "country"} {
			switch p := v[key].(type) {
			case nil:
			case string:
				parts[key] = p
			default:
				c.Add("address."+key, "type", "must be a string")
			}
		}
		text, _ := json.Marshal(parts)
		str := string(text)
		fillAddress(r, &str)
	default:
		c.Add("address", "type", "must be an object with street, city, region, postal_code, country")
	}
}
