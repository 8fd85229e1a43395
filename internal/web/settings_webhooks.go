package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/webhook"
)

// webhooksPage lists the workspace's webhook endpoints, with a form to
// add one. Secret is a new endpoint's signing secret, shown this once.
type webhooksPage struct {
	frame
	Endpoints []webhookRow
	Kinds     []formOption // every kind, Selected from the form
	Picked    map[string]bool
	URL       string
	Objects   string
	Allow     string
	Errors    map[string]string
	Secret    string
	Notice    string
	Problem   string
}

// webhookRow is one endpoint as the list shows it.
type webhookRow struct {
	ID, URL, Events, Objects, Disabled string
	Enabled                            bool
}

// webhookPage is one endpoint: its settings, its secret when just
// rotated, and its delivery log with a replay button on each.
type webhookPage struct {
	frame
	Endpoint   webhookRow
	Secret     string
	Deliveries []deliveryRow
	More       string // the cursor of the next page
	Notice     string
}

// deliveryRow is one line of the log.
type deliveryRow struct {
	ID, When, Type, Record, State, Answer, Latency, Error, Request, Next string
	Attempts                                                             int
	Replayable, Failed                                                   bool
}

func (s *Server) webhooks() *webhook.Service {
	return webhook.New(s.db, webhook.Options{Logger: s.log,
		Objects: func(name string) bool { return s.engine.Object(name) != nil }})
}

// eventKindLabel is a kind of event in the visit's language.
func eventKindLabel(v *visit, kind string) string {
	switch kind {
	case "created":
		return v.p.T("web.webhooks.kind.created")
	case "updated":
		return v.p.T("web.webhooks.kind.updated")
	case "deleted":
		return v.p.T("web.webhooks.kind.deleted")
	case "restored":
		return v.p.T("web.webhooks.kind.restored")
	case "stage_changed":
		return v.p.T("web.webhooks.kind.stage_changed")
	case "won":
		return v.p.T("web.webhooks.kind.won")
	case "lost":
		return v.p.T("web.webhooks.kind.lost")
	case "request_arrived":
		return v.p.T("web.webhooks.kind.request_arrived")
	case "reply":
		return v.p.T("web.webhooks.kind.reply")
	}
	return kind
}

// deliveryState is a delivery's status in the visit's language.
func deliveryState(v *visit, status string) string {
	switch status {
	case "queued":
		return v.p.T("web.webhooks.state.queued")
	case "pending":
		return v.p.T("web.webhooks.state.pending")
	case "delivered":
		return v.p.T("web.webhooks.state.delivered")
	case "failed":
		return v.p.T("web.webhooks.state.failed")
	}
	return status
}

func endpointRow(v *visit, e webhook.Endpoint) webhookRow {
	kinds := make([]string, len(e.Events))
	for i, k := range e.Events {
		kinds[i] = eventKindLabel(v, k)
	}
	return webhookRow{ID: e.ID, URL: e.URL, Events: strings.Join(kinds, ", "), Objects: strings.Join(e.Objects, ", "),
		Enabled: e.Enabled, Disabled: e.Disabled}
}

func (s *Server) webhooksData(r *http.Request, v *visit) (*webhooksPage, error) {
	list, err := s.webhooks().List(r.Context())
	if err != nil {
		return nil, err
	}
	data := &webhooksPage{frame: frame{Nav: "settings"}, Picked: map[string]bool{"created": true, "updated": true, "deleted": true}}
	for _, e := range list {
		data.Endpoints = append(data.Endpoints, endpointRow(v, e))
	}
	for _, k := range webhook.Kinds {
		data.Kinds = append(data.Kinds, formOption{Value: k, Label: eventKindLabel(v, k)})
	}
	return data, nil
}

func (s *Server) webhooksList(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.webhooksData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_webhooks", data)
}

// splitList reads a comma-separated field.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// addWebhook subscribes an endpoint, as POST /api/v1/webhooks does, and
// shows its secret this once on the page the post answers.
func (s *Server) addWebhook(w http.ResponseWriter, r *http.Request, v *visit) {
	r.ParseForm()
	url, objects, allow := strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("objects"), r.PostFormValue("allow_private")
	events := r.PostForm["events"]
	in := webhook.Input{URL: &url, Events: &events}
	if o := splitList(objects); len(o) > 0 {
		in.Objects = &o
	}
	if a := splitList(allow); len(a) > 0 {
		in.AllowPrivate = &a
	}
	e, err := s.webhooks().Create(r.Context(), in)
	data, derr := s.webhooksData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	if err == nil {
		data.Secret = e.Secret
		s.render(w, r, v, http.StatusCreated, "settings_webhooks", data)
		return
	}
	data.URL, data.Objects, data.Allow = url, objects, allow
	data.Picked = map[string]bool{}
	for _, k := range events {
		data.Picked[k] = slices.Contains(webhook.Kinds, k)
	}
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 {
		data.Errors = errs
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_webhooks", data)
}

// webhookDetail shows one endpoint and its delivery log, 50 at a time.
func (s *Server) webhookDetail(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showWebhook(w, r, v, "")
}

func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request, v *visit, secret string) {
	svc := s.webhooks()
	e, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	page, err := svc.Deliveries(r.Context(), e.ID, "", r.URL.Query().Get("cursor"), 0)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &webhookPage{frame: frame{Nav: "settings"}, Endpoint: endpointRow(v, e), Secret: secret, More: page.NextCursor}
	switch r.URL.Query().Get("done") {
	case "replayed":
		data.Notice = v.p.T("web.webhooks.done.replayed")
	default:
		data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	}
	for _, d := range page.Data {
		row := deliveryRow{ID: d.ID, When: v.moment(d.CreatedAt), Type: d.Type, Record: d.Object + " " + d.RecordID,
			State: deliveryState(v, d.Status), Attempts: d.Attempts, Error: d.Error,
			Request: string(d.Request), Replayable: d.Status == "delivered" || d.Status == "failed", Failed: d.Status == "failed"}
		if d.NextAt != nil && d.Attempts > 0 {
			row.Next = v.p.T("web.webhooks.next", "when", v.moment(*d.NextAt))
		}
		if d.Response != nil {
			// The answer's status says it; the log's own words are for
			// what left no answer (a refused address, a timeout).
			row.Answer, row.Error = strconv.Itoa(d.Response.Status), ""
		}
		if d.LatencyMS != nil {
			row.Latency = v.p.T("web.webhooks.ms", "n", strconv.FormatInt(*d.LatencyMS, 10))
		}
		data.Deliveries = append(data.Deliveries, row)
	}
	status := http.StatusOK
	if secret != "" {
		status = http.StatusCreated
	}
	s.render(w, r, v, status, "settings_webhook", data)
}

// webhookAction runs one of an endpoint's buttons: turn on or off, delete,
// a new secret (shown this once), or replay a delivery.
func (s *Server) webhookAction(action string) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) { s.runWebhookAction(w, r, v, action) }
}

func (s *Server) runWebhookAction(w http.ResponseWriter, r *http.Request, v *visit, action string) {
	svc, id := s.webhooks(), r.PathValue("id")
	page := "/settings/webhooks/" + id + "/deliveries"
	var err error
	switch action {
	case "enable", "disable":
		on := action == "enable"
		_, err = svc.Update(r.Context(), id, webhook.Input{Enabled: &on})
		if err == nil {
			doneAt(w, r, page, "saved")
			return
		}
	case "delete":
		if err = svc.Delete(r.Context(), id); err == nil {
			doneAt(w, r, "/settings/webhooks", "deleted")
			return
		}
	case "rotate":
		var e webhook.Endpoint
		if e, err = svc.Rotate(r.Context(), id); err == nil {
			s.showWebhook(w, r, v, e.Secret)
			return
		}
	default:
		err = errNotFound
	}
	s.fail(w, r, v, err)
}

func (s *Server) replayDelivery(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if _, err := s.webhooks().Replay(r.Context(), id, r.PathValue("delivery")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	doneAt(w, r, "/settings/webhooks/"+id+"/deliveries", "replayed")
}
