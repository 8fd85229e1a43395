package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// analyze gives the planners statistics for tables that just grew, so
// that the first queries after a demo load do not plan as if the tables
// were empty.
func analyze(ctx context.Context, db *store.DB, log *slog.Logger) error {
	start := time.Now()
	stmt := "ANALYZE"
	if db.Dialect == store.Postgres {
		stmt = "ANALYZE users, companies, contacts, contact_companies, custom_fields, pipelines, stages, loss_reasons, " +
			"products, price_lists, deals, deal_contacts, deal_stage_history, activities"
	}
	if _, err := db.Raw().ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("demo: analyze: %w", err)
	}
	log.Info("demo: statistics gathered", "took", time.Since(start).Round(time.Millisecond))
	return nil
}
