package analysis

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// nameFields are the fields that name a record of each object a report
// may group by a link to.
var nameFields = map[string]string{"stage": "name", "pipeline": "name", "company": "name", "loss_reason": "name",
	"contact": "full_name", "deal": "title", "product": "name"}

// label fills the labels of the rows: users' and linked records' names
// (those the reader may read; others keep their id), and leaves options
// and periods as they are for the page to word. Rows grouped by a link
// to records with a position (stages) follow it, so that a funnel runs
// from the first stage to the last.
func (s *Service) label(ctx context.Context, res *Result) error {
	fields, err := s.engine.Fields(ctx, res.Definition.Object)
	if err != nil {
		return err
	}
	byName := map[string]*records.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	for i := range res.Rows {
		res.Rows[i].Labels = slices.Clone(res.Rows[i].Keys)
	}
	var users map[string]string
	for gi, g := range res.Definition.GroupBy {
		f := byName[g.Field]
		if f == nil {
			continue
		}
		switch f.Type {
		case records.User:
			if users == nil {
				if users, err = s.userNames(ctx); err != nil {
					return err
				}
			}
			for i := range res.Rows {
				if n, ok := users[res.Rows[i].Keys[gi]]; ok {
					res.Rows[i].Labels[gi] = n
				}
			}
		case records.Relation:
			names, pos, err := s.recordNames(ctx, f.Target, res.Rows, gi)
			if err != nil {
				return err
			}
			for i := range res.Rows {
				if n, ok := names[res.Rows[i].Keys[gi]]; ok {
					res.Rows[i].Labels[gi] = n
				}
			}
			if len(pos) > 0 && gi == 0 {
				slices.SortStableFunc(res.Rows, func(a, b Row) int {
					pa, oka := pos[a.Keys[0]]
					pb, okb := pos[b.Keys[0]]
					switch {
					case oka && okb:
						return pa - pb
					case oka:
						return -1
					case okb:
						return 1
					}
					return 0
				})
			}
		}
	}
	return nil
}

func (s *Service) userNames(ctx context.Context) (map[string]string, error) {
	list, err := s.accounts.ListUsers(ctx, account.UserFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, u := range list {
		out[u.ID] = u.Name
		if u.Name == "" {
			out[u.ID] = u.Email
		}
	}
	return out, nil
}

// recordNames reads the names, and positions when they have one, of the
// linked records the rows are grouped by.
func (s *Service) recordNames(ctx context.Context, target string, rows []Row, gi int) (map[string]string, map[string]int, error) {
	obj := s.engine.Object(target)
	nameField := nameFields[target]
	if obj == nil || nameField == "" {
		return nil, nil, nil
	}
	var ids []any
	for _, r := range rows {
		if k := r.Keys[gi]; k != "" && !slices.Contains(ids, any(k)) && len(ids) < 500 {
			ids = append(ids, k)
		}
	}
	names, pos := map[string]string{}, map[string]int{}
	if len(ids) == 0 {
		return names, pos, nil
	}
	page, err := s.engine.List(ctx, obj.Plural, records.Query{Filter: &records.Filter{Field: "id", Op: records.In, Value: ids},
		Limit: len(ids), Bare: true})
	if fault.Is(err, fault.EFORBIDDEN) {
		return names, pos, nil // records the reader may not read keep their ids
	}
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range page.Data {
		id, _ := rec["id"].(string)
		if n, ok := rec[nameField].(string); ok {
			names[id] = n
		}
		if p, ok := rec["position"]; ok && p != nil {
			n, _ := strconv.Atoi(strings.TrimSpace(toString(p)))
			pos[id] = n
		}
	}
	return names, pos, nil
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
