// Package phone connects phone systems to Rapport. An administrator adds
// an integration, which gets an API token of its own and maps the phone
// system's extensions to users; the phone system then reports each call's
// events (ringing, answered, ended, missed) to one endpoint. Ringing pops
// the caller's card on the extension's user's open pages (a notification
// that the web app turns into the caller screen); an unknown caller lands
// in the inbox; the end of a call logs it on the caller's record, and a
// missed call leaves a call-back task. docs/decisions/0050-telephony.md
// has the reasons.
package phone

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// Limits of an integration's settings.
const (
	MaxName       = 200
	MaxExtensions = 1000 // extensions, and ring groups, of one integration
	MaxURL        = 2000
	MaxGroup      = 100 // users of one ring group
)

// extensionPattern is what an extension may look like: digits, letters
// and the few marks phone systems use (SIP/101, 101@office, *72).
var extensionPattern = regexp.MustCompile(`^[A-Za-z0-9*#+@._/-]{1,64}$`)

// Integration is one connected phone system.
type Integration struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Extensions map each extension to the id of the user who answers it.
	Extensions map[string]string `json:"extensions"`
	// RingGroups map a group's extension to the users it rings.
	RingGroups map[string][]string `json:"ring_groups"`
	// OriginateURL, when set, is asked to ring the user's extension and
	// then dial a number (click-to-call).
	OriginateURL string `json:"originate_url"`
	// OriginateAllowPrivate are the private ranges (CIDR) the originate
	// URL may reach, such as the office network of an Asterisk server;
	// without them only public addresses are dialled.
	OriginateAllowPrivate []string `json:"originate_allow_private"`
	// Token is the integration's API token, shown once: when it is made
	// and when it is replaced. Only its hash is stored.
	Token     string    `json:"token,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input is an integration's settings as an administrator sends them; a
// PUT replaces them all.
type Input struct {
	Name                  string              `json:"name"`
	Extensions            map[string]string   `json:"extensions"`
	RingGroups            map[string][]string `json:"ring_groups"`
	OriginateURL          string              `json:"originate_url"`
	OriginateAllowPrivate []string            `json:"originate_allow_private"`
}

// Options configure the service.
type Options struct {
	Logger *slog.Logger
	// PhoneRegion reads numbers without a country code.
	PhoneRegion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service is the telephony service.
type Service struct {
	db     *store.DB
	engine *records.Engine
	search *search.Service
	inbox  *inbox.Service
	log    *slog.Logger
	region string
	now    func() time.Time
}

// New returns the service over db. It looks callers up through search,
// files unknown callers in inbox and logs calls through engine.
func New(db *store.DB, engine *records.Engine, srch *search.Service, in *inbox.Service, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, engine: engine, search: srch, inbox: in, log: opts.Logger.With("component", "phone"),
		region: opts.PhoneRegion, now: opts.Now}
}

// admin returns the actor when they are an administrator: integrations
// hold tokens and decide who is told of calls.
func admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != access.RoleAdministrator {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage phone integrations")
	}
	return a, nil
}

// check validates in, naming every field at fault, and refuses users not
// of workspace ws.
func (s *Service) check(ctx context.Context, ws int64, in *Input) error {
	var c fault.Collector
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		c.Add("name", "required", "is required")
	case utf8.RuneCountInString(in.Name) > MaxName:
		c.Add("name", "too_long", "must be at most %d characters", MaxName)
	default:
		c.Include(input.Line("name", in.Name))
	}
	if in.Extensions == nil {
		in.Extensions = map[string]string{}
	}
	if in.RingGroups == nil {
		in.RingGroups = map[string][]string{}
	}
	if len(in.Extensions) > MaxExtensions {
		c.Add("extensions", "too_many", "must be at most %d", MaxExtensions)
	}
	if len(in.RingGroups) > MaxExtensions {
		c.Add("ring_groups", "too_many", "must be at most %d", MaxExtensions)
	}
	users := map[string]bool{}
	for _, ext := range sortedKeys(in.Extensions) {
		field := "extensions." + ext
		if !extensionPattern.MatchString(ext) {
			c.Add("extensions", "format", "%q is not an extension: use up to 64 letters, digits and * # + @ . _ / -", input.Shown(ext))
			continue
		}
		if _, ok := input.ID(in.Extensions[ext]); !ok {
			c.Add(field, "type", "must be a user id")
			continue
		}
		users[in.Extensions[ext]] = true
	}
	for _, g := range sortedKeys(in.RingGroups) {
		field := "ring_groups." + g
		if !extensionPattern.MatchString(g) {
			c.Add("ring_groups", "format", "%q is not an extension: use up to 64 letters, digits and * # + @ . _ / -", input.Shown(g))
			continue
		}
		if _, clash := in.Extensions[g]; clash {
			c.Add(field, "clash", "is an extension of a user too")
		}
		members := in.RingGroups[g]
		if len(members) == 0 {
			c.Add(field, "required", "must name at least one user")
		}
		if len(members) > MaxGroup {
			c.Add(field, "too_many", "must be at most %d users", MaxGroup)
		}
		for _, u := range members {
			if _, ok := input.ID(u); !ok {
				c.Add(field, "type", "must be user ids")
				break
			}
			users[u] = true
		}
	}
	in.OriginateURL = strings.TrimSpace(in.OriginateURL)
	if in.OriginateURL != "" {
		u, err := url.Parse(in.OriginateURL)
		switch {
		case len(in.OriginateURL) > MaxURL:
			c.Add("originate_url", "too_long", "must be at most %d characters", MaxURL)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			c.Add("originate_url", "url", "must be an http or https address")
		}
	}
	if in.OriginateAllowPrivate == nil {
		in.OriginateAllowPrivate = []string{}
	}
	if len(in.OriginateAllowPrivate) > 20 {
		c.Add("originate_allow_private", "too_many", "must be at most 20 ranges")
	} else if _, err := webhook.ParseAllowance(in.OriginateAllowPrivate); err != nil {
		c.Add("originate_allow_private", "format", "%s", err.Error())
	}
	if err := c.Err(); err != nil {
		return err
	}
	for _, u := range sortedKeys(users) {
		var n int
		if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND id = ?`, ws, u).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			c.Add("extensions", "unknown", "user %s is not a user of this workspace", u)
		}
	}
	return c.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// newToken returns a fresh API token and the hash that is stored of it.
func newToken() (string, string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	t := "rpt_" + hex.EncodeToString(b)
	return t, hashToken(t)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func (s *Service) columns() string {
	d := s.db.Dialect
	return `id, name, ` + d.JSONOut("extensions") + `, ` + d.JSONOut("ring_groups") + `, originate_url, ` + d.JSONOut("originate_allow") +
		`, version, created_at, updated_at`
}

func scanIntegration(row interface{ Scan(...any) error }) (Integration, error) {
	var i Integration
	var id int64
	var ext, groups, allow string
	var created, updated any
	if err := row.Scan(&id, &i.Name, &ext, &groups, &i.OriginateURL, &allow, &i.Version, &created, &updated); err != nil {
		return i, err
	}
	i.ID = strconv.FormatInt(id, 10)
	i.Extensions, i.RingGroups, i.OriginateAllowPrivate = map[string]string{}, map[string][]string{}, []string{}
	_ = json.Unmarshal([]byte(ext), &i.Extensions)
	_ = json.Unmarshal([]byte(groups), &i.RingGroups)
	_ = json.Unmarshal([]byte(allow), &i.OriginateAllowPrivate)
	i.CreatedAt, _ = store.ParseTime(created)
	i.UpdatedAt, _ = store.ParseTime(updated)
	return i, nil
}

// List returns the workspace's integrations.
func (s *Service) List(ctx context.Context) ([]Integration, error) {
	a, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+s.columns()+` FROM phone_integrations
		WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Integration{}
	for rows.Next() {
		i, err := scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Get returns one integration.
func (s *Service) Get(ctx context.Context, id string) (Integration, error) {
	a, err := admin(ctx)
	if err != nil {
		return Integration{}, err
	}
	return s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, ws int64, id string) (Integration, error) {
	missing := fault.Errorf(fault.ENOTFOUND, "no phone integration with id %q", id)
	n, ok := input.ID(id)
	if !ok {
		return Integration{}, missing
	}
	i, err := scanIntegration(q.QueryRowContext(ctx, `SELECT `+s.columns()+` FROM phone_integrations
		WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, ws, n))
	if errors.Is(err, sql.ErrNoRows) {
		return i, missing
	}
	return i, err
}

// Create adds an integration and returns it with its token, which is
// shown this once.
func (s *Service) Create(ctx context.Context, in Input) (Integration, error) {
	a, err := admin(ctx)
	if err != nil {
		return Integration{}, err
	}
	if err := s.check(ctx, a.WorkspaceID, &in); err != nil {
		return Integration{}, err
	}
	token, hash := newToken()
	ext, _ := json.Marshal(in.Extensions)
	groups, _ := json.Marshal(in.RingGroups)
	allow, _ := json.Marshal(in.OriginateAllowPrivate)
	now := s.db.Dialect.Time(s.now())
	var out Integration
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO phone_integrations (workspace_id, name, token_hash, extensions, ring_groups,
			originate_url, originate_allow, created_at, updated_at) VALUES (?, ?, ?, `+s.db.Dialect.JSONIn()+`, `+s.db.Dialect.JSONIn()+`, ?, `+
			s.db.Dialect.JSONIn()+`, ?, ?) RETURNING id`,
			a.WorkspaceID, in.Name, hash, string(ext), string(groups), in.OriginateURL, string(allow), now, now).Scan(&id); err != nil {
			return err
		}
		out, err = s.get(ctx, q, a.WorkspaceID, strconv.FormatInt(id, 10))
		return err
	})
	out.Token = token
	return out, err
}

// Update replaces an integration's settings; its token stays.
func (s *Service) Update(ctx context.Context, id string, in Input) (Integration, error) {
	a, err := admin(ctx)
	if err != nil {
		return Integration{}, err
	}
	cur, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return Integration{}, err
	}
	if err := s.check(ctx, a.WorkspaceID, &in); err != nil {
		return Integration{}, err
	}
	ext, _ := json.Marshal(in.Extensions)
	groups, _ := json.Marshal(in.RingGroups)
	allow, _ := json.Marshal(in.OriginateAllowPrivate)
	var out Integration
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE phone_integrations SET name = ?, extensions = `+s.db.Dialect.JSONIn()+`,
			ring_groups = `+s.db.Dialect.JSONIn()+`, originate_url = ?, originate_allow = `+s.db.Dialect.JSONIn()+`, version = version + 1,
			updated_at = ? WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`,
			in.Name, string(ext), string(groups), in.OriginateURL, string(allow), s.db.Dialect.Time(s.now()), a.WorkspaceID, cur.id()); err != nil {
			return err
		}
		out, err = s.get(ctx, q, a.WorkspaceID, id)
		return err
	})
	return out, err
}

// Rotate gives an integration a new token; the old one stops working at
// once.
func (s *Service) Rotate(ctx context.Context, id string) (Integration, error) {
	a, err := admin(ctx)
	if err != nil {
		return Integration{}, err
	}
	cur, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return Integration{}, err
	}
	token, hash := newToken()
	var out Integration
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE phone_integrations SET token_hash = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ?`, hash, s.db.Dialect.Time(s.now()), a.WorkspaceID, cur.id()); err != nil {
			return err
		}
		out, err = s.get(ctx, q, a.WorkspaceID, id)
		return err
	})
	out.Token = token
	return out, err
}

// Delete removes an integration; its token stops working, its calls stay
// in the report.
func (s *Service) Delete(ctx context.Context, id string) error {
	a, err := admin(ctx)
	if err != nil {
		return err
	}
	cur, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		// The hash is replaced too, so that the token is gone for good.
		_, err := q.ExecContext(ctx, `UPDATE phone_integrations SET deleted_at = ?, token_hash = ? WHERE workspace_id = ? AND id = ?`,
			s.db.Dialect.Time(s.now()), "deleted:"+strconv.FormatInt(a.WorkspaceID, 10)+":"+cur.ID, a.WorkspaceID, cur.id())
		return err
	})
}

// id is the integration's id as a number.
func (i Integration) id() int64 {
	n, _ := strconv.ParseInt(i.ID, 10, 64)
	return n
}

// connected is an integration found by its token, with its workspace.
type connected struct {
	Integration
	ws int64
}

// ByToken returns the integration whose token is token; a token that is
// not one answers unauthorized.
func (s *Service) byToken(ctx context.Context, token string) (connected, error) {
	denied := fault.Errorf(fault.EUNAUTHORIZED, "the phone integration token is missing or not valid")
	if token == "" || len(token) > 200 {
		return connected{}, denied
	}
	row := s.db.Reader().QueryRowContext(ctx, `SELECT workspace_id, `+s.columns()+` FROM phone_integrations
		WHERE token_hash = ? AND deleted_at IS NULL`, hashToken(token))
	var c connected
	var id int64
	var ext, groups, allow string
	var created, updated any
	err := row.Scan(&c.ws, &id, &c.Name, &ext, &groups, &c.OriginateURL, &allow, &c.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, denied
	}
	if err != nil {
		return c, err
	}
	c.ID = strconv.FormatInt(id, 10)
	c.Extensions, c.RingGroups = map[string]string{}, map[string][]string{}
	_ = json.Unmarshal([]byte(ext), &c.Extensions)
	_ = json.Unmarshal([]byte(groups), &c.RingGroups)
	return c, nil
}
