package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// setFieldsPage lists the custom fields of one object, with tabs for the
// other objects that take them, and a form to add one.
type setFieldsPage struct {
	frame
	settingsForm
	Object  string // the plural of the object shown
	Objects []formOption
	Fields  []setCustomField
	Types   []formOption
	Targets []formOption // the objects a relation may point at
}

// setCustomField is a custom field as the page lists it.
type setCustomField struct {
	Name, Label, Type, Options string
	Required                   bool
}

// setFieldObjects are the standard objects whose custom fields the page
// manages; user-defined lists follow them.
var setFieldObjects = []string{"contacts", "companies", "deals", "products", "tasks"}

func (s *Server) setFieldsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowFields(w, r, v, http.StatusOK, &setFieldsPage{Object: r.URL.Query().Get("object")})
}

func (s *Server) setShowFields(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setFieldsPage) {
	if data.Object == "" {
		data.Object = setFieldObjects[0]
	}
	lists, err := s.engine.Lists(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Objects = setObjectChoices(v, lists)
	if !setHasOption(data.Objects, data.Object) {
		s.fail(w, r, v, errNotFound)
		return
	}
	fields, err := s.engine.Fields(r.Context(), data.Object)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, f := range fields {
		if f.Custom {
			data.Fields = append(data.Fields, setCustomField{Name: f.Name, Label: f.Label, Type: setTypeLabel(v.p, f.Type),
				Options: strings.Join(f.Options, ", "), Required: f.Required})
		}
	}
	for _, t := range records.CustomTypes {
		data.Types = append(data.Types, formOption{Value: string(t), Label: setTypeLabel(v.p, t)})
	}
	data.Targets = data.Objects
	data.frame = frame{Nav: "settings"}
	s.render(w, r, v, status, "settings_fields", data)
}

// setObjectChoices are the objects that take custom fields, by plural, with
// the names people know them by.
func setObjectChoices(v *visit, lists []*records.Object) []formOption {
	var out []formOption
	for _, o := range setFieldObjects {
		out = append(out, formOption{Value: o, Label: v.p.T("object." + o + ".name")})
	}
	for _, l := range lists {
		out = append(out, formOption{Value: l.Plural, Label: l.Label})
	}
	return out
}

func setHasOption(opts []formOption, value string) bool {
	for _, o := range opts {
		if o.Value == value {
			return true
		}
	}
	return false
}

// setAddField adds a custom field through the engine, as the API does;
// what the engine refuses shows beside the input it is about.
func (s *Server) setAddField(w http.ResponseWriter, r *http.Request, v *visit) {
	object := r.URL.Query().Get("object")
	spec := records.FieldSpec{Name: strings.TrimSpace(r.PostFormValue("name")), Label: strings.TrimSpace(r.PostFormValue("label")),
		Type: records.Type(r.PostFormValue("type")), Required: r.PostFormValue("required") == "true"}
	for _, line := range strings.Split(r.PostFormValue("options"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			spec.Options = append(spec.Options, line)
		}
	}
	if spec.Type == records.Relation {
		spec.Target = r.PostFormValue("target")
	}
	if _, err := s.engine.AddField(r.Context(), object, spec); err != nil {
		data := &setFieldsPage{Object: object}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowFields(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/fields?object="+url.QueryEscape(object))
}

// setTypeLabel is the name of a field type in the printer's language.
func setTypeLabel(p *locale.Printer, t records.Type) string {
	switch t {
	case records.Text:
		return p.T("web.settings.type.text")
	case records.LongText:
		return p.T("web.settings.type.long_text")
	case records.Integer:
		return p.T("web.settings.type.integer")
	case records.Decimal:
		return p.T("web.settings.type.decimal")
	case records.Money:
		return p.T("web.settings.type.money")
	case records.Date:
		return p.T("web.settings.type.date")
	case records.DateTime:
		return p.T("web.settings.type.datetime")
	case records.Boolean:
		return p.T("web.settings.type.boolean")
	case records.Select:
		return p.T("web.settings.type.select")
	case records.MultiSelect:
		return p.T("web.settings.type.multi_select")
	case records.Email:
		return p.T("web.settings.type.email")
	case records.Phone:
		return p.T("web.settings.type.phone")
	case records.URL:
		return p.T("web.settings.type.url")
	case records.Relation:
		return p.T("web.settings.type.relation")
	case records.User:
		return p.T("web.settings.type.user")
	case records.Address:
		return p.T("web.settings.type.address")
	case records.Tags:
		return p.T("web.settings.type.tags")
	case records.URLs:
		return p.T("web.settings.type.urls")
	}
	return string(t)
}
