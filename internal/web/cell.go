package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// cellPage is one cell of a list edited in place: its value as shown, or
// its editor, which saves through the engine at the version the editor
// was opened at. After a conflict the editor keeps what was typed and
// shows the value saved now beside it, with the new version, so that
// saving again is a choice made knowing both.
type cellPage struct {
	frame
	Edit    string // the cell's address
	Label   string
	Field   formField
	Value   string
	Version int64
	Values  []string // the value as the list shows it
	Error   string
	Theirs  []string
}

// Name is the name of the editor's input: the field's.
func (c *cellPage) Name() string { return c.Field.field.Name }

// ID is the id of the editor's input.
func (c *cellPage) ID() string { return "cell-" + c.Field.field.Name }

// inlineEditable reports whether a list edits the field in place: one
// value of a type an input holds, which the user's role may change and
// the engine does not compute.
func inlineEditable(f *records.Field) bool {
	if f.ReadOnly || len(f.DerivedFrom) > 0 {
		return false
	}
	switch f.Type {
	case records.Text, records.Integer, records.Decimal, records.Date, records.Select, records.Boolean, records.URL, records.User:
		return true
	}
	return false
}

// cellOf reads what a cell's address names: the object's view, the
// field, and the record as it is now.
func (s *Server) cellOf(w http.ResponseWriter, r *http.Request, v *visit) (*cellPage, records.Record, bool) {
	view, err := s.viewFor(r)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	ctx := r.Context()
	fields, err := s.engine.Fields(ctx, view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	byName := fieldsByName(fields)
	f := byName[r.URL.Query().Get("field")]
	if f == nil || !inlineEditable(f) {
		s.fail(w, r, v, errNotFound)
		return nil, nil, false
	}
	rec, err := s.engine.Get(ctx, view.plural, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	c := &cellPage{Edit: "/" + view.plural + "/" + r.PathValue("id") + "/cell?" + url.Values{"field": {f.Name}}.Encode(), Label: label(v.p, byName, f.Name),
		Version: versionOf(rec)}
	c.Field, err = s.cellField(r, v, f)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	return c, rec, true
}

// cellField is the input of a field: a form's, or for an owner a select
// of the workspace's users.
func (s *Server) cellField(r *http.Request, v *visit, f *records.Field) (formField, error) {
	ff := formField{Label: f.Label, Kind: kinds[f.Type], Required: f.Required, field: f}
	for _, o := range f.Options {
		ff.Options = append(ff.Options, formOption{Value: o, Label: v.option(f.Name, o)})
	}
	if f.Type == records.User {
		users, err := s.directory(r)
		ff.Kind, ff.Options = "select", users
		return ff, err
	}
	return ff, nil
}

// shown fills the cell's value as the list shows it.
func (s *Server) shown(r *http.Request, v *visit, c *cellPage, rec records.Record) error {
	f := c.Field.field
	n, err := s.namesOf(r, map[string]*records.Field{f.Name: f}, []string{f.Name}, []records.Record{rec})
	if err == nil {
		c.Values = v.field(f, rec, n)
	}
	return err
}

// cell answers a cell's editor, or with show=1 its value (the editor's
// Escape).
func (s *Server) cell(w http.ResponseWriter, r *http.Request, v *visit) {
	c, rec, ok := s.cellOf(w, r, v)
	if !ok {
		return
	}
	if r.URL.Query().Get("show") == "1" {
		if err := s.shown(r, v, c, rec); err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.fragment(w, r, v, "list", "cell", c)
		return
	}
	c.Value = cellValue(c.Field, rec, v.location())
	s.fragment(w, r, v, "list", "cell_form", c)
}

// cellValue is a record's value of the field as its input holds it.
func cellValue(ff formField, rec records.Record, loc *time.Location) string {
	fields := []formField{ff}
	fillFrom(fields, rec, loc)
	return fields[0].Inputs[0].Value
}

// saveCell saves a cell through the engine. The answer is always 200, as
// htmx swaps only those: a refusal is the editor again, the error in it.
func (s *Server) saveCell(w http.ResponseWriter, r *http.Request, v *visit) {
	c, _, ok := s.cellOf(w, r, v)
	if !ok {
		return
	}
	fields := []formField{c.Field}
	readForm(fields, r)
	in, _ := input(fields, true, v.location())
	c.Value = fields[0].Inputs[0].Value
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		err = fault.Errorf(fault.ECONFLICT, "the editor carries no version")
	} else {
		c.Version = version
		var rec records.Record
		if rec, err = s.engine.Update(r.Context(), r.PathValue("object"), r.PathValue("id"), version, in); err == nil {
			if err := s.shown(r, v, c, rec); err != nil {
				s.fail(w, r, v, err)
				return
			}
			s.fragment(w, r, v, "list", "cell", c)
			return
		}
	}
	s.cellRefused(w, r, v, c, err)
}

// cellRefused draws the editor again after the engine refused the value.
func (s *Server) cellRefused(w http.ResponseWriter, r *http.Request, v *visit, c *cellPage, err error) {
	switch errs, invalid := fieldErrorsOf(err); {
	case invalid:
		c.Error = v.p.FieldError(errs[0])
	case fault.Is(err, fault.ECONFLICT):
		now, err := s.engine.Get(r.Context(), r.PathValue("object"), r.PathValue("id"), false)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		if err := s.shown(r, v, c, now); err != nil {
			s.fail(w, r, v, err)
			return
		}
		c.Theirs, c.Values, c.Version = c.Values, nil, versionOf(now)
		if len(c.Theirs) == 0 {
			c.Theirs = []string{v.p.T("web.form.empty")}
		}
		c.Error = v.p.T("web.lists.cell.conflict")
	case fault.Is(err, fault.EFORBIDDEN), fault.Is(err, fault.ENOTFOUND):
		c.Error = v.p.T("web.lists.cell.forbidden")
	default:
		s.logger(r).Error("cell not saved", "path", r.URL.Path, "err", err)
		c.Error = v.p.T("web.form.failed")
	}
	s.fragment(w, r, v, "list", "cell_form", c)
}
