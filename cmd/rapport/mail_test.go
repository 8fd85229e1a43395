package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/mail/mailtest"
)

// TestMailSurvivesAKill sends a password-reset mail through a real SMTP
// server, kills the Rapport process while the mail server holds the
// transaction (recipient named, message not yet sent), and starts it
// again: the message arrives exactly once. (A death in the instant after
// the mail server has read the whole message and before it answers sends
// a second copy with the same Message-ID; see docs/decisions.)
func TestMailSurvivesAKill(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			smtp := mailtest.Start(t, mailtest.Options{})
			held := smtp.Hold()
			rapport(t, append([]string{"migrate"}, db...)...)
			rapport(t, append([]string{"user", "create", "--email", "ann@example.com", "--password", "a long enough password", "--role", "administrator"}, db...)...)
			env := []string{"RAPPORT_SMTP_URL=smtp://" + smtp.Addr + "?security=plain", "RAPPORT_MAIL_FROM=crm@example.com", "RAPPORT_JOB_LOCK=2s"}
			first := startServer(t, db, env...)
			resp, err := http.Post(first.base+"/api/v1/password-resets", "application/json", strings.NewReader(`{"email":"ann@example.com"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("password reset: %d", resp.StatusCode)
			}
			select {
			case <-held:
			case <-time.After(30 * time.Second):
				t.Fatalf("no mail reached the server:\n%s", first.log.String())
			}
			first.cmd.Process.Kill()
			first.cmd.Wait()
			smtp.Release()
			if n := len(smtp.Messages()); n != 0 {
				t.Fatalf("the transaction cut off by the kill delivered %d messages", n)
			}

			second := startServer(t, db, env...)
			// The job is done once the server has taken the message; a
			// little longer gives a second copy, were one coming, time to
			// arrive.
			waitFor(t, func() (bool, string) {
				return len(smtp.Messages()) > 0 && strings.Contains(second.log.String(), "mail sent"), second.log.String()
			})
			time.Sleep(3 * time.Second)
			got := smtp.Messages()
			if len(got) != 1 {
				for _, m := range got {
					t.Logf("copy of %d bytes:\n%s", len(m.Data), m.Data)
				}
				t.Fatalf("%d copies of the message arrived, want 1", len(got))
			}
			if got[0].To != "ann@example.com" || !strings.Contains(string(got[0].Data), "#token=") {
				t.Errorf("the message: to %s\n%s", got[0].To, got[0].Data)
			}
			if smtp.Begun() != 2 {
				t.Errorf("%d deliveries begun, want the cut one and the one after the restart", smtp.Begun())
			}
		})
	}
}
