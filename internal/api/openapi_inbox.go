package api

// addInboxPaths describes the inbox of incoming requests and the web
// forms (docs/decisions/0046-inbox-and-web-forms.md).
func addInboxPaths(paths, schemas obj) {
	schemas["InboxRequest"] = obj{"type": "object", "properties": obj{
		"id": str(), "pipeline_id": str(), "form_id": str(),
		"channel": obj{"enum": []string{"web_form", "phone_call", "chat", "email", "api"}},
		"source":  str(), "utm": obj{"type": "object", "properties": obj{"source": str(), "medium": str(), "campaign": str(), "term": str(), "content": str()}},
		"referrer": str(), "payload": obj{"type": "object", "description": "the request as it arrived (a form's fields as posted)"},
		"name": str(), "email": str(), "phone": str(), "company_name": str(), "message": str(),
		"consent":    obj{"type": nullable("string"), "description": "the consent text the visitor agreed to"},
		"contact_id": obj{"type": "string", "description": "the contact matched by normalised e-mail or phone"},
		"company_id": str(), "matches": obj{"type": "integer"},
		"likely_duplicate": obj{"type": "boolean", "description": "more than one contact or company matched"},
		"status":           obj{"enum": []string{"new", "accepted", "linked", "declined", "spam"}},
		"spam_reason":      str(), "decline_reason": str(), "deal_id": str(), "assigned_user_id": str(),
		"received_at": obj{"type": "string", "format": "date-time"}, "sorted_at": obj{"type": nullable("string"), "format": "date-time"},
		"sorted_by": str(), "waited_seconds": obj{"type": "integer", "description": "from arrival to sorting, or to now"}}}
	schemas["InboxInput"] = obj{"type": "object", "properties": obj{
		"pipeline_id": str(), "channel": obj{"enum": []string{"web_form", "phone_call", "chat", "email", "api"}, "default": "api"},
		"source": str(), "utm": obj{"type": "object"}, "referrer": str(), "payload": obj{"type": "object"},
		"name": str(), "email": str(), "phone": str(), "company_name": str(), "message": str(), "consent": str(),
		"assigned_user_id": str()}}
	schemas["InboxPage"] = obj{"type": "object", "required": []string{"data"}, "properties": obj{
		"data": obj{"type": "array", "items": ref("InboxRequest")}, "next_cursor": str()}}
	schemas["WebForm"] = obj{"type": "object", "properties": obj{
		"id": str(), "public_id": obj{"type": "string", "description": "the hosted page is /f/{public_id}"}, "version": obj{"type": "integer"},
		"name": str(), "language": obj{"enum": []string{"en", "kk", "lt", "pl", "ro", "ru"}},
		"fields": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"name": str(), "label": str(),
			"maps_to":  obj{"type": "string", "description": "contact.name, contact.first_name, contact.last_name, contact.email, contact.phone, company.name, message, or object.field for another writable field (custom ones included)"},
			"required": obj{"type": "boolean"}, "type": obj{"enum": []string{"text", "email", "phone", "textarea"}}}}},
		"consent_text": str(), "pipeline_id": str(), "stage_id": str(), "straight_to_deal": obj{"type": "boolean"},
		"assigned_user_id": str(), "thank_you": str(), "redirect_url": str(),
		"confirmation":     obj{"type": "string", "description": "mailed to the visitor's e-mail, at most once a day to one address and 30 times an hour from one form; never for spam"},
		"allowed_origins":  obj{"type": "array", "items": str()},
		"min_fill_seconds": obj{"type": "integer", "minimum": 0, "maximum": 600, "default": 3},
		"proof_of_work":    obj{"type": "integer", "minimum": 0, "maximum": 24}, "active": obj{"type": "boolean"}}}
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	query := func(names ...string) []obj {
		var out []obj
		for _, n := range names {
			out = append(out, obj{"name": n, "in": "query", "schema": str()})
		}
		return out
	}
	op := func(tag, opID, desc, status, result, body string, params []obj) obj {
		o := obj{"tags": []string{tag}, "operationId": opID, "description": desc, "responses": obj{status: response("the result", result), "4XX": problem}}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if body != "" {
			o["requestBody"] = jsonBody(body)
		}
		return o
	}
	schemas["InboxAccept"] = obj{"type": "object", "properties": obj{"pipeline_id": str(), "stage_id": str(), "title": str(),
		"contact_id": str(), "company_id": str(), "owner_id": str()}}
	schemas["InboxLink"] = obj{"type": "object", "required": []string{"deal_id"}, "properties": obj{"deal_id": str()}}
	schemas["InboxDecline"] = obj{"type": "object", "required": []string{"reason"}, "properties": obj{"reason": str()}}
	paths["/inbox"] = obj{
		"get": op("inbox", "list_inbox", "The requests of a status (new by default), longest waiting first, that the caller may read: "+
			"a role reads the inbox as it reads deals (own or team scope: the requests assigned to those owners and the unassigned ones).",
			"200", "InboxPage", "", query("status", "channel", "pipeline_id", "contact_id", "company_id", "limit", "cursor")),
		"post": op("inbox", "create_inbox", "A request arriving through the API (channel api by default); it is matched to contacts and "+
			"companies by normalised e-mail and phone, and its arrival is the outbox event inbox.request_arrived.", "201", "InboxRequest", "InboxInput", nil)}
	paths["/inbox/summary"] = obj{"get": op("inbox", "inbox_summary", "Per channel: requests received (from and to are days, to inclusive), "+
		"how many are new, accepted, linked, declined and spam, and the mean seconds from arrival to sorting.", "200", "Result", "", query("from", "to"))}
	paths["/inbox/{id}"] = obj{"parameters": id, "get": op("inbox", "get_inbox", "One request.", "200", "InboxRequest", "", nil)}
	paths["/inbox/{id}/accept"] = obj{"parameters": id, "post": op("inbox", "accept_inbox", "Makes the request a deal in one transaction: "+
		"the contact and company named, else matched, else created from the request; the deal in the pipeline and stage given.", "200", "InboxRequest", "InboxAccept", nil)}
	paths["/inbox/{id}/link"] = obj{"parameters": id, "post": op("inbox", "link_inbox", "Sorts the request onto an existing deal the caller may update.",
		"200", "InboxRequest", "InboxLink", nil)}
	paths["/inbox/{id}/decline"] = obj{"parameters": id, "post": op("inbox", "decline_inbox", "Declines the request with a reason.",
		"200", "InboxRequest", "InboxDecline", nil)}
	paths["/forms"] = obj{
		"get":  op("forms", "list_forms", "Administrators only: the web forms.", "200", "Result", "", nil),
		"post": op("forms", "create_form", "Administrators only: a web form; its hosted page is /f/{public_id}.", "201", "WebForm", "WebForm", nil)}
	paths["/forms/{id}"] = obj{"parameters": id,
		"get":    op("forms", "get_form", "Administrators only: one web form.", "200", "WebForm", "", nil),
		"put":    op("forms", "update_form", "Administrators only: replaces the form; version must be the one read.", "200", "WebForm", "WebForm", nil),
		"delete": obj{"tags": []string{"forms"}, "operationId": "delete_form", "description": "Administrators only: deletes the form; its requests stay.", "responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}}}
	addAssignmentPaths(paths, schemas, op)
	addChatPaths(paths, schemas, op, id)
}

// addAssignmentPaths describes the assignment rules
// (docs/decisions/0051-assignment-rules.md).
func addAssignmentPaths(paths, schemas obj, op func(tag, opID, desc, status, result, body string, params []obj) obj) {
	list := func(desc string) obj { return obj{"type": "array", "items": str(), "description": desc} }
	schemas["AssignmentRule"] = obj{"type": "object", "required": []string{"name", "method"}, "properties": obj{
		"id":          obj{"type": "string", "description": "kept across edits (the round-robin turn carries on); left out for a new rule"},
		"name":        str(),
		"objects":     obj{"type": "array", "items": obj{"enum": []string{"inbox", "deal", "contact"}}, "description": "what the rule applies to; empty is all"},
		"sources":     list("the request's source or channel, the record's source; empty is any"),
		"territories": list("the contact's country or region; empty is any"),
		"languages":   list("the contact's language, else the web form's; empty is any"),
		"method":      obj{"enum": []string{"round_robin", "least_open_deals", "user"}},
		"team_id":     obj{"type": "string", "description": "round_robin and least_open_deals: the team whose active members take turns"},
		"user_id":     obj{"type": "string", "description": "user: the one user"},
		"hours": obj{"type": nullable("object"), "description": "working hours in each member's own time zone; null is always",
			"properties": obj{"days": obj{"type": "array", "items": obj{"enum": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}}},
				"from": obj{"type": "string", "example": "09:00"}, "to": obj{"type": "string", "example": "18:00"}}},
		"cap": obj{"type": "integer", "minimum": 0, "maximum": 100000, "description": "most open deals and new inbox requests a member may hold; 0 is no cap"}}}
	schemas["AssignmentRules"] = obj{"type": "object", "properties": obj{
		"rules":            obj{"type": "array", "items": ref("AssignmentRule"), "description": "tried in order; the first that matches and has a member available fires"},
		"fallback_user_id": obj{"type": "string", "description": "takes what no rule does; empty leaves it unassigned"},
		"days_off": obj{"type": "array", "items": obj{"type": "object", "required": []string{"user_id", "from"},
			"properties": obj{"user_id": str(), "from": obj{"type": "string", "format": "date"}, "to": obj{"type": "string", "format": "date"}}}},
		"version":    obj{"type": "integer", "description": "as read; a stale version is refused with 409. 0 or absent skips the check"},
		"updated_at": obj{"type": nullable("string"), "format": "date-time", "readOnly": true}}}
	paths["/assignment-rules"] = obj{
		"get": op("assignment", "get_assignment_rules", "Administrators only: the ordered assignment rules, the fallback user and the days off. "+
			"They choose the user of a new inbox request without one, and the owner of a deal or contact created without one through the API or an import; "+
			"the choice is on the record's timeline (kind assigned).", "200", "AssignmentRules", "", nil),
		"put": op("assignment", "put_assignment_rules", "Administrators only: replaces the rules, fallback user and days off at once; "+
			"a bad value is refused naming its field (rules[0].team_id).", "200", "AssignmentRules", "AssignmentRules", nil)}
}
