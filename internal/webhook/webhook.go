// Package webhook sends Rapport's changes to the endpoints administrators
// subscribe: a consumer of the outbox turns each change into one delivery
// per matching endpoint, in the transaction that moves its position, and a
// worker posts them signed by the Standard Webhooks specification, a
// record's deliveries to one endpoint in order, retrying with jittered
// back-off for about three days (docs/decisions/0045-webhooks.md).
// Connections go only to public addresses unless the endpoint allows a
// private range; the check runs when the socket connects, after DNS.
package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Kinds are the kinds of event an endpoint subscribes to. An event's type
// is its object and kind: contact.created, deal.stage_changed, deal.won.
// The engine's create, update, delete and restore give created, updated,
// deleted and restored; a deal's update that moves its stage or closes it
// gives stage_changed, won or lost as well. Any other outbox action named
// here passes through as it is, so a service adds a kind by writing
// events with that action and appending it: the inbox writes
// request_arrived on object inbox, delivered as inbox.request_arrived, and
// a chat channel's reply writes reply on object chat: chat.reply.
var Kinds = []string{"created", "updated", "deleted", "restored", "stage_changed", "won", "lost", "request_arrived", "reply"}

// Endpoint is one subscribed URL.
type Endpoint struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Description  string     `json:"description"`
	Events       []string   `json:"events"`
	Objects      []string   `json:"objects"`       // empty: every object
	AllowPrivate []string   `json:"allow_private"` // ranges it may reach that are otherwise refused
	Enabled      bool       `json:"enabled"`
	Disabled     string     `json:"disabled_reason,omitempty"`
	Secret       string     `json:"secret,omitempty"` // only when created or rotated
	OldUntil     *time.Time `json:"previous_secret_valid_until,omitempty"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	secret, oldSecret string
	fromOutbox        int64
	n                 int64 // ID as a number
}

// Input creates or changes an endpoint; nil fields are left as they are.
type Input struct {
	URL          *string   `json:"url"`
	Description  *string   `json:"description"`
	Events       *[]string `json:"events"`
	Objects      *[]string `json:"objects"`
	AllowPrivate *[]string `json:"allow_private"`
	Enabled      *bool     `json:"enabled"`
	Version      *int64    `json:"version"`
}

// Options configure the service.
type Options struct {
	// Objects reports whether an outbox object is a record that webhooks
	// carry; nil means every object but the accounts' and roles'.
	Objects func(name string) bool
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// internalObjects are outbox objects that are settings, not records.
var internalObjects = map[string]bool{"role": true, "user": true, "team": true, "token": true, "api_token": true,
	"session": true, "workspace": true, "permission": true}

func (o Options) withDefaults() Options {
	if o.Objects == nil {
		o.Objects = func(name string) bool { return !internalObjects[name] }
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service manages endpoints and their delivery log. Only administrators
// may use it: an endpoint receives every change of the workspace.
type Service struct {
	db *store.DB
	o  Options
}

// New returns the service over db.
func New(db *store.DB, o Options) *Service {
	return &Service{db: db, o: o.withDefaults()}
}

// admin returns the actor when an administrator, else EFORBIDDEN.
func admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != "administrator" {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage webhooks")
	}
	return a, nil
}

const endpointColumns = `id, url, description, events, objects, allow_private, secret, old_secret, old_until, status,
	disabled_why, from_outbox_id, version, created_at, updated_at`

func scanEndpoint(row interface{ Scan(...any) error }) (Endpoint, error) {
	var e Endpoint
	var id int64
	var events, objects, allow, status string
	var old sql.NullString
	var oldUntil, created, updated any
	err := row.Scan(&id, &e.URL, &e.Description, &events, &objects, &allow, &e.secret, &old, &oldUntil, &status,
		&e.Disabled, &e.fromOutbox, &e.Version, &created, &updated)
	if err != nil {
		return e, err
	}
	e.ID, e.n = strconv.FormatInt(id, 10), id
	e.oldSecret = old.String
	json.Unmarshal([]byte(events), &e.Events)
	json.Unmarshal([]byte(objects), &e.Objects)
	e.AllowPrivate = []string{}
	if allow != "" {
		e.AllowPrivate = strings.Split(allow, ",")
	}
	e.Enabled = status == "enabled"
	if t, ok := store.ParseTime(oldUntil); ok {
		e.OldUntil = &t
	}
	e.CreatedAt, _ = store.ParseTime(created)
	e.UpdatedAt, _ = store.ParseTime(updated)
	return e, nil
}

// secrets are the secrets that sign a message sent at now: the current
// one, and the one it replaced while that stays valid.
func (e Endpoint) secrets(now time.Time) []string {
	out := []string{e.secret}
	if e.oldSecret != "" && e.OldUntil != nil && now.Before(*e.OldUntil) {
		out = append(out, e.oldSecret)
	}
	return out
}

// List returns the workspace's endpoints, oldest first.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) {
	a, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = ? ORDER BY id`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns one endpoint.
func (s *Service) Get(ctx context.Context, id string) (Endpoint, error) {
	a, err := admin(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	return s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, ws int64, id string) (Endpoint, error) {
	n, ok := input.ID(id)
	if !ok {
		return Endpoint{}, fault.Errorf(fault.ENOTFOUND, "no webhook %s", id)
	}
	e, err := scanEndpoint(q.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = ? AND id = ?`, ws, n))
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, fault.Errorf(fault.ENOTFOUND, "no webhook %s", id)
	}
	return e, err
}

// Create subscribes an endpoint and returns it with its secret, which is
// shown this once. It receives the events written after it was created.
func (s *Service) Create(ctx context.Context, in Input) (Endpoint, error) {
	a, err := admin(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	e := Endpoint{Enabled: true, Events: []string{}, Objects: []string{}, AllowPrivate: []string{}}
	if err := s.apply(&e, in, true); err != nil {
		return Endpoint{}, err
	}
	now := s.o.Now().UTC()
	e.secret = NewSecret()
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var from int64
		if err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&from); err != nil {
			return err
		}
		events, objects := jsonList(e.Events), jsonList(e.Objects)
		return q.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (workspace_id, url, description, events, objects,
			allow_private, secret, status, from_outbox_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.WorkspaceID, e.URL, e.Description, events, objects, strings.Join(e.AllowPrivate, ","), e.secret,
			status(e.Enabled), from, s.db.Dialect.Time(now), s.db.Dialect.Time(now)).Scan(&id)
	})
	if err != nil {
		return Endpoint{}, err
	}
	out, err := s.get(ctx, s.db.Reader(), a.WorkspaceID, strconv.FormatInt(id, 10))
	out.Secret = out.secret
	return out, err
}

// Update changes an endpoint. Enabling one clears why it was disabled; its
// deliveries still pending resume.
func (s *Service) Update(ctx context.Context, id string, in Input) (Endpoint, error) {
	a, err := admin(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		e, err := s.get(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != e.Version {
			return fault.Errorf(fault.ECONFLICT, "the webhook was changed since version %d; it is at version %d", *in.Version, e.Version)
		}
		if err := s.apply(&e, in, false); err != nil {
			return err
		}
		if in.Enabled != nil && *in.Enabled {
			e.Disabled = ""
		}
		_, err = q.ExecContext(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, objects = ?,
			allow_private = ?, status = ?, disabled_why = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ?`, e.URL, e.Description, jsonList(e.Events), jsonList(e.Objects),
			strings.Join(e.AllowPrivate, ","), status(e.Enabled), e.Disabled, s.db.Dialect.Time(s.o.Now()), a.WorkspaceID, e.n)
		return err
	})
	if err != nil {
		return Endpoint{}, err
	}
	return s.get(ctx, s.db.Reader(), a.WorkspaceID, id)
}

// Delete removes an endpoint and its delivery log.
func (s *Service) Delete(ctx context.Context, id string) error {
	a, err := admin(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		e, err := s.get(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ?`, a.WorkspaceID, e.n); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, e.n)
		return err
	})
}

// RotateGrace is how long the replaced secret keeps signing after a
// rotation, so that receivers can switch without losing a message.
const RotateGrace = 24 * time.Hour

// Rotate gives the endpoint a new secret, returned this once; the old one
// signs beside it for RotateGrace.
func (s *Service) Rotate(ctx context.Context, id string) (Endpoint, error) {
	a, err := admin(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	now, secret := s.o.Now().UTC(), NewSecret()
	err = s.db.Tx(ctx, func(q store.Querier) error {
		e, err := s.get(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		d := s.db.Dialect
		_, err = q.ExecContext(ctx, `UPDATE webhook_endpoints SET old_secret = secret, old_until = ?, secret = ?,
			version = version + 1, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			d.Time(now.Add(RotateGrace)), secret, d.Time(now), a.WorkspaceID, e.n)
		return err
	})
	if err != nil {
		return Endpoint{}, err
	}
	out, err := s.get(ctx, s.db.Reader(), a.WorkspaceID, id)
	out.Secret = out.secret
	return out, err
}

func status(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

func jsonList(l []string) string {
	b, _ := json.Marshal(l)
	return string(b)
}

// maxURL bounds an endpoint's URL.
const maxURL = 2000

// apply checks in and writes it into e, reporting every field at fault.
func (s *Service) apply(e *Endpoint, in Input, create bool) error {
	var c fault.Collector
	if in.Description != nil {
		if len(*in.Description) > 500 {
			c.Add("description", "too_long", "must be at most 500 characters")
		}
		c.Include(input.Line("description", *in.Description))
		e.Description = strings.TrimSpace(*in.Description)
	}
	if in.AllowPrivate != nil {
		if _, err := ParseAllowance(*in.AllowPrivate); err != nil {
			c.Add("allow_private", "format", "%s", err.Error())
		} else {
			e.AllowPrivate = make([]string, 0, len(*in.AllowPrivate))
			for _, r := range *in.AllowPrivate {
				p, _ := netip.ParsePrefix(strings.TrimSpace(r))
				e.AllowPrivate = append(e.AllowPrivate, p.Masked().String())
			}
		}
	}
	switch {
	case in.URL != nil:
		if fe := input.Line("url", *in.URL); fe != nil {
			c.Include(fe)
		} else {
			c.Include(checkURL(*in.URL, e.AllowPrivate))
		}
		e.URL = strings.TrimSpace(*in.URL)
	case create:
		c.Add("url", "required", "is required")
	}
	switch {
	case in.Events != nil:
		if len(*in.Events) == 0 {
			c.Add("events", "required", "name at least one of %s", strings.Join(Kinds, ", "))
		}
		for _, k := range *in.Events {
			if !slices.Contains(Kinds, k) {
				c.Add("events", "unknown", "%q is not one of %s", k, strings.Join(Kinds, ", "))
			}
		}
		e.Events = dedupe(*in.Events)
	case create:
		c.Add("events", "required", "name at least one of %s", strings.Join(Kinds, ", "))
	}
	if in.Objects != nil {
		for _, o := range *in.Objects {
			if !s.o.Objects(o) && o != "inbox" {
				c.Add("objects", "unknown", "%q is not an object", o)
			}
		}
		e.Objects = dedupe(*in.Objects)
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	return c.Err()
}

func dedupe(l []string) []string {
	out := slices.Clone(l)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkURL refuses what can never be delivered to: another scheme, no
// host, credentials in the URL, and an IP address in a refused range that
// allow does not open. Names are checked when they are connected to.
func checkURL(raw string, allow []string) *fault.FieldError {
	bad := func(code, format string, args ...any) *fault.FieldError {
		e := fault.Field("url", code, format, args...)
		return &e.Fields[0]
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return bad("required", "is required")
	}
	if len(raw) > maxURL {
		return bad("too_long", "must be at most %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("format", "must be an http or https URL")
	}
	if u.User != nil {
		return bad("format", "must not carry a user name or password")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		a, _ := ParseAllowance(allow)
		if err := a.Check(ip); err != nil {
			return bad("private_address", "%s", err.Error())
		}
	}
	return nil
}
