package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// standardObjects are the objects every workspace has; the workspace's
// own lists are found at /api/v1/lists.
var standardObjects = []string{"contacts", "companies", "deals", "pipelines", "stages", "loss_reasons",
	"products", "price_lists", "tasks", "notes", "calls", "meetings"}

// field is one entry of GET /api/v1/fields/{object}. Sortable and Filters
// are the server's word on what the engine accepts, when it gives it;
// otherwise they are derived from the type.
type field struct {
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Custom   bool      `json:"custom"`
	Sortable *bool     `json:"sortable"`
	Filters  *[]string `json:"filters"`
	derived  bool      // Sortable or Filters came from the type, not the server
}

// The filter operators of the engine.
const (
	opEq, opNe, opIn                      = "eq", "ne", "in"
	opLt, opLte, opGt, opGte              = "lt", "lte", "gt", "gte"
	opContains, opStartsWith, opEmpty     = "contains", "starts_with", "empty"
	typeRelations, typeAddress, typeMoney = "relations", "address", "money"
)

var (
	allOps     = []string{opEq, opNe, opIn, opLt, opLte, opGt, opGte, opContains, opStartsWith, opEmpty}
	orderedOps = []string{opEq, opNe, opIn, opLt, opLte, opGt, opGte, opEmpty}
	listOps    = []string{opEq, opNe, opIn, opContains, opStartsWith, opEmpty}
)

// systemFields are the engine's own columns, which lists sort and filter
// by although /fields does not name them.
var systemFields = []field{{Name: "id", Type: "relation"}, {Name: "created_at", Type: "datetime"},
	{Name: "updated_at", Type: "datetime"}}

// addressParts and moneyParts are the parts of an address and of an amount
// of money that filter and sort on their own.
var (
	addressParts = []string{"street", "city", "region", "postal_code", "country"}
	moneyParts   = map[string]string{"amount": "integer", "currency": "text"}
)

// derivedOps are the operators the engine accepts on a field of a type,
// as internal/records/list.go compare and compareMulti decide them.
func derivedOps(typ string) []string {
	switch typ {
	case "text", "long_text", "url", "select":
		return allOps
	case "integer", "decimal", "date", "datetime", "user", "relation":
		return orderedOps
	case "boolean":
		return []string{opEq, opNe, opEmpty}
	case "email", "phone", "urls", "tags", "multi_select":
		return listOps
	case typeRelations:
		return []string{opEq, opIn, opEmpty}
	case typeAddress, typeMoney:
		return []string{opEmpty} // as a whole; their parts compare
	}
	return nil // line_items, and types this tool does not know
}

// derivedSortable reports whether the engine sorts by a field of a type:
// single values do, lists and addresses or money as a whole do not.
func derivedSortable(typ string) bool {
	switch typ {
	case "text", "long_text", "url", "select", "integer", "decimal", "date", "datetime", "boolean", "user", "relation":
		return true
	}
	return false
}

// sweepFields completes an object's fields: the system columns and the
// parts of addresses and money are added unless the server names them
// itself, and each field gets its sortability and operators.
func sweepFields(listed []field) []field {
	named := map[string]bool{}
	for _, f := range listed {
		named[f.Name] = true
	}
	var out []field
	for _, f := range systemFields {
		if !named[f.Name] {
			out = append(out, complete(f))
		}
	}
	for _, f := range listed {
		out = append(out, complete(f))
		var parts []field
		switch f.Type {
		case typeAddress:
			for _, p := range addressParts {
				parts = append(parts, field{Name: f.Name + "." + p, Type: "text", Custom: f.Custom})
			}
		case typeMoney:
			for _, p := range []string{"amount", "currency"} {
				parts = append(parts, field{Name: f.Name + "." + p, Type: moneyParts[p], Custom: f.Custom})
			}
		}
		for _, p := range parts {
			if !named[p.Name] {
				out = append(out, complete(p))
			}
		}
	}
	return out
}

// complete fills in what the server did not say about a field.
func complete(f field) field {
	if f.Sortable == nil {
		s := derivedSortable(f.Type)
		f.Sortable, f.derived = &s, true
	}
	if f.Filters == nil {
		ops := derivedOps(f.Type)
		f.Filters, f.derived = &ops, true
	}
	return f
}

// listsAnswer is GET /api/v1/lists.
type listsAnswer struct {
	Data []struct {
		Plural string `json:"plural"`
	} `json:"data"`
}

// objects returns the objects to sweep: the standard ones and the
// workspace's lists, or those of -only.
func (s *sweeper) objects() []string {
	if len(s.o.only) > 0 {
		return s.o.only
	}
	all := slices.Clone(standardObjects)
	var lists listsAnswer
	if err := s.c.get("/api/v1/lists", &lists); err != nil {
		fmt.Printf("\nThe workspace's lists could not be read (%v); only the standard objects are swept.\n", err)
	}
	for _, l := range lists.Data {
		all = append(all, l.Plural)
	}
	return all
}

// fields reads an object's fields and completes them.
func (s *sweeper) fields(object string) ([]field, error) {
	var answer struct {
		Data []field `json:"data"`
	}
	if err := s.c.get("/api/v1/fields/"+url.PathEscape(object), &answer); err != nil {
		return nil, err
	}
	return sweepFields(answer.Data), nil
}

// unlisted says where a sort or an operator that the server accepts should
// have been named.
func (f field) unlisted() string {
	if f.derived {
		return "which the fields answer does not say and the type does not suggest"
	}
	return "which the fields answer does not list"
}

// part splits a field name into its base and part (address.city).
func part(name string) (string, string) {
	base, sub, _ := strings.Cut(name, ".")
	return base, sub
}
