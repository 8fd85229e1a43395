package duplicate

import (
	"context"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// draft reads a record that is not stored yet, as a form or an import
// holds it, into a candidate. Fields that do not exist (or that the actor
// cannot see) are refused by name, as a create would refuse them; the
// values of fields that matching ignores are not checked.
func (s *Service) draft(ctx context.Context, k *kind, in map[string]any) (Candidate, error) {
	fields, err := s.engine.Fields(ctx, k.object)
	if err != nil {
		return Candidate{}, err
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
	var cand Candidate
	if k == contacts {
		cand.Name = text(&c, in, "full_name")
		if cand.Name == "" {
			cand.Name = strings.TrimSpace(text(&c, in, "first_name") + " " + text(&c, in, "last_name"))
		}
		cand.Companies = refs(&c, in, "companies")
	} else {
		cand.Name = text(&c, in, "name")
	}
	cand.Emails = values(&c, in, "emails")
	region := s.opts.PhoneRegion
	if a, err := access.ActorFrom(ctx); err == nil {
		if r := s.engine.PhoneRegion(ctx, a.WorkspaceID); r != "" {
			region = r
		}
	}
	for _, p := range values(&c, in, "phones") {
		e164, _ := records.NormalizePhone(p, region)
		cand.Phones = append(cand.Phones, e164)
	}
	cand.Address = address(&c, in)
	return cand, c.Err()
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

// address reads an address object, or a one-line address.
func address(c *fault.Collector, in map[string]any) string {
	switch v := in["address"].(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any:
		parts := map[string]string{}
		for _, key := range []string{"street", "postal_code", "city"} {
			switch p := v[key].(type) {
			case nil:
			case string:
				parts[key] = p
			default:
				c.Add("address."+key, "type", "must be a string")
			}
		}
		return strings.TrimSpace(parts["street"] + ", " + parts["postal_code"] + " " + parts["city"])
	}
	c.Add("address", "type", "must be an object with street, city, region, postal_code, country")
	return ""
}
