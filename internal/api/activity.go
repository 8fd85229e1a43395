package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/notify"
)

// streamHeartbeat is how often an idle notification stream sends a
// comment, so that proxies and clients see the connection alive.
var streamHeartbeat = 15 * time.Second

// supersededRetry is how long a stream closed for a newer one of the same
// user asks its client to wait before reconnecting; streamBusyRetry is the
// Retry-After of a stream refused because the server holds its maximum.
const (
	supersededRetry = time.Minute
	streamBusyRetry = 30 * time.Second
)

// codeBusy is used by the API alone: the server is at a limit of its own,
// not the caller's, and asks to be tried later.
const codeBusy = "busy"

// activityRoutes adds the endpoints of notifications and timelines.
func (s *Server) activityRoutes(route router) {
	if s.Activity == nil {
		return
	}
	route("GET /api/v1/notifications", s.listNotifications, "unread", "limit", "cursor")
	route("GET /api/v1/notifications/stream", s.streamNotifications)
	route("POST /api/v1/notifications/read-all", s.readAllNotifications)
	route("POST /api/v1/notifications/{id}/read", s.readNotification)
	route("GET /api/v1/{object}/{id}/timeline", s.timeline, "kind*", "limit", "cursor")
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var c fault.Collector
	q := notify.Query{Cursor: v.Get("cursor")}
	switch v.Get("unread") {
	case "", "false":
	case "true":
		q.Unread = true
	default:
		c.Add("unread", "type", "must be true or false")
	}
	q.Limit = limitParam(v.Get("limit"), &c)
	if err := c.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := s.Activity.Inbox().List(r.Context(), q)
	answer(w, r, http.StatusOK, page, err)
}

// limitParam reads a page size; 0 means the default.
func limitParam(s string, c *fault.Collector) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		c.Add("limit", "type", "must be a positive integer")
		return 0
	}
	return n
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) {
	n, err := s.Activity.Inbox().Read(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, n, err)
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	n, err := s.Activity.Inbox().ReadAll(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]int64{"marked": n})
}

// streamNotifications sends the caller's new notifications as Server-Sent
// Events, one "notification" event each with the notification as data and
// its id as the event id, so that a client reconnecting with Last-Event-ID
// first gets what it missed. The stream outlives the server's read and
// write timeouts: each write pushes the write deadline on.
func (s *Server) streamNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	inbox, broker := s.Activity.Inbox(), s.Activity.Broker()
	a, err := access.ActorFrom(ctx)
	if err == nil && a.UserID == 0 {
		err = fault.Errorf(fault.EFORBIDDEN, "only a user has notifications")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Subscribe before reading what was missed, so nothing falls between.
	sub, err := broker.Subscribe(ctx, a.WorkspaceID, a.UserID)
	if errors.Is(err, notify.ErrBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(int(streamBusyRetry.Seconds())))
		err = fault.Errorf(codeBusy, "the server holds as many notification streams as it may; try again in %d seconds",
			int(streamBusyRetry.Seconds()))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer broker.Unsubscribe(sub)
	var missed []notify.Notification
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if missed, err = inbox.After(ctx, last); err != nil {
			writeError(w, r, err)
			return
		}
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must pass events on as they come
	w.WriteHeader(http.StatusOK)
	var sent int64
	send := func(text string) bool {
		rc.SetWriteDeadline(time.Now().Add(streamHeartbeat + 30*time.Second))
		if _, err := fmt.Fprint(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	event := func(n notify.Notification) bool {
		id, _ := strconv.ParseInt(n.ID, 10, 64)
		if id <= sent { // already sent from the catch-up
			return true
		}
		sent = id
		data, _ := json.Marshal(n)
		return send("id: " + n.ID + "\nevent: notification\ndata: " + string(data) + "\n\n")
	}
	if !send(": connected\n\n") {
		return
	}
	for _, n := range missed {
		if !event(n) {
			return
		}
	}
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-sub.C:
			if !ok && sub.Superseded() {
				// The user opened newer streams. A browser reconnects on its
				// own: ask it to wait, so that more open tabs than the limit
				// take turns instead of closing each other at once.
				send(fmt.Sprintf("retry: %d\nevent: superseded\ndata: {}\n\n", supersededRetry.Milliseconds()))
				return
			}
			if !ok || !event(n) {
				return // too far behind, or gone: the client reconnects
			}
		case <-beat.C:
			if !send(": heartbeat\n\n") {
				return
			}
		}
	}
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var c fault.Collector
	q := activity.TimelineQuery{Cursor: v.Get("cursor"), Limit: limitParam(v.Get("limit"), &c)}
	for _, k := range v["kind"] {
		for _, part := range strings.Split(k, ",") {
			if part = strings.TrimSpace(part); part != "" {
				q.Kinds = append(q.Kinds, part)
			}
		}
	}
	if err := c.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := s.Activity.Timeline(r.Context(), r.PathValue("object"), r.PathValue("id"), q)
	answer(w, r, http.StatusOK, page, err)
}
