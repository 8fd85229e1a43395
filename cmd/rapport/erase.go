package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/erasure"
	"github.com/rapport-crm/rapport/internal/records"
)

// eraseCmd erases a contact at the person's request, as the administrator
// named by --as, exactly as POST /api/v1/contacts/{id}/erase does, and
// prints what it scrubbed.
func eraseCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("erase", stderr)
	as := c.fs.String("as", "", "e-mail of the administrator who erases")
	contact := c.fs.String("contact", "", "the id of the contact to erase")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	if *as == "" {
		return fmt.Errorf("say which administrator erases with --as")
	}
	if *contact == "" {
		return fmt.Errorf("say which contact to erase with --contact")
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if ctx, err = actingAs(ctx, db, *as); err != nil {
		return err
	}
	// The services' hooks keep what derives from the record (duplicate
	// keys, stage totals, scores) in step, as in the server.
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	newServices(c, db, engine)
	r, err := erasure.Contact(ctx, db, engine, *contact)
	if err != nil {
		return fmt.Errorf("--contact %s: %w", *contact, err)
	}
	again := ""
	if r.Again {
		again = " (it had been erased before)"
	}
	fmt.Fprintf(stdout, "erased contact %s%s: %d activities, %d audit entries, %d outbox events, %d notifications, %d search entries scrubbed\n",
		r.ContactID, again, r.Activities, r.AuditEntries, r.OutboxEvents, r.Notifications, r.SearchEntries)
	return nil
}
