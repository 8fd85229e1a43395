// Package activity holds tasks, notes, calls and meetings, the reminders that come due, notifications delivered in the app and by mail (among them what colleagues do to the records a user follows), and the timeline of a record.
package activity

import (
	"context"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Kinds of the service's recurring jobs.
const (
	RemindKind = "activity.remind"
	MailKind   = "notify.mail"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	Mail   mail.Sender // nil sends no mail
	// PublicURL is where users reach the web app; each mailed
	// notification links to its record there.
	PublicURL string
	// PhoneRegion is the country assumed for call numbers typed without a
	// country code (ISO 3166), as for the engine's phone fields.
	PhoneRegion string
	// RemindLead is how long before a task is due its assignee is
	// reminded; default 15 minutes.
	RemindLead time.Duration
	// RemindEvery and MailEvery are how often reminders are made and
	// notifications mailed; default one minute and 30 seconds.
	RemindEvery time.Duration
	MailEvery   time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Streams bound the live notification streams; zero fields take
	// notify.DefaultLimits.
	Streams notify.Limits
}

// Service is the activity service.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
	inbox  *notify.Inbox
	broker *notify.Broker
	mailer *notify.Mailer
}

// New returns the service over db and engine, with its hooks registered on
// the engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RemindLead <= 0 {
		opts.RemindLead = 15 * time.Minute
	}
	if opts.RemindEvery <= 0 {
		opts.RemindEvery = time.Minute
	}
	if opts.MailEvery <= 0 {
		opts.MailEvery = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{db: db, engine: engine, opts: opts, inbox: notify.NewInbox(db),
		broker: notify.NewBroker(db, opts.Logger, opts.Streams)}
	if opts.Mail != nil {
		s.mailer = notify.NewMailer(db, opts.Mail, opts.PublicURL, opts.Logger)
	}
	for _, kind := range activityKinds {
		engine.Hook(kind, records.Hook{Before: s.before, After: s.after})
	}
	for _, object := range togetherObjects {
		engine.Hook(object, records.Hook{After: s.together})
	}
	return s
}

// Register adds the service's background work to q: the reminders of
// tasks coming due, and the mailing of every notification.
func (s *Service) Register(q *jobs.Queue) {
	q.Every(RemindKind, s.opts.RemindEvery, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.Remind(ctx)
		return err
	})
	if s.mailer != nil {
		q.Every(MailKind, s.opts.MailEvery, func(ctx context.Context, _ jobs.Job) error {
			_, err := s.mailer.Run(ctx)
			return err
		})
	}
}

// Inbox returns the acting user's notifications.
func (s *Service) Inbox() *notify.Inbox { return s.inbox }

// Broker returns what pushes new notifications to open streams.
func (s *Service) Broker() *notify.Broker { return s.broker }

// MailNotifications sends the notifications not mailed yet, as the
// recurring job does, and returns how many it sent.
func (s *Service) MailNotifications(ctx context.Context) (int, error) {
	if s.mailer == nil {
		return 0, nil
	}
	return s.mailer.Run(ctx)
}
