package inbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Field is one field of a web form: what the visitor sees (Label, in the
// form's language), what it fills (MapsTo) and whether it must be filled.
type Field struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	MapsTo   string `json:"maps_to"`
	Required bool   `json:"required"`
	// Type is text, email, phone or textarea; empty means text.
	Type string `json:"type,omitempty"`
}

// Form is a web form definition.
type Form struct {
	ID             string  `json:"id"`
	PublicID       string  `json:"public_id"`
	Version        int64   `json:"version"`
	Name           string  `json:"name"`
	Language       string  `json:"language"`
	Fields         []Field `json:"fields"`
	ConsentText    string  `json:"consent_text"`
	PipelineID     string  `json:"pipeline_id,omitempty"`
	StageID        string  `json:"stage_id,omitempty"`
	StraightToDeal bool    `json:"straight_to_deal"`
	AssignedUserID string  `json:"assigned_user_id,omitempty"`
	ThankYou       string  `json:"thank_you"`
	RedirectURL    string  `json:"redirect_url"`
	// Confirmation, when set, is mailed to the visitor's e-mail address,
	// at most once a day to one address and ConfirmationsPerHour times an
	// hour from one form.
	Confirmation   string   `json:"confirmation"`
	AllowedOrigins []string `json:"allowed_origins"`
	// MinFillSeconds is how long a person takes at least to fill the
	// form; a faster submission is kept as spam.
	MinFillSeconds int `json:"min_fill_seconds"`
	// ProofOfWork is the leading zero bits a submission's proof must
	// have, 0 for none; the form's script finds it in the browser.
	ProofOfWork int       `json:"proof_of_work"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	workspace int64
	id        int64
	secret    []byte
}

// Workspace returns the form's workspace.
func (f *Form) Workspace() int64 { return f.workspace }

// definition is what the definition column holds.
type definition struct {
	Fields         []Field  `json:"fields"`
	ConsentText    string   `json:"consent_text"`
	StageID        string   `json:"stage_id,omitempty"`
	StraightToDeal bool     `json:"straight_to_deal"`
	AssignedUserID string   `json:"assigned_user_id,omitempty"`
	ThankYou       string   `json:"thank_you"`
	RedirectURL    string   `json:"redirect_url"`
	Confirmation   string   `json:"confirmation,omitempty"`
	AllowedOrigins []string `json:"allowed_origins"`
	MinFillSeconds int      `json:"min_fill_seconds"`
	ProofOfWork    int      `json:"proof_of_work"`
}

// FormInput is a form as created or replaced.
type FormInput struct {
	Name           string   `json:"name"`
	Language       string   `json:"language"`
	Fields         []Field  `json:"fields"`
	ConsentText    string   `json:"consent_text"`
	PipelineID     string   `json:"pipeline_id"`
	StageID        string   `json:"stage_id"`
	StraightToDeal bool     `json:"straight_to_deal"`
	AssignedUserID string   `json:"assigned_user_id"`
	ThankYou       string   `json:"thank_you"`
	RedirectURL    string   `json:"redirect_url"`
	Confirmation   string   `json:"confirmation"`
	AllowedOrigins []string `json:"allowed_origins"`
	MinFillSeconds *int     `json:"min_fill_seconds"`
	ProofOfWork    int      `json:"proof_of_work"`
	Active         *bool    `json:"active"`
	Version        int64    `json:"version"`
}

// Languages a form may be in: the app's.
var Languages = []string{"en", "kk", "lt", "pl", "ro", "ru"}

// FieldTypes are the kinds of input a form field is.
var FieldTypes = []string{"text", "email", "phone", "textarea"}

// Targets a form field may map to besides custom fields
// ("contact.<field>", "company.<field>", "deal.<field>").
var Targets = []string{"contact.name", "contact.first_name", "contact.last_name", "contact.email", "contact.phone",
	"company.name", "message"}

// MaxFields bounds a form's fields.
const MaxFields = 30

// reservedNames are the names of the fields every form posts itself.
var reservedNames = map[string]bool{"_t": true, "_pow": true, "_hp": true, "_consent": true, "_referrer": true,
	"utm_source": true, "utm_medium": true, "utm_campaign": true, "utm_term": true, "utm_content": true}

// admin returns the actor if it may manage forms: they are settings.
func admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != access.RoleAdministrator {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage web forms")
	}
	if a.ReadOnly {
		return a, fault.Errorf(fault.EFORBIDDEN, "this token may only read")
	}
	return a, nil
}

// check validates in against the workspace's fields, naming every fault.
func (s *Service) checkForm(ctx context.Context, ws int64, in *FormInput) error {
	var c fault.Collector
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		c.Add("name", "required", "is required")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		c.Add("name", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("name", in.Name))
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if !oneOf(in.Language, Languages) {
		c.Add("language", "option", "must be one of %s", strings.Join(Languages, ", "))
	}
	if len(in.Fields) == 0 {
		c.Add("fields", "required", "a form needs at least one field")
	}
	if len(in.Fields) > MaxFields {
		c.Add("fields", "too_long", "must have at most %d fields", MaxFields)
	}
	names := map[string]bool{}
	custom := map[string]map[string]bool{}
	for _, object := range []string{"contact", "company", "deal"} {
		fields, err := s.engine.Fields(ctx, object)
		if err != nil {
			return err
		}
		custom[object] = map[string]bool{}
		for _, f := range fields {
			if !f.ReadOnly && len(f.DerivedFrom) == 0 {
				custom[object][f.Name] = true
			}
		}
	}
	for i := range in.Fields {
		f := &in.Fields[i]
		at := "fields[" + strconv.Itoa(i) + "]."
		f.Name, f.Label = strings.TrimSpace(f.Name), strings.TrimSpace(f.Label)
		switch {
		case f.Name == "":
			c.Add(at+"name", "required", "is required")
		case !fieldName(f.Name) || reservedNames[f.Name]:
			c.Add(at+"name", "format", "must be letters, digits and _, not starting with _ nor a utm_ name")
		case names[f.Name]:
			c.Add(at+"name", "duplicate", "is the name of another field")
		}
		names[f.Name] = true
		if f.Label == "" {
			c.Add(at+"label", "required", "is required")
		} else if utf8.RuneCountInString(f.Label) > 200 {
			c.Add(at+"label", "too_long", "must be at most 200 characters")
		} else {
			c.Include(input.Line(at+"label", f.Label))
		}
		if f.Type == "" {
			f.Type = "text"
		}
		if !oneOf(f.Type, FieldTypes) {
			c.Add(at+"type", "option", "must be one of %s", strings.Join(FieldTypes, ", "))
		}
		if !oneOf(f.MapsTo, Targets) {
			object, name, _ := strings.Cut(f.MapsTo, ".")
			if m, ok := custom[object]; !ok || !m[name] {
				c.Add(at+"maps_to", "unknown", "must be one of %s or a writable field of contacts, companies or deals as object.field",
					strings.Join(Targets, ", "))
			}
		}
	}
	for name, v := range map[string]string{"consent_text": in.ConsentText, "thank_you": in.ThankYou, "confirmation": in.Confirmation} {
		if utf8.RuneCountInString(v) > 2000 {
			c.Add(name, "too_long", "must be at most 2000 characters")
		} else {
			c.Include(input.Text(name, v))
		}
	}
	if in.RedirectURL != "" {
		if u, err := url.Parse(in.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.Add("redirect_url", "format", "must be an http or https address")
		}
	}
	for i, o := range in.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			c.Add("allowed_origins["+strconv.Itoa(i)+"]", "format", "must be an origin like https://example.com")
		}
	}
	if len(in.AllowedOrigins) > 50 {
		c.Add("allowed_origins", "too_long", "must have at most 50 origins")
	}
	if in.MinFillSeconds == nil {
		three := 3
		in.MinFillSeconds = &three
	}
	if *in.MinFillSeconds < 0 || *in.MinFillSeconds > 600 {
		c.Add("min_fill_seconds", "range", "must be from 0 to 600")
	}
	if in.ProofOfWork < 0 || in.ProofOfWork > 24 {
		c.Add("proof_of_work", "range", "must be from 0 to 24")
	}
	for name, v := range map[string]string{"pipeline_id": in.PipelineID, "stage_id": in.StageID, "assigned_user_id": in.AssignedUserID} {
		if _, ok := input.ID(v); v != "" && !ok {
			c.Add(name, "type", "must be an id")
		}
	}
	if in.StraightToDeal && (in.PipelineID == "" || in.AssignedUserID == "") {
		c.Add("straight_to_deal", "required", "needs a pipeline_id and an assigned_user_id")
	}
	if err := c.Err(); err != nil {
		return err
	}
	return s.checkRefs(ctx, ws, Input{PipelineID: in.PipelineID, AssignedUserID: in.AssignedUserID})
}

func fieldName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || strings.HasPrefix(s, "utm_") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (in FormInput) definition() string {
	b, _ := json.Marshal(definition{Fields: in.Fields, ConsentText: in.ConsentText, StageID: in.StageID, StraightToDeal: in.StraightToDeal,
		AssignedUserID: in.AssignedUserID, ThankYou: in.ThankYou, RedirectURL: in.RedirectURL, Confirmation: in.Confirmation,
		AllowedOrigins: in.AllowedOrigins,
		MinFillSeconds: *in.MinFillSeconds, ProofOfWork: in.ProofOfWork})
	return string(b)
}

// CreateForm creates a form with a new public id and signing secret.
func (s *Service) CreateForm(ctx context.Context, in FormInput) (Form, error) {
	a, err := admin(ctx)
	if err != nil {
		return Form{}, err
	}
	if err := s.checkForm(ctx, a.WorkspaceID, &in); err != nil {
		return Form{}, err
	}
	active := in.Active == nil || *in.Active
	// The public id carries the workspace, so that a public request finds
	// its form by workspace and id like every other read.
	public := strconv.FormatInt(a.WorkspaceID, 36) + "-" + randomHex(8)
	now := s.now().UTC()
	d := s.db.Dialect
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		return q.QueryRowContext(ctx, `INSERT INTO inbox_forms (workspace_id, public_id, name, language, definition, secret, pipeline_id, active,
			created_at, updated_at) VALUES (?, ?, ?, ?, `+d.JSONIn()+`, ?, ?, ?, ?, ?) RETURNING id`,
			a.WorkspaceID, public, in.Name, in.Language, in.definition(), randomHex(32), nullID(in.PipelineID), active,
			d.Time(now), d.Time(now)).Scan(&id)
	})
	if err != nil {
		return Form{}, err
	}
	return s.GetForm(ctx, strconv.FormatInt(id, 10))
}

// UpdateForm replaces form id's definition; in.Version must be the one
// read.
func (s *Service) UpdateForm(ctx context.Context, id string, in FormInput) (Form, error) {
	a, err := admin(ctx)
	if err != nil {
		return Form{}, err
	}
	cur, err := s.GetForm(ctx, id)
	if err != nil {
		return Form{}, err
	}
	if in.Version == 0 {
		return Form{}, fault.Field("version", "required", "is required")
	}
	if err := s.checkForm(ctx, a.WorkspaceID, &in); err != nil {
		return Form{}, err
	}
	active := in.Active == nil || *in.Active
	d := s.db.Dialect
	err = s.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE inbox_forms SET name = ?, language = ?, definition = `+d.JSONIn()+`, pipeline_id = ?,
			active = ?, version = version + 1, updated_at = ? WHERE workspace_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`,
			in.Name, in.Language, in.definition(), nullID(in.PipelineID), active, d.Time(s.now()), a.WorkspaceID, cur.id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.ECONFLICT, "the form was changed since version %d", in.Version)
		}
		return nil
	})
	if err != nil {
		return Form{}, err
	}
	return s.GetForm(ctx, id)
}

// DeleteForm deletes form id; its requests stay.
func (s *Service) DeleteForm(ctx context.Context, id string) error {
	a, err := admin(ctx)
	if err != nil {
		return err
	}
	f, err := s.GetForm(ctx, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE inbox_forms SET deleted_at = ? WHERE workspace_id = ? AND id = ?`,
			s.db.Dialect.Time(s.now()), a.WorkspaceID, f.id)
		return err
	})
}

const formColumns = `id, public_id, version, name, language, %DEF%, secret, pipeline_id, active, created_at, updated_at, workspace_id`

func (s *Service) formColumns() string {
	return strings.Replace(formColumns, "%DEF%", s.db.Dialect.JSONOut("definition"), 1)
}

func scanForm(row interface{ Scan(...any) error }) (Form, error) {
	var f Form
	var def, secret string
	var pipeline sql.NullInt64
	var created, updated any
	if err := row.Scan(&f.id, &f.PublicID, &f.Version, &f.Name, &f.Language, &def, &secret, &pipeline, &f.Active, &created, &updated,
		&f.workspace); err != nil {
		return f, err
	}
	var dd definition
	if err := json.Unmarshal([]byte(def), &dd); err != nil {
		return f, err
	}
	f.ID = strconv.FormatInt(f.id, 10)
	if pipeline.Valid {
		f.PipelineID = strconv.FormatInt(pipeline.Int64, 10)
	}
	f.Fields, f.ConsentText, f.StageID, f.StraightToDeal = dd.Fields, dd.ConsentText, dd.StageID, dd.StraightToDeal
	f.AssignedUserID, f.ThankYou, f.RedirectURL, f.AllowedOrigins = dd.AssignedUserID, dd.ThankYou, dd.RedirectURL, dd.AllowedOrigins
	f.MinFillSeconds, f.ProofOfWork, f.Confirmation = dd.MinFillSeconds, dd.ProofOfWork, dd.Confirmation
	if f.AllowedOrigins == nil {
		f.AllowedOrigins = []string{}
	}
	f.secret = []byte(secret)
	f.CreatedAt, _ = store.ParseTime(created)
	f.UpdatedAt, _ = store.ParseTime(updated)
	return f, nil
}

// GetForm returns form id of the actor's workspace.
func (s *Service) GetForm(ctx context.Context, id string) (Form, error) {
	a, err := admin(ctx)
	if err != nil {
		return Form{}, err
	}
	num, ok := input.ID(id)
	if !ok {
		return Form{}, fault.Errorf(fault.ENOTFOUND, "no form %s", id)
	}
	f, err := scanForm(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+s.formColumns()+` FROM inbox_forms
		WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, a.WorkspaceID, num))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fault.Errorf(fault.ENOTFOUND, "no form %s", id)
	}
	return f, err
}

// Forms lists the workspace's forms.
func (s *Service) Forms(ctx context.Context) ([]Form, error) {
	a, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+s.formColumns()+` FROM inbox_forms
		WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 500`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Form{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PublicForm returns the active form with public id, for visitors: no
// actor, the workspace read from the id.
func (s *Service) PublicForm(ctx context.Context, public string) (Form, error) {
	wsPart, _, ok := strings.Cut(public, "-")
	ws, err := strconv.ParseInt(wsPart, 36, 64)
	if !ok || err != nil || ws <= 0 || len(public) > 64 {
		return Form{}, fault.Errorf(fault.ENOTFOUND, "no such form")
	}
	f, err := scanForm(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+s.formColumns()+` FROM inbox_forms
		WHERE workspace_id = ? AND public_id = ? AND deleted_at IS NULL`, ws, public))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !f.Active {
		return Form{}, fault.Errorf(fault.ENOTFOUND, "no such form")
	}
	return f, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
