package importer_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// TestSilentImport plants two things a contact's import sets off: a
// webhook subscription to every event, and an owner other than the
// importer, whom the activity service notifies of the assignment. An
// import with silent sets off neither, in the foreground, in the
// background and on its undo; the same import without it sets off both.
// The records of a silent import are found as duplicates all the same.
func TestSilentImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		activity.New(db, v.e, activity.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		hooks := webhook.New(db, webhook.Options{})
		yes, events := true, webhook.Kinds
		if _, err := hooks.Create(v.ctx, webhook.Input{URL: ptr("http://10.1.2.3/hook"), Events: &events,
			AllowPrivate: ptr([]string{"10.1.0.0/16"}), Enabled: &yes}); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), `INSERT INTO users (workspace_id, email, name, password_hash, role, created_at)
				VALUES (1, 'bob@example.com', 'Bob Seller', 'x', 'administrator', ?)`, db.Dialect.Time(time.Now()))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		told := func() (notes, deliveries int) {
			t.Helper()
			if _, err := hooks.NewConsumer(0).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			return v.count("notifications"), v.count("webhook_deliveries")
		}
		file := func(who string) string {
			return "Name,E-mail,Owner\n" + who + "," + strings.ToLower(who) + "@example.com,bob@example.com\n"
		}
		mapping := map[string]string{"Owner": "owner_id"}

		s := v.run(file("Quiet"), importer.Options{Silent: true, Mapping: mapping})
		if s.Created != 1 || !s.Silent {
			t.Fatalf("silent import: %s, silent %v", counts(s), s.Silent)
		}
		if notes, deliveries := told(); notes != 0 || deliveries != 0 {
			t.Fatalf("a silent import told: %d notifications, %d webhook deliveries", notes, deliveries)
		}
		if got, err := v.im.Get(v.ctx, s.ID); err != nil || !got.Silent {
			t.Fatalf("the log forgot silent: %v %v", got, err)
		}
		// Its records are data like any other: the next import finds the
		// contact as a duplicate.
		if again := v.run(file("Quiet"), importer.Options{Silent: true, Mapping: mapping}); again.Skipped != 1 {
			t.Fatalf("the silent import's contact is no duplicate: %s", counts(again))
		}

		done := make(chan struct{})
		src := file("Background")
		id, err := v.im.Start(v.ctx, v.spool(src),
			importer.Options{Object: "contacts", FileName: "bg.csv", Silent: true, Mapping: mapping}, func() { close(done) })
		if err != nil {
			t.Fatal(err)
		}
		<-done
		if got, err := v.im.Get(v.ctx, id); err != nil || got.Status != importer.StatusCommitted || got.Created != 1 {
			t.Fatalf("background import: %+v %v", got, err)
		}
		if notes, deliveries := told(); notes != 0 || deliveries != 0 {
			t.Fatalf("a silent import in the background told: %d notifications, %d webhook deliveries", notes, deliveries)
		}
		if _, err := v.im.Undo(v.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if notes, deliveries := told(); notes != 0 || deliveries != 0 {
			t.Fatalf("the undo of a silent import told: %d notifications, %d webhook deliveries", notes, deliveries)
		}

		loud := v.run(file("Loud"), importer.Options{Mapping: mapping})
		if loud.Created != 1 || loud.Silent {
			t.Fatalf("import: %s", counts(loud))
		}
		notes, deliveries := told()
		if notes != 1 || deliveries == 0 {
			t.Fatalf("an import that is not silent told %d notifications, %d webhook deliveries; want 1 and some", notes, deliveries)
		}
		var kinds string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT kind FROM notifications`).Scan(&kinds); err != nil || kinds != "assigned" {
			t.Fatalf("notification %q, %v", kinds, err)
		}
	})
}
