package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// webhookRoutes adds the outgoing webhooks' endpoints, for administrators
// only: an endpoint receives every change of the workspace
// (docs/decisions/0045-webhooks.md).
func (s *Server) webhookRoutes(route router) {
	if s.DB == nil || s.Engine == nil {
		return
	}
	h := webhookHandlers{svc: webhook.New(s.DB, webhook.Options{Logger: s.Log,
		Objects: func(name string) bool { return s.Engine.Object(name) != nil }})}
	route("GET /api/v1/webhooks", h.list)
	route("POST /api/v1/webhooks", h.create)
	route("GET /api/v1/webhooks/{id}", h.get)
	route("PATCH /api/v1/webhooks/{id}", h.update)
	route("DELETE /api/v1/webhooks/{id}", h.delete)
	route("POST /api/v1/webhooks/{id}/rotate", h.rotate)
	route("GET /api/v1/webhooks/{id}/deliveries", h.deliveries, "status", "limit", "cursor")
	route("POST /api/v1/webhooks/{id}/deliveries/{delivery}/replay", h.replay)
}

type webhookHandlers struct{ svc *webhook.Service }

func (h webhookHandlers) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (h webhookHandlers) get(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.Get(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, e, err)
}

func (h webhookHandlers) create(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusCreated, func(in webhook.Input) (any, error) {
		return h.svc.Create(r.Context(), in)
	})
}

func (h webhookHandlers) update(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in webhook.Input) (any, error) {
		return h.svc.Update(r.Context(), r.PathValue("id"), in)
	})
}

func (h webhookHandlers) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h webhookHandlers) rotate(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.Rotate(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, e, err)
}

func (h webhookHandlers) deliveries(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var c fault.Collector
	limit := intParam(&c, v, "limit")
	if err := c.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.svc.Deliveries(r.Context(), r.PathValue("id"), v.Get("status"), v.Get("cursor"), limit)
	answer(w, r, http.StatusOK, page, err)
}

func (h webhookHandlers) replay(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Replay(r.Context(), r.PathValue("id"), r.PathValue("delivery"))
	answer(w, r, http.StatusOK, d, err)
}

// addWebhookPaths describes the webhooks' endpoints, shown to
// administrators only.
func addWebhookPaths(paths obj) {
	tags := []string{"webhooks"}
	id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "schema": schema, "description": desc}
	}
	list := func(s obj) obj { return obj{"type": "array", "items": s} }
	input := obj{"type": "object", "additionalProperties": false, "properties": obj{
		"url":         obj{"type": "string", "description": "http or https; an address on loopback, a private, link-local or metadata range is refused, also when a name resolves to one at connection time, unless allow_private opens its range"},
		"description": str(),
		"events": obj{"type": "array", "items": obj{"enum": webhook.Kinds},
			"description": "kinds of event; a message's type is object.kind, e.g. deal.won, inbox.request_arrived"},
		"objects":       obj{"type": "array", "items": str(), "description": "only these objects' events; empty for all"},
		"allow_private": obj{"type": "array", "items": str(), "description": "CIDR ranges this endpoint may reach though refused otherwise"},
		"enabled":       obj{"type": "boolean", "description": "true enables again an endpoint disabled after answering 410"},
		"version":       obj{"type": "integer", "description": "refused with 409 when the endpoint is no longer at this version"},
	}}
	endpoint := obj{"description": "the endpoint; secret (whsec_…) only when created or rotated", "content": obj{"application/json": obj{}}}
	body := obj{"required": true, "content": obj{"application/json": obj{"schema": input}}}
	paths["/webhooks"] = obj{
		"get": obj{"tags": tags, "operationId": "list_webhooks", "description": "The workspace's webhook endpoints.",
			"responses": obj{"200": obj{"description": "the endpoints", "content": obj{"application/json": obj{"schema": obj{"type": "object",
				"properties": obj{"data": list(obj{"type": "object"})}}}}}, "4XX": problem}},
		"post": obj{"tags": tags, "operationId": "create_webhook",
			"description": "Subscribes an endpoint to the events written from now on. Messages are signed by the Standard Webhooks " +
				"specification (webhook-id, webhook-timestamp, webhook-signature: v1 HMAC-SHA256 of id.timestamp.body), sent at least " +
				"once, a record's in order, retried with back-off for about three days, honouring Retry-After; 410 disables the endpoint.",
			"requestBody": body, "responses": obj{"201": endpoint, "4XX": problem}},
	}
	paths["/webhooks/{id}"] = obj{
		"get":    obj{"tags": tags, "operationId": "get_webhook", "parameters": []obj{id}, "responses": obj{"200": endpoint, "4XX": problem}},
		"patch":  obj{"tags": tags, "operationId": "update_webhook", "parameters": []obj{id}, "requestBody": body, "responses": obj{"200": endpoint, "4XX": problem}},
		"delete": obj{"tags": tags, "operationId": "delete_webhook", "parameters": []obj{id}, "responses": obj{"204": obj{"description": "deleted with its log"}, "4XX": problem}},
	}
	paths["/webhooks/{id}/rotate"] = obj{"post": obj{"tags": tags, "operationId": "rotate_webhook_secret", "parameters": []obj{id},
		"description": "A new secret, shown this once; the old one signs beside it for 24 hours (two signatures, space-separated).",
		"responses":   obj{"200": endpoint, "4XX": problem}}}
	paths["/webhooks/{id}/deliveries"] = obj{"get": obj{"tags": tags, "operationId": "list_webhook_deliveries",
		"description": "The delivery log, newest first: the request body, the last response's status and first 64 KB, latency, attempts, error.",
		"parameters": []obj{id, q("status", "only these", obj{"enum": webhook.Statuses}),
			q("limit", "50 when absent, at most 200", obj{"type": "integer"}), q("cursor", "next_cursor of the page before", str())},
		"responses": obj{"200": obj{"description": "one page", "content": obj{"application/json": obj{}}}, "4XX": problem}}}
	paths["/webhooks/{id}/deliveries/{delivery}/replay"] = obj{"post": obj{"tags": tags, "operationId": "replay_webhook_delivery",
		"description": "Sends a delivered or failed delivery again, with the same webhook-id; 409 while it is still pending.",
		"parameters":  []obj{id, {"name": "delivery", "in": "path", "required": true, "schema": str()}},
		"responses":   obj{"200": obj{"description": "the delivery, pending again", "content": obj{"application/json": obj{}}}, "4XX": problem}}}
}
