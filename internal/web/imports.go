package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tabular"
)

// importRoutes adds the import screen, the log of imports and each
// import's page, where a running one shows its progress live.
func (s *Server) importRoutes(mux *http.ServeMux) {
	if s.imports == nil {
		return
	}
	mux.Handle("GET /imports", s.signedIn(s.importsLog))
	mux.Handle("GET /imports/new", s.signedIn(s.importScreen))
	mux.Handle("POST "+uploadPath, s.signedIn(s.importUpload))
	mux.Handle("POST /imports/dry-run", s.signedIn(s.importDryRun))
	mux.Handle("POST /imports/start", s.signedIn(s.importStart))
	mux.Handle("GET /imports/{id}", s.signedIn(s.importState))
	mux.Handle("GET /imports/{id}/errors", s.signedIn(s.importErrors))
	mux.Handle("POST /imports/{id}/cancel", s.signedIn(s.importCancel))
	mux.Handle("POST /imports/{id}/undo", s.signedIn(s.importUndo))
	mux.Handle("POST /imports/{id}/resume", s.signedIn(s.importResume))
	mux.Handle("POST /imports/{id}/discard", s.signedIn(s.importDiscard))
}

// previewRows is how many rows the screen shows as read; dryRunRows how
// many row outcomes a dry run lists (the counts cover them all).
const (
	previewRows = 8
	dryRunRows  = 50
)

// importScreenPage is the import screen: the file, how it is read, its
// first rows, the mapping, the options, and a dry run's outcome.
type importScreenPage struct {
	frame
	Object   string
	Objects  []formOption
	Token    string // the upload; "" before a file is chosen
	FileName string
	Settings tabular.Settings
	Layout   string // a digest of the header, so that a mapping of another header is dropped

	Encoding, Delimiter, Quoting, Sheet string
	FoundDelimiter, FoundQuoting        string // what the file was read with, in words
	Encodings, Delimiters, Quotings     []formOption

	Dates, OnDuplicate, Match   string
	DateChoices, Policies, Keys []formOption
	Strict, Silent              bool

	// Saved is the saved mapping chosen, SavedMappings those of the
	// object; SaveAs names the mapping to save when the import starts.
	Saved, SaveAs string
	SavedMappings []formOption
	apply         map[string]string // the saved mapping chosen just now, over the form's columns

	Header   []string
	Rows     []previewRow
	Columns  []mappedColumn
	Problems []string
	Errors   map[string]string
	Dry      *dryRunView
}

// previewRow is a row as the import reads it.
type previewRow struct {
	Number int
	Cells  []string
	Error  string
}

// mappedColumn is one column of the file and the field it fills.
type mappedColumn struct {
	Index   int
	Header  string
	Example string
	Field   string
	Choices []formOption
	Makes   string // the new field the column makes, in words
}

// dryRunView is what a dry run found.
type dryRunView struct {
	ID                                      string
	Rows, Created, Updated, Skipped, Failed int
	Outcomes                                []rowOutcome
	More                                    int
	Errors                                  string // the error report's address, when there are problems
}

// rowOutcome is what one row would do.
type rowOutcome struct {
	Row            int
	Action, Label  string
	Record, Reason string
}

// importObjectOf is the import that fills the list plural: an
// activities file for the lists of tasks, calls, meetings and notes.
func importObjectOf(plural string) string {
	switch plural {
	case "tasks", "calls", "meetings", "notes":
		return importer.Activities
	}
	return plural
}

// importAllowed reports whether the actor may import object: the same
// permission the importer asks, creating its records.
func (s *Server) importAllowed(r *http.Request, plural string) bool {
	if s.imports == nil || !slices.Contains(importer.Objects, plural) {
		return false
	}
	return s.imports.MayImport(r.Context(), plural)
}

// importScreen shows the import screen: the upload form, or, with an
// upload, the file as it reads with the settings of the address.
func (s *Server) importScreen(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	data := s.importScreenFor(r, v, q)
	if !s.importAllowed(r, data.Object) {
		s.fail(w, r, v, errNotFound)
		return
	}
	if data.Token != "" {
		u := s.upload(r, data.Token)
		if u == nil {
			data.Token, data.Problems = "", []string{v.p.T("web.import.upload_gone")}
		} else {
			s.previewImport(r, v, data, u, q)
		}
	}
	s.render(w, r, v, http.StatusOK, "import_new", data)
}

// uploadPath is where the import screen uploads its file.
const uploadPath = "/imports/new"

// importUpload keeps the uploaded file and shows the screen with it. The
// form is parsed already, when its CSRF token was checked: a file past
// what fits in memory waits in a temporary file, copied here to one the
// import screen keeps.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, v *visit) {
	object := r.FormValue("object")
	if !s.importAllowed(r, object) {
		s.fail(w, r, v, errNotFound)
		return
	}
	part, header, err := r.FormFile("file")
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.importRefused(w, r, v, object, v.p.T("web.import.upload_failed"))
			return
		}
		s.importRefused(w, r, v, object, v.p.T("web.import.no_file"))
		return
	}
	defer part.Close()
	file, err := s.imports.Spool(part)
	if err != nil {
		s.importRefused(w, r, v, object, v.p.T("web.import.upload_failed"))
		return
	}
	if file.Size() == 0 {
		file.Remove()
		s.importRefused(w, r, v, object, v.p.T("web.import.no_file"))
		return
	}
	a, _ := access.ActorFrom(r.Context())
	u := &upload{file: file, name: uploadName(header.Filename), workspace: a.WorkspaceID, user: a.UserID, at: time.Now()}
	token := s.uploads.add(u)
	http.Redirect(w, r, "/imports/new?"+url.Values{"object": {object}, "upload": {token}}.Encode(), http.StatusSeeOther)
}

// uploadName is the name of an uploaded file, without the folders a
// browser may send.
func uploadName(filename string) string {
	name := filepath.Base(filename)
	if name == "." || name == "/" || name == "" {
		return "import.csv"
	}
	return name
}

func (s *Server) importRefused(w http.ResponseWriter, r *http.Request, v *visit, object, problem string) {
	data := s.importScreenFor(r, v, url.Values{"object": {object}})
	if !s.importAllowed(r, data.Object) {
		s.fail(w, r, v, errNotFound)
		return
	}
	data.Problems = []string{problem}
	s.render(w, r, v, http.StatusUnprocessableEntity, "import_new", data)
}

func (s *Server) upload(r *http.Request, token string) *upload {
	a, err := access.ActorFrom(r.Context())
	if err != nil {
		return nil
	}
	return s.uploads.get(token, a.WorkspaceID, a.UserID)
}

// importScreenFor is the screen of a request: the objects offered are
// those the user may import.
func (s *Server) importScreenFor(r *http.Request, v *visit, q url.Values) *importScreenPage {
	data := s.newImportScreen(v, q)
	data.Objects = slices.DeleteFunc(data.Objects, func(o formOption) bool { return !s.importAllowed(r, o.Value) })
	s.savedMappings(r, v, data, q)
	return data
}

// savedMappings offers the object's saved mappings. One chosen just now
// (the form's "applied" is another) replaces the columns' fields; after
// that, the columns as the user leaves them count, so that a change to
// one column is not undone by the choice still showing.
func (s *Server) savedMappings(r *http.Request, v *visit, data *importScreenPage, q url.Values) {
	list, err := s.imports.Mappings(r.Context(), data.Object)
	if err != nil {
		data.Saved = ""
		return
	}
	data.SavedMappings = []formOption{{Value: "", Label: v.p.T("web.import.saved.none")}}
	found := false
	for _, m := range list {
		data.SavedMappings = append(data.SavedMappings, formOption{Value: m.ID, Label: m.Name})
		if m.ID == data.Saved {
			found = true
			if data.Saved != q.Get("applied") {
				data.apply = m.Mapping
			}
		}
	}
	if !found {
		data.Saved = ""
	}
}

// newImportScreen is the screen with the options of q and their choices.
func (s *Server) newImportScreen(v *visit, q url.Values) *importScreenPage {
	p := v.p
	data := &importScreenPage{frame: frame{Nav: "imports"}, Object: q.Get("object"), Token: q.Get("upload"),
		Encoding: q.Get("encoding"), Delimiter: q.Get("delimiter"), Quoting: q.Get("quoting"), Sheet: q.Get("sheet"),
		Dates: q.Get("dates"), OnDuplicate: q.Get("on_duplicate"), Match: q.Get("match"),
		Strict: q.Get("strict") == "on", Silent: q.Get("silent") == "on", Saved: q.Get("saved"), SaveAs: strings.TrimSpace(q.Get("save_as")), Errors: map[string]string{}}
	if !slices.Contains(importer.Objects, data.Object) {
		data.Object = "contacts"
	}
	if data.OnDuplicate == "" {
		data.OnDuplicate = importer.Skip
	}
	for _, o := range importer.Objects {
		data.Objects = append(data.Objects, formOption{Value: o, Label: objectTitle(p, o)})
	}
	data.Encodings = []formOption{{Value: "", Label: p.T("web.import.detect")}}
	for _, e := range []string{"utf-8", "utf-16le", "utf-16be", "windows-1251", "koi8-r", "ibm866", "windows-1250", "iso-8859-2", "windows-1257", "iso-8859-13", "windows-1252"} {
		data.Encodings = append(data.Encodings, formOption{Value: e, Label: strings.ToUpper(e)})
	}
	data.Delimiters = []formOption{{Value: "", Label: p.T("web.import.detect")}, {Value: ",", Label: p.T("web.import.delimiter.comma")},
		{Value: ";", Label: p.T("web.import.delimiter.semicolon")}, {Value: "tab", Label: p.T("web.import.delimiter.tab")},
		{Value: "|", Label: p.T("web.import.delimiter.bar")}}
	data.Quotings = []formOption{{Value: "", Label: p.T("web.import.detect")}, {Value: "double", Label: p.T("web.import.quoting.double")},
		{Value: "none", Label: p.T("web.import.quoting.none")}}
	data.DateChoices = []formOption{{Value: "", Label: p.T("web.import.dates.detect")}, {Value: "day", Label: p.T("web.import.dates.day")},
		{Value: "month", Label: p.T("web.import.dates.month")}}
	data.Policies = []formOption{{Value: importer.Skip, Label: p.T("web.import.policy.skip")}, {Value: importer.Update, Label: p.T("web.import.policy.update")},
		{Value: importer.Create, Label: p.T("web.import.policy.create")}}
	data.Keys = matchKeys(p, data.Object)
	return data
}

// matchKeys are the keys the rows of an import of object may match
// records on: what a file of it can hold.
func matchKeys(p *locale.Printer, object string) []formOption {
	external := formOption{Value: "external_id", Label: p.T("web.import.match.external_id")}
	switch object {
	case "products":
		return []formOption{{Value: "", Label: p.T("web.import.match.auto_sku")}, {Value: "sku", Label: p.T("web.import.match.sku")}, external}
	case importer.Activities:
		return []formOption{{Value: "", Label: p.T("web.import.match.none")}, external}
	}
	return []formOption{{Value: "", Label: p.T("web.import.match.auto")}, {Value: "email", Label: p.T("web.import.match.email")},
		{Value: "phone", Label: p.T("web.import.match.phone")}, external}
}

func objectTitle(p *locale.Printer, plural string) string {
	switch plural {
	case "contacts":
		return p.T("object.contacts.name")
	case "companies":
		return p.T("object.companies.name")
	case "deals":
		return p.T("object.deals.name")
	case "products":
		return p.T("object.products.name")
	case importer.Activities:
		return p.T("web.import.object.activities")
	}
	return plural
}

// options are the importer's options as the screen's form gives them.
// The mapping applies only to the header it was made for.
func (data *importScreenPage) options(q url.Values, header []string) importer.Options {
	opts := importer.Options{Object: data.Object, FileName: data.FileName, OnDuplicate: data.OnDuplicate, Match: data.Match,
		Strict: data.Strict, Silent: data.Silent, Dates: data.Dates}
	opts.Read.Encoding, opts.Read.Quoting, opts.Read.Sheet = data.Encoding, tabular.Quoting(data.Quoting), data.Sheet
	switch data.Delimiter {
	case "tab":
		opts.Read.Delimiter = '\t'
	case ",", ";", "|":
		opts.Read.Delimiter = rune(data.Delimiter[0])
	}
	switch {
	case header != nil && data.apply != nil:
		// A saved mapping is made for a file of the same kind: the
		// columns this file lacks are passed over.
		opts.Mapping = map[string]string{}
		for _, h := range header {
			if f, ok := data.apply[h]; ok {
				opts.Mapping[h] = f
			}
		}
	case header != nil && q.Get("layout") == layoutOf(data.Object, header):
		opts.Mapping = map[string]string{}
		for i, h := range header {
			if f, ok := q["col."+strconv.Itoa(i)]; ok {
				opts.Mapping[h] = f[0]
			}
		}
	}
	return opts
}

// layoutOf is a short digest of an object and a file's header: a
// mapping is made for both.
func layoutOf(object string, header []string) string {
	sum := sha256.Sum256([]byte(object + "\x00" + strings.Join(header, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// previewImport fills the screen with the file as read: the settings,
// the first rows, the mapping.
func (s *Server) previewImport(r *http.Request, v *visit, data *importScreenPage, u *upload, q url.Values) {
	data.FileName = u.name
	f, size := u.file, u.file.Size()
	// The header is read first with the read settings alone, to tell
	// whether the mapping posted was made for it.
	sample, err := tabular.Preview(f, size, u.name, data.options(q, nil).Read, 0)
	var header []string
	if err == nil {
		header = sample.Header
	}
	pv, err := s.imports.Preview(r.Context(), f, size, data.options(q, header), previewRows)
	if err != nil {
		s.importProblems(v, data, err)
		return
	}
	if pv.Check != nil {
		s.importProblems(v, data, pv.Check)
	}
	data.Settings, data.Header, data.Layout = pv.Sample.Settings, pv.Sample.Header, layoutOf(data.Object, pv.Sample.Header)
	data.FoundDelimiter, data.FoundQuoting = data.Settings.Delimiter, string(data.Settings.Quoting)
	for _, o := range data.Delimiters {
		if o.Value != "" && (o.Value == data.Settings.Delimiter || o.Value == "tab" && data.Settings.Delimiter == "\t") {
			data.FoundDelimiter = o.Label
		}
	}
	for _, o := range data.Quotings {
		if o.Value != "" && o.Value == string(data.Settings.Quoting) {
			data.FoundQuoting = o.Label
		}
	}
	for _, row := range pv.Sample.Rows {
		pr := previewRow{Number: row.Number, Cells: row.Fields}
		if row.Err != nil {
			pr.Error = row.Err.Error()
		}
		data.Rows = append(data.Rows, pr)
	}
	choices := []formOption{{Value: "", Label: v.p.T("web.import.skip_column")}}
	known := map[string]bool{"": true}
	for _, f := range pv.Choices {
		choices = append(choices, formOption{Value: f.Name, Label: importFieldLabel(v.p, f)})
		known[f.Name] = true
	}
	if pv.MakesFields {
		for _, o := range newFieldChoices(v.p) {
			choices = append(choices, o)
			known[o.Value] = true
		}
	}
	made := map[string]importer.MadeField{}
	for _, f := range pv.NewFields {
		made[f.Column] = f
	}
	for i, h := range pv.Sample.Header {
		c := mappedColumn{Index: i, Header: h, Field: pv.Fields[i], Choices: choices}
		if f, ok := made[h]; ok {
			c.Makes = v.p.T("web.import.new_field.makes", "name", f.Name, "type", setTypeLabel(v.p, f.Type))
		}
		if !known[c.Field] {
			c.Choices = append(slices.Clip(choices), formOption{Value: c.Field, Label: c.Field})
		}
		for _, row := range pv.Sample.Rows {
			if i < len(row.Fields) && strings.TrimSpace(row.Fields[i]) != "" {
				c.Example = row.Fields[i]
				break
			}
		}
		data.Columns = append(data.Columns, c)
	}
}

// newFieldChoices are the choices that make a new custom field of a
// column: its type read from the values, or one given (decision 0063).
func newFieldChoices(p *locale.Printer) []formOption {
	return []formOption{{Value: importer.NewField, Label: p.T("web.import.new_field")},
		{Value: importer.NewField + ":text", Label: p.T("web.import.new_field.text")},
		{Value: importer.NewField + ":number", Label: p.T("web.import.new_field.number")},
		{Value: importer.NewField + ":date", Label: p.T("web.import.new_field.date")}}
}

// importFieldLabel names a field a column may fill, in the user's words.
func importFieldLabel(p *locale.Printer, f *records.Field) string {
	if f.Name == importer.ExternalID {
		return p.T("web.import.external_id")
	}
	if label := activityFieldLabel(p, f.Name); label != "" {
		return label
	}
	base, part, ok := strings.Cut(f.Name, ".")
	label := fieldLabel(p, base)
	if f.Custom && f.Label != "" {
		label = f.Label
	}
	if !ok {
		return label
	}
	switch part {
	case "city":
		part = p.T("web.import.part.city")
	case "region":
		part = p.T("web.import.part.region")
	case "postal_code":
		part = p.T("web.import.part.postal_code")
	case "country":
		part = p.T("web.import.part.country")
	case "street":
		part = p.T("web.import.part.street")
	case "amount":
		part = p.T("web.import.part.amount")
	case "currency":
		part = p.T("web.import.part.currency")
	}
	return label + " · " + part
}

// activityFieldLabel names the columns of an activities file that no
// other import has (due_at is only a task's), or "".
func activityFieldLabel(p *locale.Printer, name string) string {
	switch name {
	case "kind":
		return p.T("web.import.activity.kind")
	case "due_at":
		return p.T("web.import.activity.due_at")
	case "due_time":
		return p.T("web.import.activity.due_time")
	case "ends_at":
		return p.T("web.import.activity.ends_at")
	case "duration":
		return p.T("web.import.activity.duration")
	case "direction":
		return p.T("web.import.activity.direction")
	case "phone":
		return p.T("web.import.activity.phone")
	case "call_result":
		return p.T("web.import.activity.call_result")
	case "recording_url":
		return p.T("web.import.activity.recording_url")
	case "place":
		return p.T("web.import.activity.place")
	case "body":
		return p.T("web.import.activity.body")
	case "contact":
		return p.T("web.import.activity.contact")
	case "company":
		return p.T("web.import.activity.company")
	case "deal":
		return p.T("web.import.activity.deal")
	}
	return ""
}

// importProblems shows why the importer refused: each field's problem
// beside its option, the rest above the form.
func (s *Server) importProblems(v *visit, data *importScreenPage, err error) {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID && fe.Code != fault.EFORBIDDEN {
		data.Problems = append(data.Problems, v.p.T("web.problem.broken.text"))
		return
	}
	if fe.Code == fault.EFORBIDDEN {
		data.Problems = append(data.Problems, v.p.T("web.problem.forbidden.text"))
		return
	}
	for _, f := range fe.Fields {
		msg := v.p.FieldError(f)
		switch f.Field {
		case "dates", "match", "on_duplicate", "decimal_mark":
			data.Errors[f.Field] = msg
		case "file":
			data.Problems = append(data.Problems, v.p.T("web.import.unreadable", "reason", f.Message))
		default:
			// The mapping's problems name columns, which the engine's
			// words say best.
			data.Problems = append(data.Problems, msg+" "+f.Message)
		}
	}
	if len(fe.Fields) == 0 {
		data.Problems = append(data.Problems, fe.Message)
	}
}

// screenFromForm reads the posted screen and its upload.
func (s *Server) screenFromForm(w http.ResponseWriter, r *http.Request, v *visit) (*importScreenPage, *upload, url.Values, bool) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, v, errNotFound)
		return nil, nil, nil, false
	}
	q := r.PostForm
	data := s.importScreenFor(r, v, q)
	if !s.importAllowed(r, data.Object) {
		s.fail(w, r, v, errNotFound)
		return nil, nil, nil, false
	}
	u := s.upload(r, data.Token)
	if u == nil {
		data.Token, data.Problems = "", []string{v.p.T("web.import.upload_gone")}
		s.render(w, r, v, http.StatusConflict, "import_new", data)
		return nil, nil, nil, false
	}
	return data, u, q, true
}

// importDryRun runs the import as it would run and rolls it back,
// showing the counts and what the first rows would do.
func (s *Server) importDryRun(w http.ResponseWriter, r *http.Request, v *visit) {
	data, u, q, ok := s.screenFromForm(w, r, v)
	if !ok {
		return
	}
	s.previewImport(r, v, data, u, q)
	if len(data.Problems) > 0 || len(data.Errors) > 0 {
		s.render(w, r, v, refusedStatus(r), "import_new", data)
		return
	}
	opts := data.options(q, data.Header)
	opts.DryRun = true
	dry := &dryRunView{}
	opts.OnRow = func(res importer.RowResult) {
		if len(dry.Outcomes) < dryRunRows {
			dry.Outcomes = append(dry.Outcomes, rowOutcome{Row: res.Row, Action: res.Action, Label: outcomeLabel(v.p, res.Action),
				Record: res.RecordID, Reason: res.Reason})
		}
	}
	sum, err := s.imports.Run(r.Context(), u.file, u.file.Size(), opts)
	if err != nil {
		s.importProblems(v, data, err)
		s.render(w, r, v, refusedStatus(r), "import_new", data)
		return
	}
	dry.ID, dry.Rows, dry.Created, dry.Updated, dry.Skipped, dry.Failed = sum.ID, sum.Rows, sum.Created, sum.Updated, sum.Skipped, sum.Failed
	dry.More = max(sum.Rows-len(dry.Outcomes), 0)
	if len(sum.Problems) > 0 {
		dry.Errors = "/imports/" + sum.ID + "/errors"
	}
	data.Dry = dry
	s.render(w, r, v, http.StatusOK, "import_new", data)
}

// refusedStatus is the status of the screen shown again with what was
// refused: htmx swaps only a success in, so its requests get 200.
func refusedStatus(r *http.Request) int {
	if r.Header.Get("HX-Request") == "true" {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

func outcomeLabel(p *locale.Printer, action string) string {
	switch action {
	case importer.Created:
		return p.T("web.import.action.created")
	case importer.Updated:
		return p.T("web.import.action.updated")
	case importer.Skipped:
		return p.T("web.import.action.skipped")
	case importer.Failed:
		return p.T("web.import.action.failed")
	}
	return action
}

// importStart starts the import in the background and shows its page,
// where its progress runs live. The import owns the upload from then on.
func (s *Server) importStart(w http.ResponseWriter, r *http.Request, v *visit) {
	data, u, q, ok := s.screenFromForm(w, r, v)
	if !ok {
		return
	}
	s.previewImport(r, v, data, u, q)
	if len(data.Problems) > 0 || len(data.Errors) > 0 {
		s.render(w, r, v, http.StatusUnprocessableEntity, "import_new", data)
		return
	}
	if !s.saveImportMapping(r, v, data) {
		s.render(w, r, v, http.StatusUnprocessableEntity, "import_new", data)
		return
	}
	// The upload is taken before the import starts, so that a second
	// click cannot start it twice; it is put back if the start fails.
	a, _ := access.ActorFrom(r.Context())
	if s.uploads.take(data.Token, a.WorkspaceID, a.UserID) == nil {
		data.Token, data.Problems = "", []string{v.p.T("web.import.upload_gone")}
		s.render(w, r, v, http.StatusConflict, "import_new", data)
		return
	}
	id, err := s.imports.Start(r.Context(), u.file, data.options(q, data.Header), nil)
	if err != nil {
		s.uploads.put(data.Token, u)
		s.importProblems(v, data, err)
		s.render(w, r, v, http.StatusUnprocessableEntity, "import_new", data)
		return
	}
	http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
}

// saveImportMapping saves the columns' fields, as the screen shows them,
// under the name the user gave, before the import starts; it reports
// false, with the problem beside the name, when the name cannot be used.
func (s *Server) saveImportMapping(r *http.Request, v *visit, data *importScreenPage) bool {
	if data.SaveAs == "" {
		return true
	}
	mapping := map[string]string{}
	for _, c := range data.Columns {
		// A saved mapping names fields that exist: a column the import
		// makes a field of is saved once it has (decision 0063).
		if !importer.IsNewField(c.Field) {
			mapping[c.Header] = c.Field
		}
	}
	_, err := s.imports.SaveMapping(r.Context(), importer.MappingInput{Object: &data.Object, Name: &data.SaveAs, Mapping: &mapping})
	var fe *fault.Error
	switch {
	case err == nil:
		return true
	case errors.As(err, &fe) && len(fe.Fields) > 0 && fe.Fields[0].Field == "name":
		data.Errors["save_as"] = v.p.FieldError(fe.Fields[0])
	default:
		s.importProblems(v, data, err)
	}
	return false
}

// importsPage is the log of imports: the user's own, or an
// administrator's everyone's.
type importsPage struct {
	frame
	Imports []importRow
	New     []formOption // the objects the user may import, with the screen's address
}

// importRow is one import as the log and its page show it.
type importRow struct {
	ID, Href, When, Who, File, Object, Status, StatusLabel string
	Rows, Created, Updated, Skipped, Failed                int
	Errors                                                 string // the error report's address, when it has lines
	Silent                                                 bool   // it told nobody of its records
	NewFields                                              string // the fields it made, by label
}

func (s *Server) importsLog(w http.ResponseWriter, r *http.Request, v *visit) {
	list, err := s.imports.List(r.Context(), 100)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	names := s.importUsers(r)
	data := &importsPage{frame: frame{Nav: "imports"}}
	for _, o := range importer.Objects {
		if s.importAllowed(r, o) {
			data.New = append(data.New, formOption{Value: "/imports/new?object=" + o, Label: objectTitle(v.p, o)})
		}
	}
	for _, sum := range list {
		data.Imports = append(data.Imports, s.importRowOf(v, sum, names))
	}
	s.render(w, r, v, http.StatusOK, "imports", data)
}

func (s *Server) importRowOf(v *visit, sum *importer.Summary, names map[string]string) importRow {
	row := importRow{ID: sum.ID, Href: "/imports/" + sum.ID, When: v.moment(sum.CreatedAt), Who: names[sum.UserID], File: sum.FileName,
		Object: objectTitle(v.p, sum.Object), Status: sum.Status, StatusLabel: importStatus(v.p, sum.Status),
		Rows: sum.Rows, Created: sum.Created, Updated: sum.Updated, Skipped: sum.Skipped, Failed: sum.Failed, Silent: sum.Silent}
	var made []string
	for _, f := range sum.NewFields {
		made = append(made, f.Label)
	}
	row.NewFields = strings.Join(made, ", ")
	if sum.Failed > 0 || sum.Status == importer.StatusRefused || sum.Status == importer.StatusCommitted || sum.Status == importer.StatusDryRun {
		row.Errors = "/imports/" + sum.ID + "/errors"
	}
	return row
}

// importUsers are the names of the workspace's users by id, for the
// log; without them the log still shows the imports.
func (s *Server) importUsers(r *http.Request) map[string]string {
	out := map[string]string{}
	if err := s.userNames(r, out); err != nil {
		s.logger(r).Warn("import log: users", "err", err)
	}
	return out
}

func importStatus(p *locale.Printer, status string) string {
	switch status {
	case importer.StatusRunning:
		return p.T("web.import.status.running")
	case importer.StatusCommitted:
		return p.T("web.import.status.committed")
	case importer.StatusDryRun:
		return p.T("web.import.status.dry_run")
	case importer.StatusRefused:
		return p.T("web.import.status.refused")
	case importer.StatusFailed:
		return p.T("web.import.status.failed")
	case importer.StatusUndone:
		return p.T("web.import.status.undone")
	case importer.StatusCancelled:
		return p.T("web.import.status.cancelled")
	case importer.StatusInterrupted:
		return p.T("web.import.status.interrupted")
	case importer.StatusDiscarded:
		return p.T("web.import.status.discarded")
	}
	return status
}

// importStatePage is one import: while it runs, its progress, which the
// page polls every second; then its outcome, its error report and undo.
type importStatePage struct {
	frame
	Import     importRow
	ObjectPath string // the list of the imported object
	Running    bool
	Cancel     bool // this process runs it, so it can be stopped
	Resume     bool // interrupted, with its file kept here
	Progress   *progressView
	Error      string
	Undoable   bool
	Problems   []importProblem
	Problem    string
	Again      string // the screen's address, for an import to run again
}

// progressView is how far a running import has come, in words.
type progressView struct {
	Rows, Total int64
	Percent     int
	Text        string
	Duplicates  bool
}

// importProblem is one line of the error report.
type importProblem struct {
	Row                   int
	Column, Value, Reason string
	Kept                  bool
}

func (s *Server) importState(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showImport(w, r, v, http.StatusOK, "")
}

func (s *Server) showImport(w http.ResponseWriter, r *http.Request, v *visit, status int, problem string) {
	id := r.PathValue("id")
	sum, err := s.imports.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &importStatePage{frame: frame{Nav: "imports"}, Import: s.importRowOf(v, sum, s.importUsers(r)), ObjectPath: "/" + sum.Object,
		Problem: problem}
	switch sum.Status {
	case importer.StatusRunning:
		data.Running, data.Cancel = true, s.imports.Cancellable(id)
		data.Progress = progressOf(v.p, sum.Progress)
	case importer.StatusCommitted:
		data.Undoable = true
	case importer.StatusFailed:
		data.Error = sum.Error
		data.Again = "/imports/new?object=" + sum.Object
	case importer.StatusInterrupted, importer.StatusCancelled:
		data.Again = "/imports/new?object=" + sum.Object
		data.Resume = sum.Resumable
	}
	for _, p := range sum.Problems {
		data.Problems = append(data.Problems, importProblem{Row: p.Row, Column: p.Column, Value: p.Value, Reason: p.Reason, Kept: p.Kept})
	}
	s.render(w, r, v, status, "import", data)
}

// progressOf words a running import's progress: rows done of how many,
// rows a second, and the time left.
func progressOf(p *locale.Printer, pr *importer.Progress) *progressView {
	if pr == nil {
		return &progressView{Text: p.T("web.import.progress.elsewhere")}
	}
	// After the rows come the phases for all of them at once, whose
	// length the import cannot tell.
	out := &progressView{Rows: pr.Rows, Total: pr.Total, Duplicates: pr.Phase == "duplicates" || pr.Phase == "indexes"}
	if pr.Total > 0 {
		out.Percent = int(min(100, pr.Rows*100/pr.Total))
	}
	rate := p.Number(math.Round(pr.RowsPerSecond), 0)
	switch {
	case pr.Phase == "indexes":
		out.Text = p.T("web.import.progress.indexes")
	case out.Duplicates:
		out.Text = p.T("web.import.progress.duplicates")
	case pr.Total > 0:
		left := time.Duration(pr.SecondsLeft * float64(time.Second)).Round(time.Second)
		out.Text = p.T("web.import.progress.of", "rows", p.Number(float64(pr.Rows), 0), "total", p.Number(float64(pr.Total), 0),
			"rate", rate, "left", left.String())
	default:
		out.Text = p.T("web.import.progress.rows", "rows", p.Number(float64(pr.Rows), 0), "rate", rate)
	}
	return out
}

// importErrors downloads an import's error report as CSV.
func (s *Server) importErrors(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if _, err := s.imports.Get(r.Context(), id); err != nil {
		s.fail(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+id+`-errors.csv"`)
	if err := s.imports.WriteErrors(r.Context(), id, w); err != nil {
		s.logger(r).Warn("import error report cut short", "import", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// importCancel stops a running import, which rolls back whole.
func (s *Server) importCancel(w http.ResponseWriter, r *http.Request, v *visit) {
	s.importControl(w, r, v, s.imports.Cancel, v.p.T("web.import.cancel_late"))
}

// importUndo undoes a committed import, or says why it cannot.
func (s *Server) importUndo(w http.ResponseWriter, r *http.Request, v *visit) {
	s.importControl(w, r, v, s.imports.Undo, v.p.T("web.import.undo_refused"))
}

// importControl runs control on the import of the path and shows it
// again; an import no longer in a state the control applies to is shown
// with refused.
func (s *Server) importControl(w http.ResponseWriter, r *http.Request, v *visit,
	control func(ctx context.Context, id string) (*importer.Summary, error), refused string) {
	id := r.PathValue("id")
	if _, err := control(r.Context(), id); err != nil {
		if fault.Code(err) == fault.ECONFLICT {
			s.showImport(w, r, v, http.StatusConflict, refused)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
}

// importResume runs an interrupted import again from its kept file and
// shows it running, or says why it cannot.
func (s *Server) importResume(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	_, err := s.imports.Resume(r.Context(), id, nil)
	var fe *fault.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
	case fault.Code(err) == fault.ECONFLICT:
		s.showImport(w, r, v, http.StatusConflict, v.p.T("web.import.resume_refused"))
	case fault.Code(err) == fault.EFORBIDDEN:
		s.showImport(w, r, v, http.StatusForbidden, v.p.T("web.problem.forbidden.text"))
	case errors.As(err, &fe) && fe.Code == fault.EINVALID:
		s.showImport(w, r, v, http.StatusUnprocessableEntity, v.p.T("web.import.resume_invalid", "reason", fe.Error()))
	default:
		s.fail(w, r, v, err)
	}
}

// importDiscard gives up an interrupted import, removing its kept file.
func (s *Server) importDiscard(w http.ResponseWriter, r *http.Request, v *visit) {
	s.importControl(w, r, v, s.imports.Discard, v.p.T("web.import.discard_late"))
}

// exampleImportScreen is the screen with a file read, mapped and tried,
// for the tests that render every page.
func exampleImportScreen(p *locale.Printer) page {
	data := (&Server{}).newImportScreen(&visit{p: p}, url.Values{"object": {"contacts"}, "upload": {"t"}})
	data.FileName, data.Layout = "people <b>.csv", "x"
	data.Settings = tabular.Settings{Format: tabular.CSV, Encoding: "windows-1251", Delimiter: ";", Quoting: tabular.QuoteDouble}
	data.Header = []string{"Имя <b>", "E-mail"}
	data.Rows = []previewRow{{Number: 2, Cells: []string{"Иван", "ivan@example.com"}}, {Number: 3, Cells: []string{"x"}, Error: "row 3: wrong <b>"}}
	choices := []formOption{{Value: "", Label: p.T("web.import.skip_column")}, {Value: "first_name", Label: fieldLabel(p, "first_name")},
		{Value: "address.city", Label: importFieldLabel(p, &records.Field{Name: "address.city"})}}
	data.Columns = []mappedColumn{{Index: 0, Header: "Имя <b>", Example: "Иван", Field: "first_name", Choices: choices},
		{Index: 1, Header: "E-mail", Field: "", Choices: choices},
		{Index: 2, Header: "Punkty <b>", Field: importer.NewField, Choices: append(choices, newFieldChoices(p)...),
			Makes: p.T("web.import.new_field.makes", "name", "punkty", "type", setTypeLabel(p, records.Decimal))}}
	data.Silent = true
	data.Errors["dates"] = p.FieldError(fault.FieldError{Field: "dates", Code: "ambiguous"})
	data.SavedMappings = []formOption{{Value: "", Label: p.T("web.import.saved.none")}, {Value: "7", Label: "Old <b> CRM"}}
	data.Saved, data.SaveAs = "7", "Old <b> CRM 2"
	data.Errors["save_as"] = p.FieldError(fault.FieldError{Field: "name", Code: "taken"})
	data.Problems = []string{p.T("web.import.upload_gone")}
	data.Dry = &dryRunView{ID: "1", Rows: 2, Created: 1, Failed: 1, More: 3, Errors: "/imports/1/errors",
		Outcomes: []rowOutcome{{Row: 2, Action: "created", Label: outcomeLabel(p, "created")}, {Row: 3, Action: "failed", Label: outcomeLabel(p, "failed"), Reason: "<b>bad</b>"}}}
	return data
}
