package api

// addChatPaths describes the chat channels
// (docs/decisions/0052-chat-channels.md).
func addChatPaths(paths, schemas obj, op func(tag, opID, desc, status, result, body string, params []obj) obj, id []obj) {
	path := func(desc string) obj { return obj{"type": "string", "description": desc, "example": "message.from.id"} }
	schemas["ChatFieldMap"] = obj{"type": "object", "description": "where each part of a message is in the provider's payload: " +
		"names joined by dots, with array indexes (entry[0].changes[0].value.text); empty leaves an optional part out", "properties": obj{
		"message_id":  path("required; a message id the channel has seen is answered with its first result and written once"),
		"sender_id":   path("required; the provider's id of the sender, remembered on the contact"),
		"sender_name": path(""), "sender_phone": path("matched to contacts by normalised phone"),
		"sender_email": path("matched to contacts by e-mail"), "text": path("required"), "sent_at": path("")}}
	schemas["ChatChannel"] = obj{"type": "object", "required": []string{"name"}, "properties": obj{
		"id": obj{"type": "string", "readOnly": true}, "public_id": obj{"type": "string", "readOnly": true, "description": "in the message URL"},
		"name":       str(),
		"field_map":  ref("ChatFieldMap"),
		"token":      obj{"type": "string", "readOnly": true, "description": "only in the answer that creates the channel; kept as a hash"},
		"version":    obj{"type": "integer", "description": "as read, required to update"},
		"created_at": obj{"type": "string", "format": "date-time", "readOnly": true},
		"updated_at": obj{"type": "string", "format": "date-time", "readOnly": true}}}
	schemas["ChatReply"] = obj{"type": "object", "required": []string{"contact_id", "text"}, "properties": obj{"contact_id": str(), "text": str()}}
	schemas["ChatReplied"] = obj{"type": "object", "properties": obj{"note_id": str(), "recipient_id": str()}}
	schemas["ChatReceived"] = obj{"type": "object", "properties": obj{"message_id": str(), "contact_id": str(), "note_id": str(), "request_id": str()}}
	paths["/chat-channels"] = obj{
		"get":  op("chat", "list_chat_channels", "Administrators only: the chat channels.", "200", "Result", "", nil),
		"post": op("chat", "create_chat_channel", "Administrators only: a chat channel with a new public id and token; no field_map means the generic shape.", "201", "ChatChannel", "ChatChannel", nil)}
	paths["/chat-channels/{id}"] = obj{"parameters": id,
		"get":    op("chat", "get_chat_channel", "Administrators only: one chat channel, without its token.", "200", "ChatChannel", "", nil),
		"put":    op("chat", "update_chat_channel", "Administrators only: the name and field map; version must be the one read.", "200", "ChatChannel", "ChatChannel", nil),
		"delete": obj{"tags": []string{"chat"}, "operationId": "delete_chat_channel", "description": "Administrators only: deletes the channel; its notes and requests stay.", "responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}}}
	paths["/chat-channels/{id}/replies"] = obj{"parameters": id, "post": op("chat", "reply_chat", "A reply to a contact who wrote through the channel: "+
		"a note on the contact's timeline and the outbox event chat.reply (channel, recipient_id, text), which a webhook endpoint subscribed to reply delivers to the provider's adapter.",
		"201", "ChatReplied", "ChatReply", nil)}
	paths["/chat/{channel}/messages"] = obj{"parameters": []obj{{"name": "channel", "in": "path", "required": true, "schema": str(), "description": "the channel's public id"}},
		"post": obj{"tags": []string{"chat"}, "operationId": "receive_chat", "security": []obj{},
			"description": "A provider's message, in its own shape, read through the channel's field map; the channel's token goes in Authorization: Bearer or ?token=. " +
				"A known sender's message becomes a note on the contact's timeline, another an inbox request of channel chat. A message id seen before answers 200 with the first result.",
			"parameters":  []obj{{"name": "token", "in": "query", "schema": str()}},
			"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}},
			"responses":   obj{"201": response("what the message became", "ChatReceived"), "200": response("a repeat: the first result", "ChatReceived"), "4XX": problem}}}
}
