package api

// addCardPaths describes the vCard and iCalendar endpoints
// (docs/decisions/0040-vcard-ical.md).
func addCardPaths(paths obj) {
	file := func(mime, desc string) obj {
		return obj{"description": desc, "content": obj{mime: obj{"schema": obj{"type": "string"}}}}
	}
	created := obj{"description": "the records created, in the file's order", "content": obj{"application/json": obj{
		"schema": obj{"type": "object", "properties": obj{"data": obj{"type": "array", "items": obj{"type": "object"}}}}}}}
	id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
	paths["/contacts/{id}/vcard"] = obj{"get": obj{"tags": []string{"contacts"}, "operationId": "contact_vcard",
		"description": "The contact as a vCard: its fields the caller may read, its first company as ORG, the notes about it as NOTE.",
		"parameters":  []obj{id, {"name": "version", "in": "query", "schema": obj{"enum": []string{"3.0", "4.0"}}, "description": "4.0 by default"}},
		"responses":   obj{"200": file("text/vcard", "a vCard"), "4XX": problem}}}
	paths["/contacts/vcard"] = obj{"post": obj{"tags": []string{"contacts"}, "operationId": "contacts_import_vcard",
		"description": "Creates a contact from each vCard (2.1, 3.0 or 4.0) of the body, with its company (found by name or created) and notes; " +
			"all or nothing: a card that cannot be a contact answers 422 naming cards[i] and the field.",
		"requestBody": file("text/vcard", "one or more vCards"), "responses": obj{"201": created, "4XX": problem}}}
	for _, kind := range []string{"task", "meeting"} {
		paths["/"+kind+"s/{id}/ical"] = obj{"get": obj{"tags": []string{"activities"}, "operationId": kind + "_ical",
			"description": "The " + kind + " as an iCalendar " + map[string]string{"task": "VTODO", "meeting": "VEVENT"}[kind] + ".",
			"parameters":  []obj{id}, "responses": obj{"200": file("text/calendar", "a calendar"), "4XX": problem}}}
	}
	paths["/activities/ical"] = obj{"post": obj{"tags": []string{"activities"}, "operationId": "activities_import_ical",
		"description": "Creates a task from each VTODO and a meeting from each VEVENT of the body; all or nothing: " +
			"one that cannot be a record answers 422 naming items[i] and the field.",
		"requestBody": file("text/calendar", "an iCalendar file"), "responses": obj{"201": created, "4XX": problem}}}
}
