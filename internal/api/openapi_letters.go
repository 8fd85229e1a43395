package api

// addLetterPaths describes the mail templates, the letters written from
// them and the signatures (docs/decisions/0056-mail-templates.md).
func addLetterPaths(paths, schemas obj) {
	version := obj{"type": "object", "required": []string{"subject", "body"}, "properties": obj{
		"subject": str(), "body": obj{"type": "string", "description": "plain text; merge fields such as {{contact.first_name}}, " +
			"{{deal.value}} (formatted in the letter's language), {{company.name}} and {{user.name}} (the writer)"}}}
	schemas["MailTemplate"] = obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "object": obj{"enum": []string{"contact", "deal"}, "description": "the record a letter is written for"},
		"versions": obj{"type": "object", "description": "the text in each UI language (en, kk, lt, pl, ro, ru)", "additionalProperties": version},
		"version":  obj{"type": "integer"}, "created_at": obj{"type": "string", "format": "date-time"},
		"updated_at": obj{"type": "string", "format": "date-time"}}}
	schemas["Letter"] = obj{"type": "object", "properties": obj{
		"template_id": str(), "object": str(), "record_id": str(),
		"language": obj{"type": "string", "description": "the contact's language when the template has it, else the workspace's, else English"},
		"to":       str(), "to_name": str(), "subject": str(), "body": str(),
		"in_reply_to": obj{"type": "string", "description": "the Message-ID of the letter answered, without angle brackets"}}}
	schemas["Draft"] = obj{"type": "object", "required": []string{"subject", "body"}, "properties": obj{
		"object":    obj{"enum": []string{"contact", "deal"}, "description": "the record the letter is written to; with reply_to and no record, the contact of the letter answered"},
		"record_id": str(), "subject": obj{"type": "string", "description": "at most 500 characters; merge fields as in templates"},
		"body":     obj{"type": "string", "description": "plain text, at most 50,000 characters; merge fields as in templates, filled in the contact's language; the caller's signature is added"},
		"reply_to": obj{"type": "string", "description": "the id of a kept letter (GET /mail/{id}) the letter answers: it carries In-Reply-To and References, so that it joins the conversation"}}}
	schemas["Sending"] = obj{"type": "object", "description": "record_ids or filter, one of the two; at most 10,000 records",
		"properties": obj{"record_ids": obj{"type": "array", "items": str()}, "filter": ref("Filter")}}
	schemas["Sent"] = obj{"type": "object", "properties": obj{"queued": obj{"type": "integer"},
		"skipped": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"id": str(),
			"reason": obj{"enum": []string{"not_found", "no_email"}}}}}}}
	schemas["Signature"] = obj{"type": "object", "properties": obj{"signature": str()}}
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	op := func(opID, desc, status, result, body string) obj {
		o := obj{"tags": []string{"mail"}, "operationId": opID, "description": desc, "responses": obj{status: response("the result", result), "4XX": problem}}
		if body != "" {
			o["requestBody"] = jsonBody(body)
		}
		return o
	}
	paths["/mail-templates"] = obj{
		"get":  op("list_mail_templates", "The workspace's mail templates, by name.", "200", "Result", ""),
		"post": op("create_mail_template", "Administrators only: a template; every merge field must name a field the template's object reaches.", "201", "MailTemplate", "MailTemplate")}
	paths["/mail-templates/{id}"] = obj{"parameters": id,
		"get":   op("get_mail_template", "One template.", "200", "MailTemplate", ""),
		"patch": op("update_mail_template", "Administrators only: changes the template; version, when given, must be the one read.", "200", "MailTemplate", "MailTemplate"),
		"delete": obj{"tags": []string{"mail"}, "operationId": "delete_mail_template", "description": "Administrators only: deletes the template.",
			"responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}}}
	letter := op("write_letter", "The template written out for one record, as the caller may read it (a hidden field stays empty), "+
		"with the caller's signature.", "200", "Letter", "")
	letter["parameters"] = []obj{{"name": "record_id", "in": "query", "required": true, "schema": str()}}
	paths["/mail-templates/{id}/letter"] = obj{"parameters": id, "get": letter}
	paths["/mail-templates/{id}/send"] = obj{"parameters": id, "post": op("send_letters", "Writes the template for each record and queues the "+
		"letters, all or none: through the caller's own mailbox when it has an SMTP server (from its address, with a copy in its Sent folder), "+
		"else from the workspace's address with the caller as Reply-To. Records without an e-mail are skipped.", "202", "Sent", "Sending")}
	paths["/letters"] = obj{"post": op("send_letter", "Writes the caller's own letter for a record (merge fields filled in the contact's "+
		"language, the caller's signature added) and queues it, as a template's letters go. With reply_to it answers a kept letter the caller may "+
		"read (404 otherwise). Answers 202 with the letter queued.", "202", "Letter", "Draft")}
	paths["/me/signature"] = obj{
		"get": op("get_signature", "The caller's signature, closing every letter they send.", "200", "Signature", ""),
		"put": op("set_signature", "Sets the caller's signature; an empty one removes it.", "200", "Signature", "Signature")}
}
