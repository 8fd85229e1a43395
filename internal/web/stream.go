package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/phone"
)

// The bell's stream keeps the API stream's rhythm: a comment when idle,
// so that proxies see the connection alive, and a minute's wait asked of
// a page whose stream a newer one of the same user closed.
const (
	streamHeartbeat = 15 * time.Second
	supersededRetry = time.Minute
	streamBusyRetry = 30 * time.Second
)

// liveNotification is what the bell's stream sends of a new
// notification: the words ready to show, and the badge after it.
type liveNotification struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	About  string `json:"about,omitempty"`
	Href   string `json:"href,omitempty"`
	Unread badge  `json:"unread"`
	// Pop asks the page to open Href at once in a panel of its own: a
	// call is ringing, and Href is its caller screen.
	Pop bool `json:"pop,omitempty"`
}

// notificationStream sends the signed-in user's new notifications as
// Server-Sent Events: first an "unread" event with the badge, then a
// "notification" event for each new one, its id the event id, so that a
// browser reconnecting with Last-Event-ID first gets what it missed. It
// subscribes through the activity service's broker, the API stream's,
// so the same limits bound the streams of a user and of the server, and
// it reads names through the engine, so a record the user may not read
// stays unnamed.
func (s *Server) notificationStream(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	a, err := access.ActorFrom(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	broker := s.activity.Broker()
	// Subscribe before reading the badge and what was missed, so that
	// nothing falls between.
	sub, err := broker.Subscribe(ctx, a.WorkspaceID, a.UserID)
	if errors.Is(err, notify.ErrBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(int(streamBusyRetry.Seconds())))
		http.Error(w, "too many notification streams are open; try again later", http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	defer broker.Unsubscribe(sub)
	var missed []notify.Notification
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if missed, err = s.activity.Inbox().After(ctx, last); err != nil {
			missed = nil // not an id we gave out: the badge below says enough
		}
	}
	first, err := s.unread(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	es := &eventStream{w: w, rc: http.NewResponseController(w)}
	es.start(r)
	if !es.send("unread", "", first) {
		return
	}
	for _, n := range missed {
		if !s.sendNotification(es, r, v, n) {
			return
		}
	}
	s.follow(es, r, v, sub)
}

// follow sends each notification the broker delivers until the page
// goes away, the stream falls too far behind, or a newer stream of the
// user takes its place.
func (s *Server) follow(es *eventStream, r *http.Request, v *visit, sub *notify.Subscription) {
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case n, ok := <-sub.C:
			if !ok && sub.Superseded() {
				// More tabs than the limit take turns rather than close
				// each other at once.
				es.write(fmt.Sprintf("retry: %d\nevent: superseded\ndata: {}\n\n", supersededRetry.Milliseconds()))
				return
			}
			if !ok || !s.sendNotification(es, r, v, n) {
				return
			}
		case <-beat.C:
			if !es.write(": heartbeat\n\n") {
				return
			}
		}
	}
}

// sendNotification sends n in the visit's language with the badge after
// it; one that was sent already (from the catch-up) is skipped.
func (s *Server) sendNotification(es *eventStream, r *http.Request, v *visit, n notify.Notification) bool {
	id, _ := strconv.ParseInt(n.ID, 10, 64)
	if id <= es.sent {
		return true
	}
	es.sent = id
	names, err := s.notificationNames(r, []notify.Notification{n})
	if err != nil {
		return false
	}
	unread, err := s.unread(r, v)
	if err != nil {
		return false
	}
	shown := v.notification(n, names)
	return es.send("notification", n.ID, liveNotification{ID: n.ID, Label: shown.Label, About: shown.About, Href: shown.Href, Unread: unread,
		Pop: n.Kind == phone.KindRinging && shown.Href != ""})
}

// eventStream writes Server-Sent Events. The stream outlives the
// server's write timeout: each write pushes the deadline on.
type eventStream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	sent int64 // the highest notification id sent
}

func (es *eventStream) start(r *http.Request) {
	h := es.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must pass events on as they come
	serverTiming(es.w, r)
	es.w.WriteHeader(http.StatusOK)
	es.write(": connected\n\n")
}

// send writes one event of kind with data as JSON.
func (es *eventStream) send(kind, id string, data any) bool {
	b, err := json.Marshal(data)
	if err != nil {
		return false
	}
	text := "event: " + kind + "\ndata: " + string(b) + "\n\n"
	if id != "" {
		text = "id: " + id + "\n" + text
	}
	return es.write(text)
}

func (es *eventStream) write(text string) bool {
	es.rc.SetWriteDeadline(time.Now().Add(streamHeartbeat + 30*time.Second))
	if _, err := fmt.Fprint(es.w, text); err != nil {
		return false
	}
	return es.rc.Flush() == nil
}
