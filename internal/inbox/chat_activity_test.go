package inbox_test

import (
	"context"
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
