package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
)

// maxNamed bounds the linked records named per object on one page: the
// engine takes at most 500 values in one "in" condition.
const maxNamed = 500

// names are the names of the users and records that a page's records
// refer to by id, read in one query per kind for the whole page, never
// one per row.
type names struct {
	users   map[string]string
	records map[string]map[string]string // by object (singular), then id
}

// namesOf reads the names that the fields called shown of recs refer to.
// The engine leaves out the linked records the user may not read, so
// their names stay unknown.
func (s *Server) namesOf(r *http.Request, fields map[string]*records.Field, shown []string, recs []records.Record) (names, error) {
	n := names{users: map[string]string{}, records: map[string]map[string]string{}}
	ids := map[string][]any{} // by object
	seen := map[string]bool{}
	needUsers := false
	for _, name := range shown {
		f := fields[name]
		if f == nil {
			continue
		}
		for _, rec := range recs {
			// An activity names the record it is about by object and
			// id, in two text fields.
			if name == "record_id" {
				object, id := str(rec["record_type"]), str(rec["record_id"])
				if key := object + ":" + id; id != "" && !seen[key] && len(ids[object]) < maxNamed {
					seen[key] = true
					ids[object] = append(ids[object], id)
				}
				continue
			}
			switch f.Type {
			case records.User:
				needUsers = needUsers || rec[name] != nil
			case records.Relation, records.Relations:
				for _, id := range linked(rec[name]) {
					if key := f.Target + ":" + id; !seen[key] && len(ids[f.Target]) < maxNamed {
						seen[key] = true
						ids[f.Target] = append(ids[f.Target], id)
					}
				}
			}
		}
	}
	if needUsers {
		if err := s.userNames(r, n.users); err != nil {
			return n, err
		}
	}
	for object, list := range ids {
		view := viewOf(object)
		if view == nil {
			view = linkedOnly[object]
		}
		if view == nil {
			continue
		}
		page, err := s.engine.List(r.Context(), view.plural, records.Query{
			Filter: &records.Filter{Field: "id", Op: records.In, Value: list}, Limit: len(list), Bare: true})
		if err != nil {
			return n, err
		}
		n.records[object] = map[string]string{}
		for _, rec := range page.Data {
			n.records[object][str(rec["id"])] = str(rec[view.name])
		}
	}
	return n, nil
}

// userNames fills into the names of the workspace's users: the
// directory, which every member may read and which holds hundreds of
// users at most.
func (s *Server) userNames(r *http.Request, into map[string]string) error {
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return err
	}
	for _, u := range users {
		into[u.ID] = u.Name
		if u.Name == "" {
			into[u.ID] = u.Email
		}
	}
	return nil
}

// viewOf is the view of the object named object (singular), or nil.
func viewOf(object string) *objectView {
	for _, v := range views {
		if v.object == object {
			return v
		}
	}
	return nil
}
