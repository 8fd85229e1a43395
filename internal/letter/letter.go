// Package letter keeps the workspace's mail templates and writes them out
// for a record: merge fields such as {{contact.first_name}} are filled from
// the record as the writer may read it, in the recipient's language, and
// the writer's signature closes the letter. Letters go out through the
// mail queue, one to a record or one to each record of a list.
// docs/decisions/0056-mail-templates.md has the reasons.
package letter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Objects are the records a template is written for.
var Objects = []string{"contact", "deal"}

// Limits of a template's parts, in characters.
const (
	maxName    = 200
	maxSubject = 500
	maxBody    = 50_000
)

// Version is a template's text in one language.
type Version struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Template is a letter with merge fields, in one or more of the UI
// languages.
type Template struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Object    string             `json:"object"`
	Versions  map[string]Version `json:"versions"`
	Version   int64              `json:"version"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	n         int64
}

// Input creates or changes a template; nil fields are left as they are.
type Input struct {
	Name     *string             `json:"name"`
	Object   *string             `json:"object"`
	Versions *map[string]Version `json:"versions"`
	Version  *int64              `json:"version"`
}

// Options configure the service.
type Options struct {
	// Outgoing sends the letters; nil means no mail server is configured,
	// and Send refuses.
	Outgoing *mail.Queue
	// Personal, when set, sends the letters of a user who has a mailbox
	// that sends through it instead of Outgoing.
	Personal Personal
	// Originals, when set, reads the kept letters an answer replies to.
	Originals Originals
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service manages templates and signatures and writes letters.
type Service struct {
	db     *store.DB
	engine *records.Engine
	o      Options
}

// New returns the service over db.
func New(db *store.DB, engine *records.Engine, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: db, engine: engine, o: o}
}

// Personal sends a user's letters through their own mailbox, so that
// they come from the user's address and land in the user's Sent folder
// (internal/mailbox).
type Personal interface {
	// SendsFrom returns the address of the actor's mailbox that sends,
	// or "" when they have none.
	SendsFrom(ctx context.Context) (string, error)
	// SendAll queues ms through the actor's mailbox, all or none; false
	// when the actor has none that sends, and nothing is queued.
	SendAll(ctx context.Context, ms []mail.Message) (bool, error)
}

// CanSend reports whether the actor's letters can go out: through their
// own mailbox, or the system's mail server.
func (s *Service) CanSend(ctx context.Context) bool {
	from, _ := s.From(ctx)
	return s.o.Outgoing != nil || from != ""
}

// From returns the address of the actor's mailbox their letters go out
// through, or "" when they go from the system's address.
func (s *Service) From(ctx context.Context) (string, error) {
	if s.o.Personal == nil {
		return "", nil
	}
	return s.o.Personal.SendsFrom(ctx)
}

// manager returns the actor when an administrator: templates are the
// workspace's voice, so administrators write them and everyone uses them.
func manager(ctx context.Context) (access.Actor, error) {
	a, err := writer(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != "administrator" {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage mail templates")
	}
	return a, nil
}

// writer returns the actor when it may write (not a read-only token).
func writer(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.ReadOnly {
		return a, fault.Errorf(fault.EFORBIDDEN, "a read-only token cannot write")
	}
	return a, nil
}

const templateColumns = `id, name, object, versions, version, created_at, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var versions string
	var created, updated any
	if err := row.Scan(&t.n, &t.Name, &t.Object, &versions, &t.Version, &created, &updated); err != nil {
		return t, err
	}
	t.ID = strconv.FormatInt(t.n, 10)
	if err := json.Unmarshal([]byte(versions), &t.Versions); err != nil {
		return t, err
	}
	t.CreatedAt, _ = store.ParseTime(created)
	t.UpdatedAt, _ = store.ParseTime(updated)
	return t, nil
}

// List returns the workspace's templates by name.
func (s *Service) List(ctx context.Context) ([]Template, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+templateColumns+` FROM mail_templates
		WHERE workspace_id = ? ORDER BY name, id`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Get returns one template.
func (s *Service) Get(ctx context.Context, id string) (Template, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Template{}, err
	}
	return s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, ws int64, id string) (Template, error) {
	n, ok := input.ID(id)
	if !ok {
		return Template{}, fault.Errorf(fault.ENOTFOUND, "no mail template %s", id)
	}
	t, err := scanTemplate(q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM mail_templates
		WHERE workspace_id = ? AND id = ?`, ws, n))
	if errors.Is(err, sql.ErrNoRows) {
		return Template{}, fault.Errorf(fault.ENOTFOUND, "no mail template %s", id)
	}
	return t, err
}

// Create adds a template.
func (s *Service) Create(ctx context.Context, in Input) (Template, error) {
	a, err := manager(ctx)
	if err != nil {
		return Template{}, err
	}
	t := Template{Versions: map[string]Version{}}
	if err := s.apply(ctx, &t, in, true); err != nil {
		return Template{}, err
	}
	versions, _ := json.Marshal(t.Versions)
	now := s.db.Dialect.Time(s.o.Now().UTC())
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if err := s.unique(ctx, q, a.WorkspaceID, t.Name, 0); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `INSERT INTO mail_templates (workspace_id, name, object, versions, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, t.Name, t.Object, string(versions), a.UserID, now, now).Scan(&id)
	})
	if err != nil {
		return Template{}, err
	}
	return s.get(ctx, s.db.Reader(), a.WorkspaceID, strconv.FormatInt(id, 10))
}

// Update changes a template; a version given must be the current one.
func (s *Service) Update(ctx context.Context, id string, in Input) (Template, error) {
	a, err := manager(ctx)
	if err != nil {
		return Template{}, err
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		t, err := s.get(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != t.Version {
			return fault.Errorf(fault.ECONFLICT, "the template was changed since version %d; it is at version %d", *in.Version, t.Version)
		}
		if err := s.apply(ctx, &t, in, false); err != nil {
			return err
		}
		if err := s.unique(ctx, q, a.WorkspaceID, t.Name, t.n); err != nil {
			return err
		}
		versions, _ := json.Marshal(t.Versions)
		_, err = q.ExecContext(ctx, `UPDATE mail_templates SET name = ?, object = ?, versions = ?, version = version + 1,
			updated_at = ? WHERE workspace_id = ? AND id = ?`,
			t.Name, t.Object, string(versions), s.db.Dialect.Time(s.o.Now().UTC()), a.WorkspaceID, t.n)
		return err
	})
	if err != nil {
		return Template{}, err
	}
	return s.get(ctx, s.db.Reader(), a.WorkspaceID, id)
}

// Delete removes a template.
func (s *Service) Delete(ctx context.Context, id string) error {
	a, err := manager(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		t, err := s.get(ctx, q, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM mail_templates WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, t.n)
		return err
	})
}

// unique refuses a name another template of the workspace has.
func (s *Service) unique(ctx context.Context, q store.Querier, ws int64, name string, self int64) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM mail_templates WHERE workspace_id = ? AND name = ? AND id <> ?`,
		ws, name, self).Scan(&n)
	if err == nil && n > 0 {
		return fault.Field("name", "taken", "another template is called %s", name)
	}
	return err
}

// apply checks in and copies it onto t; create asks for every part.
func (s *Service) apply(ctx context.Context, t *Template, in Input, create bool) error {
	c := &fault.Collector{}
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	switch fe := input.Line("name", t.Name); {
	case fe != nil:
		c.Include(fe)
	case t.Name == "":
		c.Add("name", "required", "a template needs a name")
	case utf8.RuneCountInString(t.Name) > maxName:
		c.Add("name", "too_long", "at most %d characters", maxName)
	}
	if in.Object != nil {
		if !create && *in.Object != t.Object {
			c.Add("object", "immutable", "a template's object cannot change; make a new template")
		}
		t.Object = *in.Object
	}
	if in.Versions != nil {
		t.Versions = *in.Versions
	}
	if len(t.Versions) == 0 {
		c.Add("versions", "required", "a template needs its text in at least one language")
	}
	if !slices.Contains(Objects, t.Object) {
		// The merge fields cannot be checked without the object.
		c.Add("object", "option", "must be one of %s", strings.Join(Objects, ", "))
		return c.Err()
	}
	langs := make([]string, 0, len(t.Versions))
	for lang := range t.Versions {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	for _, lang := range langs {
		v := t.Versions[lang]
		at := "versions." + lang
		if !slices.Contains(locale.Languages, lang) {
			c.Add(at, "option", "the language must be one of %s", strings.Join(locale.Languages, ", "))
			continue
		}
		v.Subject, v.Body = strings.TrimSpace(v.Subject), strings.TrimRight(v.Body, " \t\r\n")
		t.Versions[lang] = v
		switch fe := input.Line(at+".subject", v.Subject); {
		case fe != nil:
			c.Include(fe)
		case v.Subject == "":
			c.Add(at+".subject", "required", "a letter needs a subject")
		case utf8.RuneCountInString(v.Subject) > maxSubject:
			c.Add(at+".subject", "too_long", "at most %d characters", maxSubject)
		default:
			s.checkFields(ctx, c, at+".subject", t.Object, v.Subject)
		}
		switch fe := input.Text(at+".body", v.Body); {
		case fe != nil:
			c.Include(fe)
		case v.Body == "":
			c.Add(at+".body", "required", "a letter needs a body")
		case utf8.RuneCountInString(v.Body) > maxBody:
			c.Add(at+".body", "too_long", "at most %d characters", maxBody)
		default:
			s.checkFields(ctx, c, at+".body", t.Object, v.Body)
		}
	}
	return c.Err()
}
