package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// maxChoices bounds the options of a select of settings (pipelines,
// stages, loss reasons): a workspace has a handful of each.
const maxChoices = 200

// prepare completes a form before it is drawn: the names of the records
// its pickers hold (one query per object, whatever the number of
// pickers), the options of its selects of settings, and for a deal the
// stages of its pipeline, with the fields its stage requires marked.
func (s *Server) prepare(r *http.Request, v *visit, data *formPage) error {
	if err := s.nameChosen(r, data.Fields); err != nil {
		return err
	}
	pipeline := ""
	for i := range data.Fields {
		ff := &data.Fields[i]
		if ff.Kind != "choice" {
			continue
		}
		var q records.Query
		switch ff.field.Target {
		case "stage":
			// The stages follow the pipeline, which comes first in the form.
			q.Filter = &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: pipeline}
		case "loss_reason":
			q.Filter = &records.Filter{Field: "active", Op: records.Ne, Value: false}
		}
		if err := s.choices(r, ff, q); err != nil {
			return err
		}
		if ff.field.Target == "pipeline" || ff.field.Target == "stage" {
			// A deal is always in a pipeline and one of its stages: the
			// first, until the user picks another.
			ff.Options = ff.Options[1:]
			ff.Refresh = "/" + data.Plural + "/form"
			pickFirst(ff)
		}
		if ff.field.Target == "pipeline" {
			pipeline = ff.Inputs[0].Value
		}
	}
	data.Fields = lossReasonWhenLost(data)
	return s.markStageFields(r, data.Fields)
}

// lossReasonWhenLost leaves a deal's loss reason out of its form unless
// the deal is lost; the form is drawn again as the status changes.
func lossReasonWhenLost(data *formPage) []formField {
	status := slices.IndexFunc(data.Fields, func(ff formField) bool { return ff.field.Name == "status" })
	if data.Plural != "deals" || status < 0 {
		return data.Fields
	}
	data.Fields[status].Refresh = "/" + data.Plural + "/form"
	if data.Fields[status].Inputs[0].Value == "lost" {
		return data.Fields
	}
	return slices.DeleteFunc(data.Fields, func(ff formField) bool { return ff.field.Name == "loss_reason_id" })
}

// choices fills the options of a select of settings, in their order, after
// a blank option.
func (s *Server) choices(r *http.Request, ff *formField, q records.Query) error {
	view := linkedOnly[ff.field.Target]
	q.Sort, q.Limit = []string{"position"}, maxChoices
	if q.Filter != nil && q.Filter.Value == "" {
		ff.Options = []formOption{{}}
		return nil // no pipeline, no stages
	}
	page, err := s.engine.List(r.Context(), view.plural, q)
	if err != nil {
		return err
	}
	ff.Options = []formOption{{}}
	for _, rec := range page.Data {
		ff.Options = append(ff.Options, formOption{Value: str(rec["id"]), Label: str(rec[view.name])})
	}
	return nil
}

// pickFirst chooses the first option when the value is none of them.
func pickFirst(ff *formField) {
	in := &ff.Inputs[0]
	if len(ff.Options) > 0 && !slices.ContainsFunc(ff.Options, func(o formOption) bool { return o.Value == in.Value }) {
		in.Value = ff.Options[0].Value
	}
}

// markStageFields marks the fields that the chosen stage of a deal
// requires: the engine refuses to let the deal in while one is empty.
func (s *Server) markStageFields(r *http.Request, fields []formField) error {
	i := slices.IndexFunc(fields, func(ff formField) bool { return ff.Kind == "choice" && ff.field.Target == "stage" })
	if i < 0 || fields[i].Inputs[0].Value == "" {
		return nil
	}
	st, err := s.engine.Get(r.Context(), "stages", fields[i].Inputs[0].Value, false)
	if err != nil {
		return err
	}
	required := values(st["required_fields"])
	for j := range fields {
		if slices.Contains(required, fields[j].field.Name) {
			fields[j].Required, fields[j].ByStage = true, true
		}
	}
	return nil
}

// nameChosen names the records the pickers hold, as the record page
// names linked records: a record the user may not read stays unnamed.
func (s *Server) nameChosen(r *http.Request, fields []formField) error {
	rec := records.Record{}
	byName := map[string]*records.Field{}
	var shown []string
	for _, ff := range fields {
		name := ff.field.Name
		// An id that is no id (a hand-made form's) names nothing.
		switch ff.Kind {
		case "picker":
			if isID(ff.Inputs[0].Value) {
				rec[name] = ff.Inputs[0].Value
			}
		case "about":
			if isID(ff.Inputs[0].Value) {
				rec[name], rec["record_type"] = ff.Inputs[0].Value, ff.Inputs[1].Value
			}
		case "pickers":
			var links []records.LinkRef
			for _, in := range ff.Inputs {
				if isID(in.Value) {
					links = append(links, records.LinkRef{ID: in.Value})
				}
			}
			rec[name] = links
		default:
			continue
		}
		byName[name] = ff.field
		shown = append(shown, name)
	}
	if len(shown) == 0 {
		return nil
	}
	n, err := s.namesOf(r, byName, shown, []records.Record{rec})
	if err != nil {
		return err
	}
	for i := range fields {
		ff := &fields[i]
		for j := range ff.Inputs {
			in := &ff.Inputs[j]
			switch {
			case ff.Kind == "about" && j == 0:
				in.Text = n.records[ff.Inputs[1].Value][in.Value]
			case ff.Kind == "picker" && ff.field.Type == records.User:
				in.Text = n.users[in.Value]
			case ff.Kind == "picker" || ff.Kind == "pickers":
				in.Text = n.records[ff.field.Target][in.Value]
			}
		}
	}
	return nil
}

// stockView is a product's stock as its form shows it: read-only, since
// stock changes by movements, not by typing a number.
type stockView struct {
	Total      string
	Warehouses []warehouseLevel
}

type warehouseLevel struct {
	Name, Quantity string
}

// stockOf is the stock of a product per warehouse, or nil for a product
// whose stock is not tracked.
func (s *Server) stockOf(r *http.Request, v *visit, id string) (*stockView, error) {
	if s.sales == nil {
		return nil, nil
	}
	level, err := s.sales.Stock(r.Context(), id)
	if err != nil || level.Total == nil {
		return nil, err
	}
	out := &stockView{Total: quantity(v, *level.Total)}
	for _, w := range level.Warehouses {
		out.Warehouses = append(out.Warehouses, warehouseLevel{Name: w.Name, Quantity: quantity(v, w.Quantity)})
	}
	return out, nil
}

// quantity writes a quantity as the user's language writes numbers.
// with the decimals it has, at most three.
func quantity(v *visit, q float64) string {
	decimals := 0
	if _, frac, ok := strings.Cut(strconv.FormatFloat(q, 'f', -1, 64), "."); ok {
		decimals = min(len(frac), 3)
	}
	return v.p.Number(q, decimals)
}

// baseCurrency is the workspace's base currency, which a new deal's value
// and a new product's price are in until the user picks another.
func (s *Server) baseCurrency(r *http.Request) string {
	if s.sales != nil {
		if st, err := s.sales.Settings(r.Context()); err == nil {
			return st.BaseCurrency
		}
	}
	return sales.DefaultBaseCurrency
}

// isID reports whether s has the shape of a record's id.
func isID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}
