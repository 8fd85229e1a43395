package webhook

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
)

// Kinds of the recurring jobs.
const (
	ConsumeJob = "webhook.consume"
	DeliverJob = "webhook.deliver"
)

// deliverBudget bounds one run of the delivery job, so that a steady
// stream of events does not keep one run going for ever.
const deliverBudget = 30 * time.Second

// Register adds the consumer and the worker to q, each run every second.
func (s *Service) Register(q *jobs.Queue, o WorkerOptions) {
	c, w := s.NewConsumer(0), s.NewWorker(o)
	q.Every(ConsumeJob, time.Second, func(ctx context.Context, _ jobs.Job) error {
		_, err := c.Run(ctx)
		return err
	})
	q.Every(DeliverJob, time.Second, func(ctx context.Context, _ jobs.Job) error {
		ctx, cancel := context.WithTimeout(ctx, deliverBudget)
		defer cancel()
		_, err := w.Run(ctx)
		if ctx.Err() != nil {
			return nil // the budget ran out; the next run goes on
		}
		return err
	})
}
