package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
)

// MaxImport is the largest file POST /api/v1/imports takes: some four
// million rows of a typical contacts export.
const MaxImport = 512 << 20

// rawBodies are the routes whose body is a file rather than JSON, with
// their size limit: their body is not vetted as JSON, and the file's
// reader checks its text row by row.
var rawBodies = map[string]int64{"POST /api/v1/imports": MaxImport}

// importParams are the options of an import, in the query string.
var importParams = []string{"object", "file_name", "on_duplicate", "match", "strict", "dry_run", "silent", "dates", "decimal_mark", "mapping", "mapping_id",
	"encoding", "delimiter", "sheet", "background"}

// importRoutes adds the import of a file, its log, its error report and
// its undo.
func (s *Server) importRoutes(route router) {
	route("POST /api/v1/imports", s.importFile, importParams...)
	route("GET /api/v1/imports", s.listImports, "limit")
	route("GET /api/v1/imports/{id}", s.getImport)
	route("GET /api/v1/imports/{id}/errors", s.importErrors)
	route("POST /api/v1/imports/{id}/undo", s.undoImport)
	route("POST /api/v1/imports/{id}/cancel", s.cancelImport)
	route("POST /api/v1/imports/{id}/resume", s.resumeImport)
	route("POST /api/v1/imports/{id}/discard", s.discardImport)
}

// maxRowsShown bounds the rows a dry run's answer lists one by one; the
// counts cover them all.
const maxRowsShown = 1000

// importAnswer is the summary, with the first rows of a dry run.
type importAnswer struct {
	*importer.Summary
	RowResults []importer.RowResult `json:"row_results,omitempty"`
}

// importFile imports the request's body, a CSV or XLSX file sent as it is
// or as the "file" part of a multipart form, with the options in the
// query string. The file is spooled to disk, never held in memory.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request) {
	opts, err := importOptions(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The server's timeouts suit pages, not a file of a million rows.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(importTimeout))
	rc.SetWriteDeadline(time.Now().Add(importTimeout))
	background := false
	if b := r.URL.Query().Get("background"); b != "" {
		if background, err = strconv.ParseBool(b); err != nil {
			writeError(w, r, fault.Field("background", "type", "must be true or false"))
			return
		}
	}
	f, name, err := s.spool(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if opts.FileName == "" {
		opts.FileName = name
	}
	if background {
		// The import owns the file from then on, and removes it when it
		// ends.
		id, err := s.imports.Start(r.Context(), f, opts, nil)
		if err != nil {
			f.Remove()
			writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/imports/"+id)
		writeJSON(w, r, http.StatusAccepted, map[string]string{"id": id, "status": importer.StatusRunning})
		return
	}
	defer f.Remove()
	var shown []importer.RowResult
	if opts.DryRun {
		opts.OnRow = func(res importer.RowResult) {
			if len(shown) < maxRowsShown {
				shown = append(shown, res)
			}
		}
	}
	sum, err := s.imports.Run(r.Context(), f, f.Size(), opts)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if len(sum.Problems) > 100 {
		sum.Problems = sum.Problems[:100]
	}
	status := http.StatusOK
	if sum.Status == importer.StatusCommitted {
		status = http.StatusCreated
	}
	writeJSON(w, r, status, importAnswer{Summary: sum, RowResults: shown})
}

// importOptions reads the query string, naming the parameter of each
// mistake.
func importOptions(r *http.Request) (importer.Options, error) {
	v := r.URL.Query()
	opts := importer.Options{Object: v.Get("object"), FileName: v.Get("file_name"), OnDuplicate: v.Get("on_duplicate"),
		Match: v.Get("match"), Dates: v.Get("dates")}
	if opts.Object == "" {
		opts.Object = "contacts"
	}
	var c fault.Collector
	flags := map[string]*bool{"strict": &opts.Strict, "dry_run": &opts.DryRun, "silent": &opts.Silent}
	for _, name := range []string{"strict", "dry_run", "silent"} {
		if s := v.Get(name); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				c.Add(name, "type", "must be true or false")
			}
			*flags[name] = b
		}
	}
	if m := v.Get("decimal_mark"); m != "" {
		if m != "." && m != "," {
			c.Add("decimal_mark", "option", "must be . or ,")
		} else {
			opts.DecimalMark = rune(m[0])
		}
	}
	if m := v.Get("mapping"); m != "" {
		mapping, err := importer.ParseMapping([]byte(m))
		if err != nil {
			c.Add("mapping", "json", `must be a JSON object of column header to field name, {"Mobile": "phones", "Notes": ""}`)
		}
		opts.Mapping = mapping
	}
	opts.MappingID = v.Get("mapping_id")
	if opts.MappingID != "" && v.Has("mapping") {
		c.Add("mapping_id", "conflict", "give mapping or mapping_id, not both")
	}
	if d := v.Get("delimiter"); d != "" {
		switch {
		case d == "tab":
			opts.Read.Delimiter = '\t'
		case utf8.RuneCountInString(d) == 1 && strings.ContainsAny(d, ",;|\t"):
			opts.Read.Delimiter, _ = utf8.DecodeRuneInString(d)
		default:
			c.Add("delimiter", "option", "must be one of , ; | or tab")
		}
	}
	opts.Read.Encoding, opts.Read.Sheet = v.Get("encoding"), v.Get("sheet")
	if opts.FileName != "" && strings.ContainsAny(opts.FileName, `/\`) {
		c.Add("file_name", "format", "must be a file's name, without folders")
	}
	return opts, c.Err()
}

// spool copies the file of the request to a file of the importer's,
// which the reader needs to read at any offset (XLSX) and twice (the
// sample that decides dates and numbers).
func (s *Server) spool(r *http.Request) (*importer.File, string, error) {
	var src io.Reader = r.Body
	name := "import.csv"
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, "", fault.Field("file", "required", `the form has no "file" part`)
			}
			if err != nil {
				return nil, "", bodyErr(err)
			}
			if part.FormName() == "file" {
				src = part
				if fn := part.FileName(); fn != "" {
					name = fn
				}
				break
			}
		}
	case strings.Contains(ct, "spreadsheetml"):
		name = "import.xlsx"
	}
	f, err := s.imports.Spool(src)
	if err != nil {
		return nil, "", bodyErr(err)
	}
	if f.Size() == 0 {
		f.Remove()
		return nil, "", fault.Field("file", "required", "send the file as the request's body, or as the \"file\" part of a multipart form")
	}
	return f, name, nil
}

// bodyErr passes a body too large on as such; anything else is the
// client's connection failing.
func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return &bodyError{err}
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			writeError(w, r, fault.Field("limit", "range", "must be a whole number from 1 to 500"))
			return
		}
		limit = n
	}
	list, err := s.imports.List(r.Context(), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.imports.Get(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, sum, err)
}

// importErrors answers the error report as CSV. The import is looked up
// first, so that an unknown one is a 404 rather than an empty file.
func (s *Server) importErrors(w http.ResponseWriter, r *http.Request) {
	im := s.imports
	id := r.PathValue("id")
	if _, err := im.Get(r.Context(), id); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+id+`-errors.csv"`)
	if err := im.WriteErrors(r.Context(), id, w); err != nil {
		logger(r.Context()).Warn("import error report cut short", "import", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) undoImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.imports.Undo(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, sum, err)
}

// cancelImport stops an import running in the background: it rolls
// back, and the answer is its log, cancelled.
func (s *Server) cancelImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.imports.Cancel(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, sum, err)
}

// resumeImport runs an interrupted import again in the background, from
// the file it kept: 202 with its log, running again.
func (s *Server) resumeImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.imports.Resume(r.Context(), r.PathValue("id"), nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+sum.ID)
	writeJSON(w, r, http.StatusAccepted, sum)
}

// discardImport gives an interrupted import up: its kept file is
// removed, and its log says discarded.
func (s *Server) discardImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.imports.Discard(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, sum, err)
}

// importTimeout is how long an import request may take: a million rows
// take minutes.
const importTimeout = time.Hour

// addImportPaths describes the import endpoints.
func addImportPaths(paths obj) {
	tags := []string{"imports"}
	id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "schema": schema, "description": desc}
	}
	enum := func(vals ...string) obj { return obj{"enum": vals} }
	boolean := obj{"type": "boolean"}
	summary := obj{"description": "the import's summary: status (running, committed, dry_run, refused, failed, undone, cancelled, interrupted, discarded), " +
		"counts, mapping and the first problems; while running, its progress (rows, total, rows_per_second, seconds_left, phase); " +
		"resumable when an interrupted import's file is kept on this server",
		"content": obj{"application/json": obj{}}}
	paths["/imports"] = obj{
		"post": obj{"tags": tags, "operationId": "import_file",
			"description": "Imports a CSV or XLSX file, sent as the body or as the \"file\" part of a multipart form, in one transaction: " +
				"rows with errors are skipped and listed, the rest commit; with strict, any row error refuses the whole file; a dry run " +
				"does everything and rolls back, listing what the first 1000 rows would do. 201 when committed, 200 for a dry run or a refusal, " +
				"202 in the background.",
			"parameters": []obj{
				q("object", "contacts when absent; activities fills tasks, calls, meetings and notes by a kind column", enum(importerObjects()...)),
				q("file_name", "the name the log keeps", str()),
				q("on_duplicate", "skip when absent", enum("skip", "update", "create")),
				q("match", "email when a column holds e-mails, a product's sku when a column holds SKUs, else none; sku for products only", enum(importer.Matches...)),
				q("strict", "refuse the whole file on any row error", boolean),
				q("dry_run", "roll back at the end", boolean),
				q("silent", "tell nobody: no notifications, webhook deliveries or assignment rules for the imported records "+
					"(search, duplicates and totals as ever); anyone who may import may choose it, the log keeps it", boolean),
				q("dates", "day-first or month-first, when the file cannot tell", enum("day", "month")),
				q("decimal_mark", "when the file cannot tell", enum(".", ",")),
				q("mapping", `JSON: column header to field, over the guess; "" leaves a column out; "new", "new:TYPE" or "new:TYPE:NAME" `+
					`makes a custom field of the column in the import's transaction (TYPE text, long_text, number, integer, decimal, date, boolean, url; `+
					`when absent number or date if every value reads so, else text; NAME from the header when absent; label the header); `+
					`a name in use or not snake_case is a 400 naming mapping; the summary's new_fields lists them`, str()),
				q("mapping_id", "a saved mapping of the object (GET /import-mappings), instead of mapping", str()),
				q("encoding", "a WHATWG label; detected when absent", str()),
				q("delimiter", "detected when absent", enum(",", ";", "|", "tab")),
				q("sheet", "the XLSX sheet; the first when absent", str()),
				q("background", "answer 202 at once and import in the background; GET /imports/{id} shows the progress", boolean),
			},
			"requestBody": obj{"required": true, "content": obj{"text/csv": obj{}, "multipart/form-data": obj{},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{}}},
			"responses": obj{"200": summary, "201": summary, "202": obj{"description": "running in the background"}, "4XX": problem}},
		"get": obj{"tags": tags, "operationId": "list_imports",
			"description": "The log of imports, newest first: an administrator's are everyone's, anyone else's their own.",
			"parameters":  []obj{q("limit", "50 when absent, at most 500", obj{"type": "integer"})},
			"responses":   obj{"200": obj{"description": "the imports", "content": obj{"application/json": obj{}}}, "4XX": problem}},
	}
	paths["/imports/{id}"] = obj{"get": obj{"tags": tags, "operationId": "get_import", "parameters": []obj{id},
		"responses": obj{"200": summary, "4XX": problem}}}
	paths["/imports/{id}/errors"] = obj{"get": obj{"tags": tags, "operationId": "get_import_errors", "parameters": []obj{id},
		"description": "The error report as CSV: row, column, value, reason; a value kept as typed says so.",
		"responses":   obj{"200": obj{"description": "the report", "content": obj{"text/csv": obj{}}}, "4XX": problem}}}
	paths["/imports/{id}/cancel"] = obj{"post": obj{"tags": tags, "operationId": "cancel_import", "parameters": []obj{id},
		"description": "Stops an import running in the background: its transaction rolls back, nothing of it is kept, and it is logged as " +
			"cancelled. 409 when it is not running (undo a committed one instead).",
		"responses": obj{"200": summary, "4XX": problem}}}
	paths["/imports/{id}/undo"] = obj{"post": obj{"tags": tags, "operationId": "undo_import", "parameters": []obj{id},
		"description": "Removes the records the import created and restores those it updated, in one transaction; refused (409) " +
			"when one of them changed since.",
		"responses": obj{"200": summary, "4XX": problem}}}
	paths["/imports/{id}/resume"] = obj{"post": obj{"tags": tags, "operationId": "resume_import", "parameters": []obj{id},
		"description": "Runs an import in the background that the server's stop interrupted (nothing of it was kept) again, from the file " +
			"it kept, with its options and mapping, as the caller, whose permissions are checked as they are now: the same import, running " +
			"again. 409 naming the reason when it is not interrupted or its file is not kept on this server (upload it again).",
		"responses": obj{"202": summary, "4XX": problem}}}
	paths["/imports/{id}/discard"] = obj{"post": obj{"tags": tags, "operationId": "discard_import", "parameters": []obj{id},
		"description": "Gives up an interrupted import: its kept file is removed and it is logged as discarded; nothing of it was kept. " +
			"409 when it is not interrupted.",
		"responses": obj{"200": summary, "4XX": problem}}}
}

func importerObjects() []string { return importer.Objects }
