package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/value"
)

// services are the domain services serve runs over the engine.
type services struct {
	engine     *records.Engine
	sales      *sales.Service
	activity   *activity.Service
	search     *search.Service
	duplicates *duplicate.Service
	// scores: begin
	scores *scores.Service
	// scores: end
	value *value.Service // value: customer value
	// outgoing delivers mail through the job queue when a mail server is
	// configured; nil when mail goes to the log.
	outgoing *mail.Queue
	inbox    *inbox.Service  // inbox: incoming requests and web forms
	letters  *letter.Service // mail templates and the letters sent from them
	// mailboxes: the connected IMAP mailboxes and the filing of their mail
	mailboxes *mailbox.Service
	phone     *phone.Service // phone: integrations and calls
	// goals: begin
	db   *store.DB
	mail mail.Sender
	log  *slog.Logger
	// goals: end
}

// newServices builds the domain services; each registers its hooks on the
// engine as it is built.
func newServices(c *command, db *store.DB, engine *records.Engine) services {
	var sender mail.Sender = mail.LogSender{Log: c.log}
	var outgoing *mail.Queue
	if c.cfg.SMTPURL != "" {
		server, _ := mail.ParseSMTP(c.cfg.SMTPURL, c.cfg.MailFrom) // Load checked it
		outgoing = mail.NewQueue(db, server, c.log)
		sender = outgoing
	}
	s := services{
		outgoing: outgoing,
		engine:   engine,
		sales:    sales.New(db, engine, sales.Options{Logger: c.log}),
		activity: activity.New(db, engine, activity.Options{Logger: c.log, Mail: sender, PublicURL: publicURL(c), PhoneRegion: c.cfg.PhoneRegion,
			Streams: streamLimits(c), RemindEvery: remindEvery(c)}),
		search:     search.New(db, engine, search.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion}),
		duplicates: duplicate.New(db, engine, duplicate.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion}),
		// scores: begin
		scores: scores.New(db, engine, scores.Options{Logger: c.log}),
		// scores: end
		// goals: begin
		db: db, mail: sender, log: c.log,
		// goals: end
	}
	s.value = value.New(db, engine, s.sales, value.Options{Logger: c.log}) // value
	// assign: the rules choose the owner of unowned requests, deals and contacts
	rules := assign.New(db, assign.Options{Logger: c.log})
	rules.Hook(engine)
	s.inbox = inbox.New(db, engine, inbox.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion, Mail: sender, Assign: rules}) // inbox
	s.mailboxes = newMailboxes(c, db, engine, s.inbox)
	s.letters = letter.New(db, engine, letter.Options{Outgoing: outgoing, Personal: s.mailboxes, Originals: s.mailboxes})
	s.phone = phone.New(db, engine, s.search, s.inbox, phone.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion}) // phone
	return s
}

// streamLimits reads the bounds on live notification streams, which Load
// has checked are positive whole numbers.
func streamLimits(c *command) notify.Limits {
	perUser, _ := strconv.Atoi(c.cfg.StreamsPerUser)
	total, _ := strconv.Atoi(c.cfg.Streams)
	return notify.Limits{PerUser: perUser, Total: total}
}

// remindEvery is how often reminders are made, which Load has checked is
// a positive duration.
func remindEvery(c *command) time.Duration {
	d, _ := time.ParseDuration(c.cfg.RemindEvery)
	return d
}

// register adds the services' background work to q: theirs, and the
// engine's building of field indexes, a slice of work every few seconds
// so that the writer is never held for long.
func (s services) register(q *jobs.Queue) {
	q.Every("records.index_fields", 2*time.Second, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.engine.IndexFields(ctx, time.Second)
		return err
	})
	s.sales.Register(q)
	s.activity.Register(q)
	s.search.Register(q)
	s.duplicates.Register(q)
	// scores: begin
	s.scores.Register(q)
	// scores: end
	s.value.Register(q) // value
	if s.outgoing != nil {
		s.outgoing.Register(q)
	}
	s.mailboxes.Register(q)
	// goals: begin
	goals.NewDigests(goals.New(s.db, s.engine, s.sales), s.mail, s.log).Register(q)
	// goals: end
}

// index builds workspace ws's stage totals, field indexes, search index
// duplicate keys and customer value from what is stored, for data loaded in bulk past the
// engine (the demo).
func (s services) index(ctx context.Context, log *slog.Logger, ws int64) error {
	if err := s.sales.RebuildTotals(ctx, ws); err != nil {
		return err
	}
	start := time.Now()
	if err := s.engine.IndexAllFields(ctx); err != nil {
		return err
	}
	log.Info("field indexes built", "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := s.search.Rebuild(ctx, ws); err != nil {
		return err
	}
	log.Info("search index rebuilt", "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := s.duplicates.Rebuild(ctx, ws); err != nil {
		return err
	}
	log.Info("duplicate keys rebuilt", "took", time.Since(start).Round(time.Millisecond))
	// value: begin
	start = time.Now()
	if _, err := s.value.Recompute(ctx, ws); err != nil {
		return err
	}
	log.Info("customer value recomputed", "took", time.Since(start).Round(time.Millisecond))
	// value: end
	return nil
}

// newMailboxes builds the mailboxes' service with the configured secret
// key (Load has checked it) and poll interval.
func newMailboxes(c *command, db *store.DB, engine *records.Engine, in *inbox.Service) *mailbox.Service {
	sealer, _ := mailbox.NewSealer(c.cfg.SecretKey)
	poll, _ := time.ParseDuration(c.cfg.MailPoll)
	return mailbox.New(db, engine, mailbox.Options{Logger: c.log, Sealer: sealer, Inbox: in, PollEvery: poll,
		Administers: administers(engine)})
}

// administers reports whether an actor manages the workspace, by the
// engine's role policy.
func administers(engine *records.Engine) func(context.Context, access.Actor) bool {
	p := engine.Policy()
	if u, ok := p.(interface{ Unwrap() access.Policy }); ok {
		p = u.Unwrap()
	}
	rp, ok := p.(*access.RolePolicy)
	return func(ctx context.Context, a access.Actor) bool {
		if !ok {
			return false
		}
		yes, err := rp.Administers(ctx, a)
		return err == nil && yes
	}
}
