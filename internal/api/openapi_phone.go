package api

import "github.com/rapport-crm/rapport/internal/phone"

// addPhonePaths describes telephony: the integrations for administrators,
// the call-event endpoint a phone system calls with its integration's
// token, the calls report and click-to-call.
func addPhonePaths(paths obj, admin bool) {
	tags := []string{"telephony"}
	json := func(desc string) obj { return obj{"description": desc, "content": obj{"application/json": obj{}}} }
	body := func(props obj) obj {
		return obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object", "additionalProperties": false, "properties": props}}}}
	}
	if admin {
		id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
		input := body(obj{
			"name":                    str(),
			"extensions":              obj{"type": "object", "additionalProperties": str(), "description": "extension → user id"},
			"ring_groups":             obj{"type": "object", "additionalProperties": obj{"type": "array", "items": str()}, "description": "a group's extension → the user ids it rings"},
			"originate_url":           obj{"type": "string", "description": "optional http(s) URL asked to ring the user's extension and dial a number"},
			"originate_allow_private": obj{"type": "array", "items": str(), "description": "CIDR ranges the originate URL may reach though private"},
		})
		paths["/phone-integrations"] = obj{
			"get": obj{"tags": tags, "operationId": "list_phone_integrations", "responses": obj{"200": json("the integrations"), "4XX": problem}},
			"post": obj{"tags": tags, "operationId": "create_phone_integration", "requestBody": input,
				"description": "Connects a phone system; the answer carries its API token (rpt_…), shown this once.",
				"responses":   obj{"201": json("the integration with its token"), "4XX": problem}},
		}
		paths["/phone-integrations/{id}"] = obj{
			"get":    obj{"tags": tags, "operationId": "get_phone_integration", "parameters": []obj{id}, "responses": obj{"200": json("the integration"), "4XX": problem}},
			"put":    obj{"tags": tags, "operationId": "update_phone_integration", "parameters": []obj{id}, "requestBody": input, "responses": obj{"200": json("the integration"), "4XX": problem}},
			"delete": obj{"tags": tags, "operationId": "delete_phone_integration", "parameters": []obj{id}, "responses": obj{"204": obj{"description": "deleted; its token stops working"}, "4XX": problem}},
		}
		paths["/phone-integrations/{id}/rotate"] = obj{"post": obj{"tags": tags, "operationId": "rotate_phone_integration_token",
			"parameters": []obj{id}, "description": "A new token, shown this once; the old one stops working at once.",
			"responses": obj{"200": json("the integration with its new token"), "4XX": problem}}}
	}
	paths["/calls/events"] = obj{"post": obj{"tags": tags, "operationId": "call_event",
		"description": "A phone system reports an event of a call, authenticated by its integration's token (Authorization: Bearer rpt_…), " +
			"not a user's. Each kind of event is applied once per call in any order; a repeat answers applied false. The first event of a " +
			"call must name the outside number and the extension.",
		"requestBody": body(obj{
			"event":            obj{"enum": phone.Events},
			"call_id":          str(),
			"direction":        obj{"enum": phone.Directions},
			"caller":           str(),
			"callee":           str(),
			"extension":        str(),
			"duration_seconds": obj{"type": "integer"},
			"recording_url":    str(),
			"at":               obj{"type": "string", "format": "date-time"},
		}),
		"responses": obj{"200": json("applied, and the call as known so far"), "4XX": problem}}}
	paths["/phone/report"] = obj{"get": obj{"tags": tags, "operationId": "calls_report",
		"description": "Calls per user and day: inbound, outbound, answered, missed, talk time. Administrators and managers see everyone's.",
		"parameters": []obj{{"name": "from", "in": "query", "schema": obj{"type": "string", "format": "date"}},
			{"name": "to", "in": "query", "schema": obj{"type": "string", "format": "date"}}},
		"responses": obj{"200": json("the rows"), "4XX": problem}}}
	paths["/phone/originate"] = obj{"post": obj{"tags": tags, "operationId": "originate_call",
		"description": "Asks the phone system to ring the caller's extension, then dial number.",
		"requestBody": body(obj{"number": str()}),
		"responses":   obj{"202": json("the extension rung"), "4XX": problem}}}
}
