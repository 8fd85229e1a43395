package goals_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mail/mailtest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestDigestGoesOnceADayAtTheLocalHour drives the digest's clock through
// a user's morning in Vilnius (UTC+2), receives the digest on a real SMTP
// server and reads it as a mail client would.
func TestDigestGoesOnceADayAtTheLocalHour(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		box := mailtest.Start(t, mailtest.Options{})
		addr := box.Addr
		self := f.people.ByCls[accesstest.Self]
		f.exec(`UPDATE users SET time_zone = 'Europe/Vilnius', language = 'ru' WHERE id = ?`, self)
		f.deal(self, "won", day(12, 1), day(12, 2), `{"amount": 50000, "currency": "EUR"}`)
		f.deal(self, "lost", day(12, 1), day(12, 3), `{"amount": 50000, "currency": "EUR"}`)
		g, err := f.svc.Create(f.as(f.people.Admin), goals.Input{Metric: ptr(goals.WonCount), Subject: ptr(goals.User), SubjectID: ptr(id(self)),
			Period: ptr("2026-12"), Target: ptr(int64(4))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetDigest(f.as(self), goals.DigestSettings{Indicators: []string{"kpi:close_rate", "goal:" + g.ID}, Hour: 7}); err != nil {
			t.Fatal(err)
		}
		var now time.Time
		f.svc.SetClock(func() time.Time { return now })
		d := goals.NewDigests(f.svc, mail.SMTP{Addr: addr, From: "rapport@example.com", Security: mail.Plain}, slog.New(slog.DiscardHandler))
		tick := func(at time.Time, want int) {
			t.Helper()
			now = at
			n, err := d.Tick(context.Background())
			if err != nil || n != want {
				t.Fatalf("at %s: %d digests due (%v), want %d", at, n, err, want)
			}
		}
		tick(time.Date(2026, 12, 11, 4, 59, 0, 0, time.UTC), 0) // 06:59 in Vilnius
		tick(time.Date(2026, 12, 11, 5, 0, 0, 0, time.UTC), 1)  // 07:00
		tick(time.Date(2026, 12, 11, 5, 1, 0, 0, time.UTC), 0)
		// A restart: a new sender over the same database finds the day taken.
		d = goals.NewDigests(f.svc, mail.SMTP{Addr: addr, From: "rapport@example.com", Security: mail.Plain}, slog.New(slog.DiscardHandler))
		tick(time.Date(2026, 12, 11, 15, 0, 0, 0, time.UTC), 0)
		for _, j := range sends(t, db) {
			if err := d.Send(context.Background(), j); err != nil {
				t.Fatal(err)
			}
		}
		got := box.Messages()
		if len(got) != 1 || got[0].To != f.people.Email[accesstest.Self] {
			t.Fatalf("received %d messages: %+v", len(got), got)
		}
		text, images := readDigest(t, got[0].Data)
		for _, want := range []string{"Доля выигранных сделок за месяц: 50,0", "Цель: выигранные сделки, 2026-12: 1 / 4"} {
			if !strings.Contains(text, want) {
				t.Errorf("the digest's text lacks %q:\n%s", want, text)
			}
		}
		if images != 2 {
			t.Errorf("%d images decode, want 2", images)
		}
		tick(time.Date(2026, 12, 12, 4, 59, 0, 0, time.UTC), 0)
		tick(time.Date(2026, 12, 12, 5, 0, 0, 0, time.UTC), 1) // the next morning
	})
}

// sends reads the digest sendings the checks enqueued.
func sends(t *testing.T, db *store.DB) []jobs.Job {
	t.Helper()
	rows, err := db.Raw().QueryContext(context.Background(), db.Dialect.Rebind(`SELECT id, payload FROM jobs WHERE kind = ?`), goals.DigestSend)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobs.Job
	for rows.Next() {
		var j jobs.Job
		var payload string
		if err := rows.Scan(&j.ID, &payload); err != nil {
			t.Fatal(err)
		}
		j.Kind, j.Payload = goals.DigestSend, []byte(payload)
		out = append(out, j)
	}
	return out
}

// readDigest walks the message's MIME tree: it returns the plain text and
// how many inline PNG images decode.
func readDigest(t *testing.T, raw []byte) (string, int) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	images, related := 0, false
	var walk func(ct string, body io.Reader, enc string)
	walk = func(ct string, body io.Reader, enc string) {
		media, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(media, "multipart/"):
			related = related || media == "multipart/related"
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		case media == "text/plain":
			b, _ := io.ReadAll(quotedprintable.NewReader(body))
			text = string(b)
		case media == "image/png":
			data, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
			if dir := os.Getenv("RAPPORT_SCREENSHOTS"); dir != "" { // to look at the charts
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("digest-chart-%d.png", images+1)), data, 0o644)
			}
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("an inline image does not decode: %v", err)
			} else {
				images++
			}
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, "")
	if !related {
		t.Error("no multipart/related part")
	}
	return text, images
}
