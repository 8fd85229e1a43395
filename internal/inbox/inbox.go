// Package inbox keeps the incoming requests that are not yet deals: web
// form submissions, calls from unknown numbers, chat messages, mail to a
// shared address and requests sent through the API. Each request lands
// with its channel, source, UTM tags, referrer and raw payload, matched to
// a contact or company by normalised e-mail and phone (the duplicate
// keys), and is sorted by a user: accepted into a deal (contact, company
// and deal created or linked through the records engine in one
// transaction), linked to an existing deal, or declined with a reason.
// What looks like spam is kept with the status spam, never dropped.
// docs/decisions/0046-inbox-and-web-forms.md has the reasons.
package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/limit"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Channels a request arrives by.
var Channels = []string{"web_form", "phone_call", "chat", "email", "api"}

// Statuses of a request: new until sorted; spam is kept apart, never
// dropped, and can still be accepted.
var Statuses = []string{"new", "accepted", "linked", "declined", "spam"}

// Object is the outbox object of inbox events; an arrival is
// "inbox.request_arrived".
const Object = "inbox"

// Outbox actions of the inbox.
const (
	ActionArrived  = "request_arrived"
	ActionAccepted = "request_accepted"
	ActionLinked   = "request_linked"
	ActionDeclined = "request_declined"
)

// KindRequest is the notification kind that tells the assigned user a
// request arrived; the web app's inbox refreshes on it.
const KindRequest = "inbox_request"

// Limits on what a request holds.
const (
	MaxText    = 1000     // a name, e-mail, phone, source, UTM tag, referrer
	MaxMessage = 10000    // the message
	MaxPayload = 64 << 10 // the raw payload, as JSON
)

// UTM are the campaign tags of a request.
type UTM struct {
	Source   string `json:"source"`
	Medium   string `json:"medium"`
	Campaign string `json:"campaign"`
	Term     string `json:"term"`
	Content  string `json:"content"`
}

// Request is one incoming request.
type Request struct {
	ID             string          `json:"id"`
	PipelineID     string          `json:"pipeline_id,omitempty"`
	FormID         string          `json:"form_id,omitempty"`
	Channel        string          `json:"channel"`
	Source         string          `json:"source"`
	UTM            UTM             `json:"utm"`
	Referrer       string          `json:"referrer"`
	Payload        json.RawMessage `json:"payload"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	CompanyName    string          `json:"company_name"`
	Message        string          `json:"message"`
	Consent        *string         `json:"consent"`
	ContactID      string          `json:"contact_id,omitempty"`
	CompanyID      string          `json:"company_id,omitempty"`
	Matches        int             `json:"matches"`
	LikelyDup      bool            `json:"likely_duplicate"`
	Status         string          `json:"status"`
	SpamReason     string          `json:"spam_reason,omitempty"`
	DeclineReason  string          `json:"decline_reason,omitempty"`
	DealID         string          `json:"deal_id,omitempty"`
	AssignedUserID string          `json:"assigned_user_id,omitempty"`
	ReceivedAt     time.Time       `json:"received_at"`
	SortedAt       *time.Time      `json:"sorted_at"`
	SortedBy       string          `json:"sorted_by,omitempty"`
	// WaitedSeconds is how long the request waited to be sorted, or has
	// waited so far.
	WaitedSeconds int64 `json:"waited_seconds"`
}

// Input is a request as it arrives.
type Input struct {
	PipelineID     string          `json:"pipeline_id"`
	Channel        string          `json:"channel"`
	Source         string          `json:"source"`
	UTM            UTM             `json:"utm"`
	Referrer       string          `json:"referrer"`
	Payload        json.RawMessage `json:"payload"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	CompanyName    string          `json:"company_name"`
	Message        string          `json:"message"`
	Consent        *string         `json:"consent"`
	AssignedUserID string          `json:"assigned_user_id"`

	// Set by the web forms, not by API callers.
	formID     int64
	spamReason string
	address    string
	nonce      string
	language   string // the form's, for the assignment rules
}

// Options configure the service.
type Options struct {
	Logger *slog.Logger
	// PhoneRegion reads numbers without a country code.
	PhoneRegion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Mail sends the forms' confirmations to visitors; nil sends none.
	Mail mail.Sender
	// Assign chooses the user of a request that arrives with none; nil
	// leaves such requests unassigned.
	Assign *assign.Service
}

// Service is the inbox.
type Service struct {
	db     *store.DB
	engine *records.Engine
	log    *slog.Logger
	region string
	now    func() time.Time
	mail   mail.Sender
	assign *assign.Service
	// The limits on confirmations: per recipient and per form.
	perAddress, perForm *limit.Buckets
}

// ConfirmationsPerHour bounds the confirmations one form mails.
const ConfirmationsPerHour = 30

// New returns the inbox over db, writing records through engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, engine: engine, log: opts.Logger.With("component", "inbox"), region: opts.PhoneRegion, now: opts.Now,
		mail: opts.Mail, assign: opts.Assign, perAddress: limit.NewBuckets(1.0/(24*3600), 1), perForm: limit.NewBuckets(ConfirmationsPerHour/3600.0, ConfirmationsPerHour)}
}

// check validates in, naming every field at fault.
func (in *Input) check(c *fault.Collector) {
	if in.Channel == "" {
		in.Channel = "api"
	}
	if !oneOf(in.Channel, Channels) {
		c.Add("channel", "option", "must be one of %s", strings.Join(Channels, ", "))
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"source", &in.Source, MaxText}, {"utm.source", &in.UTM.Source, MaxText}, {"utm.medium", &in.UTM.Medium, MaxText},
		{"utm.campaign", &in.UTM.Campaign, MaxText}, {"utm.term", &in.UTM.Term, MaxText}, {"utm.content", &in.UTM.Content, MaxText},
		{"referrer", &in.Referrer, MaxText}, {"name", &in.Name, MaxText}, {"email", &in.Email, MaxText},
		{"phone", &in.Phone, MaxText}, {"company_name", &in.CompanyName, MaxText}, {"message", &in.Message, MaxMessage}} {
		*f.v = strings.TrimSpace(*f.v)
		if utf8.RuneCountInString(*f.v) > f.max {
			c.Add(f.name, "too_long", "must be at most %d characters", f.max)
		} else if f.name == "message" {
			c.Include(input.Text(f.name, *f.v))
		} else {
			c.Include(input.Line(f.name, *f.v))
		}
	}
	if in.Consent != nil && utf8.RuneCountInString(*in.Consent) > MaxMessage {
		c.Add("consent", "too_long", "must be at most %d characters", MaxMessage)
	} else if in.Consent != nil {
		c.Include(input.Text("consent", *in.Consent))
	}
	if len(in.Payload) == 0 || string(in.Payload) == "null" {
		in.Payload = json.RawMessage(`{}`)
	}
	if len(in.Payload) > MaxPayload {
		c.Add("payload", "too_long", "must be at most %d bytes", MaxPayload)
	} else if !json.Valid(in.Payload) {
		c.Add("payload", "type", "must be JSON")
	}
	if in.PipelineID != "" {
		if _, ok := input.ID(in.PipelineID); !ok {
			c.Add("pipeline_id", "type", "must be an id")
		}
	}
	if in.AssignedUserID != "" {
		if _, ok := input.ID(in.AssignedUserID); !ok {
			c.Add("assigned_user_id", "type", "must be an id")
		}
	}
	if in.Name == "" && in.Email == "" && in.Phone == "" && in.Message == "" {
		c.Add("name", "required", "a request needs a name, e-mail, phone or message")
	}
}

func oneOf(s string, options []string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// Create records a request sent by the actor through the API.
func (s *Service) Create(ctx context.Context, in Input) (Request, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Request{}, err
	}
	if err := s.engine.Policy().Authorize(ctx, a, "deal", access.Create, nil); err != nil {
		return Request{}, err
	}
	var c fault.Collector
	in.check(&c)
	if err := c.Err(); err != nil {
		return Request{}, err
	}
	if err := s.checkRefs(ctx, a.WorkspaceID, in); err != nil {
		return Request{}, err
	}
	id, _, err := s.arrive(ctx, a.WorkspaceID, a.UserID, in)
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, id)
}

// Receive files a request that reached workspace ws by a system rather
// than a person, such as a call from an unknown number, and returns its
// id. in is checked as Create checks it. It joins the transaction of ctx,
// if any (store.Within).
func (s *Service) Receive(ctx context.Context, ws int64, in Input) (string, error) {
	var c fault.Collector
	in.check(&c)
	if err := c.Err(); err != nil {
		return "", err
	}
	if err := s.checkRefs(ctx, ws, in); err != nil {
		return "", err
	}
	id, _, err := s.arrive(ctx, ws, 0, in)
	return id, err
}

// checkRefs refuses a pipeline or user that is not of the workspace.
func (s *Service) checkRefs(ctx context.Context, ws int64, in Input) error {
	var c fault.Collector
	if in.PipelineID != "" {
		var n int
		if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM pipelines WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`,
			ws, in.PipelineID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			c.Add("pipeline_id", "unknown", "is not a pipeline")
		}
	}
	if in.AssignedUserID != "" {
		var n int
		if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND id = ?`,
			ws, in.AssignedUserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			c.Add("assigned_user_id", "unknown", "is not a user")
		}
	}
	return c.Err()
}

// arrive writes a request of workspace ws, its outbox event and the
// assigned user's notification in one transaction, and returns its id.
// A form submission whose nonce was seen already is the same submission
// again: the first one's id comes back and nothing is written (replayed
// reports it).
func (s *Service) arrive(ctx context.Context, ws, actor int64, in Input) (id string, replayed bool, err error) {
	m, err := s.match(ctx, ws, in.Email, in.Phone)
	if err != nil {
		return "", false, err
	}
	status := "new"
	if in.spamReason != "" {
		status = "spam"
	}
	now := s.now().UTC()
	d := s.db.Dialect
	given := in.AssignedUserID
	err = s.db.Tx(ctx, func(q store.Querier) error {
		in.AssignedUserID = given // a retried transaction chooses again
		chose, err := s.choose(ctx, q, ws, &in, m, status)
		if err != nil {
			return err
		}
		var num int64
		err = q.QueryRowContext(ctx, `INSERT INTO inbox_requests (workspace_id, pipeline_id, form_id, channel, source, utm_source,
			utm_medium, utm_campaign, utm_term, utm_content, referrer, payload, name, email, phone, company_name, message, consent,
			contact_id, company_id, matches, status, spam_reason, assigned_user_id, client_address, nonce, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, `+d.JSONIn()+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, form_id, nonce) DO NOTHING RETURNING id`,
			ws, nullID(in.PipelineID), nullNum(in.formID), in.Channel, in.Source, in.UTM.Source, in.UTM.Medium, in.UTM.Campaign,
			in.UTM.Term, in.UTM.Content, in.Referrer, string(in.Payload), in.Name, in.Email, in.Phone, in.CompanyName, in.Message,
			in.Consent, nullNum(m.contact), nullNum(m.company), m.count, status, in.spamReason, nullID(in.AssignedUserID),
			in.address, nullStr(in.nonce), d.Time(now)).Scan(&num)
		if errors.Is(err, sql.ErrNoRows) {
			replayed = true
			err := q.QueryRowContext(ctx, `SELECT id FROM inbox_requests WHERE workspace_id = ? AND form_id = ? AND nonce = ?`,
				ws, in.formID, in.nonce).Scan(&num)
			id = strconv.FormatInt(num, 10)
			return err
		}
		if err != nil {
			return err
		}
		id = strconv.FormatInt(num, 10)
		if chose != nil {
			if err := assign.Write(ctx, q, d, ws, Object, id, *chose, now); err != nil {
				return err
			}
		}
		if err := outbox.Write(ctx, q, d, outbox.Event{WorkspaceID: ws, Object: Object, RecordID: id, Action: ActionArrived,
			ActorID: actor, At: now, Changes: map[string]any{"channel": in.Channel, "status": status, "pipeline_id": in.PipelineID,
				"form_id": nullNum(in.formID), "contact_id": nullNum(m.contact), "company_id": nullNum(m.company)}}); err != nil {
			return err
		}
		if in.AssignedUserID != "" && status == "new" {
			user, _ := strconv.ParseInt(in.AssignedUserID, 10, 64)
			// Nothing of the request itself: a notification is shown to
			// its user whatever their role, and a role that may not read
			// deals may not read the inbox either. The inbox shows the
			// sender to those who may see it.
			if _, err := notify.Add(ctx, q, d, ws, notify.Notification{UserID: user, Kind: KindRequest, Title: "New request in the inbox",
				Body: "A request from the " + in.Channel + " channel is waiting in the inbox.", RecordType: Object, RecordID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	return id, replayed, err
}

// choose gives a new request that names no user to the one the
// assignment rules choose, through q, the transaction that writes it; it
// returns the choice to write down, or nil.
func (s *Service) choose(ctx context.Context, q store.Querier, ws int64, in *Input, m match, status string) (*assign.Choice, error) {
	if s.assign == nil || in.AssignedUserID != "" || status != "new" {
		return nil, nil
	}
	lead := assign.Lead{Object: Object, Source: in.Source, Channel: in.Channel, Language: in.language}
	if m.contact != 0 {
		country, region, lang, err := assign.ContactPlace(ctx, q, s.db.Dialect, ws, m.contact)
		if err != nil {
			return nil, err
		}
		lead.Country, lead.Region = country, region
		if lang != "" {
			lead.Language = lang
		}
	}
	c, ok, err := s.assign.Pick(ctx, q, ws, lead)
	if err != nil || !ok {
		return nil, err
	}
	in.AssignedUserID = strconv.FormatInt(c.UserID, 10)
	return &c, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func nullID(s string) any {
	if s == "" {
		return nil
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func nullNum(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}
