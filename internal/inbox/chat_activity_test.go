package inbox_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestChannelsActivity counts each channel's messages once, however often
// a provider repeats one, with the time of the last; a channel that has
// taken nothing is missing, and only administrators may ask.
func TestChannelsActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.clock.t = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
		busy, err := v.in.CreateChannel(v.as(v.admin), inbox.ChannelInput{Name: "Site chat"})
		if err != nil {
			t.Fatal(err)
		}
		quiet, err := v.in.CreateChannel(v.as(v.admin), inbox.ChannelInput{Name: "Telegram"})
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"m-1", "m-2", "m-2"} {
			v.clock.add(time.Minute)
			body := `{"message": {"id": "` + id + `", "text": "Hello"}, "sender": {"id": "visitor-` + strconv.Itoa(i) + `"}}`
			if _, _, err := v.in.ReceiveChat(context.Background(), busy.PublicID, busy.Token, []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := v.in.ChannelsActivity(v.as(v.admin))
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 12, 7, 9, 32, 0, 0, time.UTC)
		if a := got[busy.ID]; a.Messages != 2 || a.LastAt == nil || !a.LastAt.Equal(want) {
			t.Errorf("the busy channel: %+v, want 2 messages, the last at %s", a, want)
		}
		if a, ok := got[quiet.ID]; ok {
			t.Errorf("the quiet channel: %+v", a)
		}
		if _, err := v.in.ChannelsActivity(v.as(v.seller)); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson asks: %v", err)
		}
	})
}

// BenchmarkChannelsActivity is what the chat settings page pays to count
// the messages of a channel that has taken RAPPORT_BENCH_CHAT_MESSAGES
// (100,000 by default): the channels' own counts, one row each.
func BenchmarkChannelsActivity(b *testing.B) {
	n := 100_000
	if s := os.Getenv("RAPPORT_BENCH_CHAT_MESSAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) { benchmarkActivity(b, open(b), n) })
	}
}

func benchmarkActivity(b *testing.B, db *store.DB, n int) {
	v := newEnv(b, db)
	c, err := v.in.CreateChannel(v.as(v.admin), inbox.ChannelInput{Name: "Busy"})
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"workspace_id", "channel_id", "message_id", "sender_id", "received_at"}
	const batch = 500
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; done += batch {
		rows := min(batch, n-done)
		args := make([]any, 0, rows*len(cols))
		for i := range rows {
			args = append(args, 1, c.ID, "m-"+strconv.Itoa(done+i), "s-"+strconv.Itoa((done+i)%997), db.Dialect.Time(at.Add(time.Duration(done+i)*time.Second)))
		}
		if err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), store.InsertRows("chat_messages", cols, rows), args...)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	// Landing a message counts it on its channel (TestChannelsActivity
	// checks that); the rows above were written past it, so their count
	// is set as landing them would have.
	if err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), `UPDATE chat_channels SET messages = ?, last_message_at = ? WHERE id = ?`,
			n, db.Dialect.Time(at.Add(time.Duration(n-1)*time.Second)), c.ID)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	ctx := v.as(v.admin)
	b.ResetTimer()
	for b.Loop() {
		got, err := v.in.ChannelsActivity(ctx)
		if err != nil || got[c.ID].Messages != int64(n) {
			b.Fatalf("%+v %v", got, err)
		}
	}
}
