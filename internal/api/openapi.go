package api

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// obj is a JSON object under construction; the OpenAPI document is data
// built from the metadata, so a map reads more plainly than a tree of
// structs.
type obj = map[string]any

// openAPI serves an OpenAPI 3.1 document generated from the objects' fields
// as the caller's workspace sees them, custom fields included.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := obj{}
	schemas := obj{
		"Problem":    problemSchema(),
		"FieldError": obj{"type": "object", "properties": obj{"field": str(), "code": str(), "message": str()}},
		"Item": obj{"type": "object", "required": []string{"value"}, "properties": obj{
			"value": str(), "label": str(), "valid": obj{"type": "boolean", "readOnly": true},
			"typed": obj{"type": "string", "readOnly": true, "description": "a phone number as typed, when value is its E.164 form"}}},
		"LinkRef": obj{"type": "object", "required": []string{"id"}, "properties": obj{"id": str(), "role": str()}},
		"Address": obj{"type": "object", "properties": obj{"street": str(), "city": str(), "region": str(),
			"postal_code": str(), "country": obj{"type": "string", "pattern": "^[A-Z]{2}$"}}},
		"Money": obj{"type": "object", "required": []string{"amount", "currency"}, "properties": obj{
			"amount":   obj{"type": "integer", "description": "minor units (cents)"},
			"currency": obj{"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code"}}},
		"Field":     fieldSchema(),
		"FieldSpec": fieldSpecSchema(),
		"Filter":    filterSchema(),
		"Query": obj{"type": "object", "properties": obj{
			"filter": ref("Filter"), "sort": obj{"type": "array", "items": str()},
			"limit":  obj{"type": "integer", "minimum": 1, "maximum": records.MaxLimit},
			"cursor": str(), "count": obj{"type": "boolean"}, "deleted": obj{"enum": []string{"only", "include"}}}},
	}
	for _, o := range s.Engine.Objects() {
		fields, err := s.Engine.Fields(r.Context(), o.Plural)
		if fault.Is(err, fault.EFORBIDDEN) {
			continue // the caller's role cannot read these records: not even their shape shows
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		name := strings.ReplaceAll(o.Label, " ", "") // component names have no spaces
		schemas[name] = recordSchema(fields, false)
		schemas[name+"Input"] = recordSchema(fields, true)
		schemas[name+"Page"] = obj{"type": "object", "required": []string{"data"}, "properties": obj{
			"data": obj{"type": "array", "items": ref(name)}, "next_cursor": str(), "total": obj{"type": "integer"}}}
		addObjectPaths(paths, o, name)
	}
	if a, err := access.ActorFrom(r.Context()); err == nil && s.Roles.Authorize(r.Context(), a, "role", access.Read, nil) == nil {
		addRolePaths(paths, schemas)
	}
	if _, err := RequireAdmin(r.Context()); err == nil {
		addAdminPaths(paths)
		addWebhookPaths(paths)
	}
	paths["/openapi.json"] = obj{"get": obj{"tags": []string{"meta"}, "operationId": "openapi",
		"description": "This document, as the caller sees the API: objects, fields and endpoints they may use.",
		"responses":   obj{"200": obj{"description": "an OpenAPI 3.1 document"}, "4XX": problem}}}
	addAccountPaths(paths, schemas)
	addSalesPaths(paths, schemas)
	// scores: begin
	if s.Scores != nil {
		_, err := RequireAdmin(r.Context())
		addScorePaths(paths, err == nil)
	}
	// scores: end
	addValuePaths(paths) // value
	// reports: begin
	addReportPaths(paths)
	// reports: end
	// goals: begin
	addGoalPaths(paths, schemas)
	// goals: end
	addCardPaths(paths) // vCard and iCalendar
	if s.Sales != nil && s.Accounts != nil {
		addCustomReportPaths(paths, schemas) // builder
	}
	addImportPaths(paths)
	addMappingPaths(paths)
	if s.Inbox != nil {
		addInboxPaths(paths, schemas) // inbox
	}
	if s.Letters != nil {
		addLetterPaths(paths, schemas)
	}
	if s.Mailboxes != nil {
		addMailboxPaths(paths, schemas)
	}
	if s.Phone != nil {
		_, err := RequireAdmin(r.Context())
		addPhonePaths(paths, err == nil) // phone
	}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Rapport API", "version": s.Version,
			"description": "Records are JSON objects keyed by field name; custom fields are top-level keys like standard ones."},
		"servers":  []obj{{"url": "/api/v1"}},
		"security": []obj{{"bearer": []string{}}, {"session": []string{}}},
		"paths":    paths,
		"components": obj{"schemas": schemas, "securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"},
			"session": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie}}},
	}
	writeJSON(w, r, http.StatusOK, doc)
}

// addAdminPaths describes the audit trail and the job queue, which only
// administrators read.
func addAdminPaths(paths obj) {
	query := func(names ...string) []obj {
		var out []obj
		for _, n := range names {
			out = append(out, obj{"name": n, "in": "query", "schema": str()})
		}
		return out
	}
	paths["/audit"] = obj{"get": obj{"tags": []string{"admin"}, "operationId": "list_audit",
		"description": "The audit trail, newest first.", "parameters": query("object", "record_id", "user_id", "action", "from", "to", "limit", "cursor"),
		"responses": obj{"200": obj{"description": "a page of entries"}, "4XX": problem}}}
	paths["/jobs"] = obj{"get": obj{"tags": []string{"admin"}, "operationId": "list_jobs",
		"description": "The background jobs, newest first; ?status=dead is the dead-letter view.", "parameters": query("status", "limit", "cursor"),
		"responses": obj{"200": obj{"description": "a page of jobs"}, "4XX": problem}}}
}

func str() obj              { return obj{"type": "string"} }
func ref(name string) obj   { return obj{"$ref": "#/components/schemas/" + name} }
func nullable(t string) any { return []string{t, "null"} }

func problemSchema() obj {
	return obj{"type": "object", "properties": obj{"type": str(), "title": str(), "status": obj{"type": "integer"},
		"detail": str(), "instance": str(), "request_id": str(),
		"errors": obj{"type": "array", "items": ref("FieldError")}}}
}

func fieldSchema() obj {
	return obj{"type": "object", "properties": obj{"name": str(), "label": str(), "type": str(),
		"options": obj{"type": "array", "items": str()}, "target": str(), "required": obj{"type": "boolean"},
		"read_only": obj{"type": "boolean"}, "custom": obj{"type": "boolean"},
		"derived_from": obj{"type": "array", "items": str(), "description": "the fields this one is computed from; hidden with any of them"}}}
}

func fieldSpecSchema() obj {
	types := make([]string, len(records.CustomTypes))
	for i, t := range records.CustomTypes {
		types[i] = string(t)
	}
	return obj{"type": "object", "required": []string{"name", "type"}, "properties": obj{
		"name":    obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
		"label":   str(),
		"type":    obj{"type": "string", "enum": types},
		"options": obj{"type": "array", "items": str()}, "target": str(), "required": obj{"type": "boolean"}}}
}

func filterSchema() obj {
	return obj{"oneOf": []obj{
		{"type": "object", "required": []string{"and"}, "properties": obj{"and": obj{"type": "array", "items": ref("Filter")}}},
		{"type": "object", "required": []string{"or"}, "properties": obj{"or": obj{"type": "array", "items": ref("Filter")}}},
		{"type": "object", "required": []string{"field"}, "properties": obj{"field": str(),
			"op":    obj{"enum": []string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "empty"}},
			"value": obj{}}},
	}}
}

// recordSchema is the JSON Schema of a record, or of the body that writes
// one (input), from its fields.
func recordSchema(fields []*records.Field, input bool) obj {
	props := obj{}
	if !input {
		props["id"] = obj{"type": "string", "readOnly": true}
		for _, f := range []string{"created_at", "updated_at", "deleted_at"} {
			props[f] = obj{"type": nullable("string"), "format": "date-time", "readOnly": true}
		}
	}
	props["version"] = obj{"type": "integer", "description": "send back the version you read when updating"}
	var required []string
	for _, f := range fields {
		p := fieldType(f)
		p["title"] = f.Label
		if f.Custom {
			p["x-custom"] = true
		}
		props[f.Name] = p
		if input && f.Required {
			required = append(required, f.Name)
		}
	}
	s := obj{"type": "object", "properties": props}
	if input {
		s["additionalProperties"] = false
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fieldType is the JSON Schema of one field's values.
func fieldType(f *records.Field) obj {
	switch f.Type {
	case records.Text:
		return obj{"type": nullable("string"), "maxLength": 1000}
	case records.LongText:
		return obj{"type": nullable("string"), "maxLength": 100000, "contentMediaType": "text/html",
			"description": "HTML, stored cleaned: formatting and links are kept; scripts, forms, frames, styles, classes, ids and images other than inline data: ones are removed"}
	case records.Integer:
		return obj{"type": nullable("integer")}
	case records.Decimal:
		return obj{"type": nullable("number")}
	case records.Money:
		return obj{"oneOf": []obj{ref("Money"), {"type": "null"}}}
	case records.Date:
		return obj{"type": nullable("string"), "format": "date"}
	case records.DateTime:
		return obj{"type": nullable("string"), "format": "date-time"}
	case records.Boolean:
		return obj{"type": nullable("boolean")}
	case records.Select:
		return obj{"type": nullable("string"), "enum": append(append([]any{}, toAny(f.Options)...), nil)}
	case records.MultiSelect:
		return obj{"type": nullable("array"), "items": obj{"enum": f.Options}}
	case records.Email, records.Phone, records.URLs:
		return obj{"type": nullable("array"), "items": ref("Item")}
	case records.URL:
		return obj{"type": nullable("string"), "format": "uri"}
	case records.Relation:
		return obj{"type": nullable("string"), "description": "id of a " + f.Target}
	case records.User:
		return obj{"type": nullable("string"), "description": "id of a user"}
	case records.Address:
		return obj{"oneOf": []obj{ref("Address"), {"type": "null"}}}
	case records.Tags:
		return obj{"type": nullable("array"), "items": str()}
	case records.Relations:
		return obj{"type": "array", "items": ref("LinkRef"), "description": "linked " + f.Target + " records"}
	case records.LineItems:
		return obj{"type": nullable("array"), "items": ref("LineItem")}
	}
	return obj{}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func response(desc, schema string) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": ref(schema)}}}
}

func jsonBody(schema string) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": ref(schema)}}}
}

var problem = obj{"description": "a problem", "content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}

// busy is the answer of a request that ran out of its time budget.
var busy = obj{"description": "the request ran out of time; try again after Retry-After seconds, or narrow the query",
	"headers": obj{"Retry-After": obj{"schema": obj{"type": "integer"}}},
	"content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}

func addObjectPaths(paths obj, o *records.Object, name string) {
	id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
	tags := []string{o.Plural}
	listParams := []obj{
		{"name": "sort", "in": "query", "schema": str(), "description": "fields, comma separated, - for descending"},
		{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": records.MaxLimit}},
		{"name": "cursor", "in": "query", "schema": str()},
		{"name": "count", "in": "query", "schema": obj{"type": "boolean"}},
		{"name": "deleted", "in": "query", "schema": obj{"enum": []string{"only", "include"}}},
		{"name": "filters", "in": "query", "style": "form", "explode": true, "schema": obj{"type": "object",
			"additionalProperties": str()}, "description": "field=value or field[op]=value, op one of ne lt lte gt gte in contains starts_with empty"},
	}
	paths["/"+o.Plural] = obj{
		"get": obj{"tags": tags, "operationId": "list_" + o.Plural, "parameters": listParams,
			"responses": obj{"200": response("a page", name+"Page"), "4XX": problem, "503": busy}},
		"post": obj{"tags": tags, "operationId": "create_" + o.Name, "requestBody": jsonBody(name + "Input"),
			"responses": obj{"201": response("created", name), "4XX": problem}},
	}
	paths["/"+o.Plural+"/query"] = obj{
		"post": obj{"tags": tags, "operationId": "query_" + o.Plural, "requestBody": jsonBody("Query"),
			"responses": obj{"200": response("a page", name+"Page"), "4XX": problem, "503": busy}},
	}
	paths["/"+o.Plural+"/{id}"] = obj{
		"parameters": []obj{id},
		"get": obj{"tags": tags, "operationId": "get_" + o.Name,
			"parameters": []obj{{"name": "deleted", "in": "query", "schema": obj{"enum": []string{"include"}},
				"description": "include finds a record in the trash too"}},
			"responses": obj{"200": response("the record", name), "4XX": problem}},
		"patch": obj{"tags": tags, "operationId": "update_" + o.Name, "requestBody": jsonBody(name + "Input"),
			"parameters": []obj{{"name": "If-Match", "in": "header", "schema": str()}},
			"responses":  obj{"200": response("the record", name), "4XX": problem}},
		"delete": obj{"tags": tags, "operationId": "delete_" + o.Name,
			"description": "Moves the record to the trash, or with permanent=true removes it for good. " +
				"With If-Match, a record changed since that version is left alone and answered with 409.",
			"parameters": []obj{{"name": "permanent", "in": "query", "schema": obj{"type": "boolean"}},
				{"name": "If-Match", "in": "header", "schema": str()}},
			"responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}},
	}
	paths["/"+o.Plural+"/{id}/restore"] = obj{
		"parameters": []obj{id},
		"post": obj{"tags": tags, "operationId": "restore_" + o.Name,
			"responses": obj{"200": response("the record", name), "4XX": problem}},
	}
	paths["/exports/"+o.Plural] = obj{
		"get": obj{"tags": tags, "operationId": "export_" + o.Plural,
			"description": "Every record of the list (its filter and sort, as in the list) that the role may export, streamed as CSV, XLSX, JSON or (contacts) vCard 4.0. " +
				"Text a spreadsheet would run as a formula starts with an apostrophe. Recorded in the audit trail.",
			"parameters": append([]obj{
				{"name": "format", "in": "query", "schema": obj{"enum": export.Formats}, "description": "csv when absent; vcf (vCard 4.0) for contacts only"},
				{"name": "columns", "in": "query", "schema": str(), "description": "fields, comma separated; every field the role may read when absent"},
			}, listParams[0], listParams[3], listParams[4]),
			"responses": obj{"200": obj{"description": "the export", "content": obj{"text/csv": obj{}, "application/json": obj{},
				"text/vcard": obj{},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{}}}, "4XX": problem}},
	}
	if o.Name == "contact" {
		paths["/contacts/{id}/personal-data"] = obj{
			"parameters": []obj{id},
			"get": obj{"tags": tags, "operationId": "contact_personal_data",
				"description": "Everything held about the person, for their request to see it (administrators only): the record, " +
					"the activities about them, the meetings they attended, their deals and the audit entries of their record. Recorded in the audit trail.",
				"responses": obj{"200": obj{"description": "the personal data", "content": obj{"application/json": obj{}}}, "4XX": problem}},
		}
		paths["/contacts/{id}/erase"] = obj{
			"parameters": []obj{id},
			"post": obj{"tags": tags, "operationId": "erase_contact",
				"description": "Erases the person at their request (administrators only; cannot be undone): the record is anonymised, " +
					"the texts of the activities about them replaced, and their values scrubbed from the audit trail, the search index " +
					"and the duplicate keys. Deals keep their values. The erasure is recorded in the audit trail without the erased data.",
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object",
					"required": []string{"confirm"}, "additionalProperties": false,
					"properties": obj{"confirm": obj{"type": "string", "description": "the contact's id, repeated"}}}}}},
				"responses": obj{"200": obj{"description": "what was erased, in counts", "content": obj{"application/json": obj{}}}, "4XX": problem}},
		}
	}
	paths["/fields/"+o.Plural] = obj{
		"get": obj{"tags": tags, "operationId": "list_" + o.Name + "_fields",
			"responses": obj{"200": obj{"description": "the fields", "content": obj{"application/json": obj{"schema": obj{
				"type": "object", "properties": obj{"data": obj{"type": "array", "items": ref("Field")}}}}}}, "4XX": problem}},
		"post": obj{"tags": tags, "operationId": "add_" + o.Name + "_field", "requestBody": jsonBody("FieldSpec"),
			"responses": obj{"201": response("the new field", "Field"), "4XX": problem}},
	}
}
