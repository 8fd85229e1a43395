package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	ob "github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// TestSettingsWebhooks: an administrator adds an endpoint and sees its
// secret once, is told why an inside address is refused, sees the
// delivery log, replays a failed delivery, rotates the secret and turns
// the endpoint off.
func TestSettingsWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		a.get("/settings").want(t, "the settings index", http.StatusOK, `href="/settings/webhooks"`)
		a.get("/settings/webhooks").want(t, "no endpoints", http.StatusOK, "No webhooks yet.")
		a.post("/settings/webhooks", a.form(token, "url", "http://169.254.169.254/latest", "events", "created")).want(t,
			"the metadata address", http.StatusBadRequest, "This address is on a private or local network", `value="http://169.254.169.254/latest"`)
		a.post("/settings/webhooks", a.form(token, "url", "https://hooks.example.com/crm", "events", "won", "events", "lost",
			"objects", "deal")).want(t, "an endpoint added", http.StatusCreated, `value="whsec_`, "https://hooks.example.com/crm")
		svc := webhook.New(db, webhook.Options{Logger: slog.New(slog.DiscardHandler)})
		list, err := svc.List(a.admin())
		if err != nil || len(list) != 1 {
			t.Fatalf("endpoints %+v, %v", list, err)
		}
		page := "/settings/webhooks/" + list[0].ID + "/deliveries"
		a.get(page).want(t, "an empty log", http.StatusOK, "Nothing sent yet.", "Deal lost, Deal won")
		err = db.Tx(context.Background(), func(q store.Querier) error {
			return ob.Write(context.Background(), q, db.Dialect, ob.Event{WorkspaceID: 1, Object: "deal", RecordID: "4",
				Action: "update", Changes: map[string]any{"status": map[string]any{"before": "open", "after": "won"}}, At: time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.NewConsumer(0).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), `UPDATE webhook_deliveries SET status = 'failed', attempts = 15, error = 'the endpoint answered 500'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		log := a.get(page)
		log.want(t, "the log", http.StatusOK, "deal.won", "Failed", "Send again")
		ds, _ := svc.Deliveries(a.admin(), list[0].ID, "", "", 0)
		a.post("/settings/webhooks/"+list[0].ID+"/deliveries/"+ds.Data[0].ID+"/replay", a.form(token)).want(t, "a replay", http.StatusSeeOther, page+"?done=replayed")
		a.get(page+"?done=replayed").want(t, "after the replay", http.StatusOK, "It will be sent again in a moment.", "To send")
		base := "/settings/webhooks/" + list[0].ID
		a.post(base+"/rotate", a.form(token)).want(t, "a new secret", http.StatusCreated, `value="whsec_`, "24 hours")
		a.post(base+"/disable", a.form(token)).want(t, "turned off", http.StatusSeeOther, page+"?done=saved")
		if ans := a.get("/settings/webhooks"); !strings.Contains(ans.body, "Off") {
			t.Error("the list does not show the endpoint off")
		}
		a.post(base+"/delete", a.form(token)).want(t, "deleted", http.StatusSeeOther, "/settings/webhooks?done=deleted")
		a.get(page).want(t, "a deleted endpoint", http.StatusNotFound)
	})
}
