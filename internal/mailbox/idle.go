package mailbox

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/emersion/go-imap/client"

	"github.com/rapport-crm/rapport/internal/jobs"
)

// idleRetry is how long an IDLE connection that broke waits before it
// connects again; the polls keep the mailbox synced meanwhile.
const idleRetry = 30 * time.Second

// idlers hold one IDLE connection on the INBOX of each mailbox whose
// server supports it, in this process: when the server says a message
// arrived, a sync is enqueued at once instead of at the next poll. Every
// process that runs syncs may hold them; a second sync enqueued for the
// same letter finds nothing new.
type idlers struct {
	s   *Service
	mu  sync.Mutex
	by  map[[2]int64]context.CancelFunc
	ctx context.Context
	end context.CancelFunc
	wg  sync.WaitGroup
}

func newIdlers(s *Service) *idlers {
	ctx, end := context.WithCancel(context.Background())
	return &idlers{s: s, by: map[[2]int64]context.CancelFunc{}, ctx: ctx, end: end}
}

// ensure starts the IDLE connection of a mailbox unless it runs.
func (i *idlers) ensure(ws, id int64) {
	i.mu.Lock()
	defer i.mu.Unlock()
	key := [2]int64{ws, id}
	if _, ok := i.by[key]; ok || i.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(i.ctx)
	i.by[key] = cancel
	i.wg.Add(1)
	go func() {
		defer i.wg.Done()
		i.run(ctx, ws, id)
		i.mu.Lock()
		delete(i.by, key)
		i.mu.Unlock()
	}()
}

func (i *idlers) stop(ws int64, id string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for key, cancel := range i.by {
		if key[0] == ws && formatID(key[1]) == id {
			cancel()
		}
	}
}

func (i *idlers) stopAll() {
	i.end()
	i.wg.Wait()
}

// run keeps one IDLE connection until ctx ends or the mailbox is gone.
func (i *idlers) run(ctx context.Context, ws, id int64) {
	log := i.s.log.With("mailbox", describe(ws, id))
	for ctx.Err() == nil {
		acct, err := i.s.account(ctx, ws, id)
		if err != nil {
			return // disconnected, or its password no longer opens
		}
		if err := i.once(ctx, acct); err != nil && ctx.Err() == nil {
			log.Info("IDLE connection ended; connecting again later", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(idleRetry):
		}
	}
}

// once idles on INBOX until the connection breaks, enqueueing a sync for
// every change the server announces.
func (i *idlers) once(ctx context.Context, acct *account) error {
	c, err := i.s.dial(ctx, acct)
	if err != nil {
		return err
	}
	defer c.Logout()
	updates := make(chan client.Update, 16)
	c.Updates = updates
	if _, err := c.Select("INBOX", true); err != nil {
		return err
	}
	c.Timeout = 0 // IDLE waits as long as the mailbox is quiet
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: 20 * time.Minute, PollInterval: -1}) }()
	for {
		select {
		case <-ctx.Done():
			close(stop)
			<-done
			return nil
		case err := <-done:
			return err
		case u := <-updates:
			if _, ok := u.(*client.MailboxUpdate); ok {
				i.s.wake(ctx, acct.ws, acct.id)
			}
		}
	}
}

// wake enqueues a sync of a mailbox now, through the queue so that an
// idle worker takes it at once.
func (s *Service) wake(ctx context.Context, ws, id int64) {
	if s.jobs == nil {
		return
	}
	// A sync running now may have listed the folder before this letter
	// came: only one waiting to start is sure to see it.
	pending, err := pendingSyncs(ctx, s.db.Reader(), s.db.Dialect, ws, "'queued'")
	if err != nil || pending[id] {
		return
	}
	payload, _ := json.Marshal(syncPayload{Mailbox: id})
	if _, err := s.jobs.Enqueue(ctx, jobs.Job{WorkspaceID: ws, Kind: SyncKind, Payload: payload, MaxAttempts: 3}); err != nil {
		s.log.Warn("enqueue a sync after IDLE", "mailbox", describe(ws, id), "err", err)
	}
}
