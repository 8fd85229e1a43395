package api

// addMailboxPaths describes the connected mailboxes and their outgoing
// servers (docs/decisions/0053-imap-mailboxes.md,
// docs/decisions/0057-send-through-the-users-mailbox.md).
func addMailboxPaths(paths, schemas obj) {
	security := obj{"enum": []string{"tls", "starttls", "plain"}, "description": "plain only for a server on this machine"}
	smtp := obj{
		"smtp_host": obj{"type": "string", "description": "the SMTP server the owner's letters go out through, from the mailbox's address, " +
			"with a copy saved in its Sent folder; empty: the mailbox only receives, and letters go through the workspace's mail server. Personal mailboxes only"},
		"smtp_port":     obj{"type": "integer", "description": "0 or absent: 465 for tls, 587 for starttls, 25 for plain"},
		"smtp_security": security}
	props := func(extra obj) obj {
		for k, v := range smtp {
			extra[k] = v
		}
		return extra
	}
	schemas["Mailbox"] = obj{"type": "object", "properties": props(obj{
		"id": str(), "shared": obj{"type": "boolean"}, "owner_id": str(), "address": str(), "host": str(), "port": obj{"type": "integer"},
		"security": security, "username": str(), "folders": obj{"type": "array", "items": str()},
		"status": obj{"enum": []string{"new", "ok", "failing"}}, "last_error": str(),
		"synced_at": obj{"type": []string{"string", "null"}, "format": "date-time"}, "messages": obj{"type": "integer"}})}
	schemas["MailboxInput"] = obj{"type": "object", "required": []string{"address", "host", "username", "password"}, "properties": props(obj{
		"shared": obj{"type": "boolean", "description": "administrators only: a mailbox of the workspace"}, "address": str(), "host": str(),
		"port": obj{"type": "integer", "description": "0 or absent: 993 for tls, else 143"}, "security": security, "username": str(),
		"password": obj{"type": "string", "description": "kept encrypted with the server's secret key; never returned"},
		"folders":  obj{"type": "array", "items": str(), "description": "default INBOX and Sent (the server's sent folder, whatever its name)"}})}
	schemas["MailboxOutgoing"] = obj{"type": "object", "properties": smtp}
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	op := func(opID, desc, status, result, body string) obj {
		o := obj{"tags": []string{"mail"}, "operationId": opID, "description": desc, "responses": obj{status: response("the result", result), "4XX": problem}}
		if body != "" {
			o["requestBody"] = jsonBody(body)
		}
		return o
	}
	paths["/mailboxes"] = obj{
		"get":  op("list_mailboxes", "The caller's own mailboxes and the shared ones, without passwords.", "200", "Result", ""),
		"post": op("connect_mailbox", "Connects a mailbox of the caller (or, shared, of the workspace) and starts its first sync.", "201", "Mailbox", "MailboxInput")}
	paths["/mailboxes/{id}"] = obj{"parameters": id,
		"delete": obj{"tags": []string{"mail"}, "operationId": "disconnect_mailbox", "description": "Disconnects the mailbox and removes the mail synced from it.",
			"responses": obj{"204": obj{"description": "disconnected"}, "4XX": problem}}}
	paths["/mailboxes/{id}/outgoing"] = obj{"parameters": id,
		"put": op("set_mailbox_outgoing", "Sets the SMTP server of one of the caller's personal mailboxes; an empty smtp_host clears it.",
			"200", "Mailbox", "MailboxOutgoing")}
}
