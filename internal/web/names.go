package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
)

// names are the names of the users and companies that records refer to by
// id, read in one query each for a whole page, never one per row.
// maxNamed bounds the companies named on one page: the engine takes at
// most 500 values in one "in" condition.
const maxNamed = 500

type names struct {
	users     map[string]string
	companies map[string]string
}

func (s *Server) namesOf(r *http.Request, recs []records.Record) (names, error) {
	n := names{users: map[string]string{}, companies: map[string]string{}}
	if len(recs) == 0 {
		return n, nil
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return n, err
	}
	for _, u := range users {
		n.users[u.ID] = u.Name
		if u.Name == "" {
			n.users[u.ID] = u.Email
		}
	}
	var ids []any
	seen := map[string]bool{}
	for _, rec := range recs {
		for _, id := range links(rec["companies"]) {
			if !seen[id] && len(ids) < maxNamed {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return n, nil
	}
	// The engine leaves out the companies the user may not read.
	page, err := s.engine.List(r.Context(), "companies", records.Query{
		Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
	if err != nil {
		return n, err
	}
	for _, c := range page.Data {
		n.companies[str(c["id"])] = str(c["name"])
	}
	return n, nil
}
