package web

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

func TestShow(t *testing.T) {
	v := &visit{lang: "en", p: locale.For("en"), user: &account.User{TimeZone: "Asia/Almaty"}}
	n := names{users: map[string]string{"7": "Ada"}, records: map[string]map[string]string{"company": {"3": "Acme", "4": "Babbage & Co"}}}
	for _, c := range []struct {
		f    records.Field
		val  any
		want []string
	}{
		{records.Field{Type: records.Text}, "<b>", []string{"<b>"}},
		{records.Field{Type: records.Text}, nil, nil},
		{records.Field{Type: records.Email}, []any{map[string]any{"value": "a@x.org"}, map[string]any{"value": "b@x.org"}}, []string{"a@x.org", "b@x.org"}},
		{records.Field{Type: records.Phone}, []any{map[string]any{"typed": "020 7946 0958", "value": "+442079460958"}}, []string{"+44 20 7946 0958"}},
		{records.Field{Type: records.Phone}, []any{map[string]any{"typed": "ext. 12", "value": "ext. 12"}}, []string{"ext. 12"}},
		{records.Field{Type: records.Address}, map[string]any{"street": "1 Main St", "city": "London", "country": "GB"}, []string{"1 Main St, London, GB"}},
		{records.Field{Type: records.User}, "7", []string{"Ada"}},
		{records.Field{Type: records.User}, "8", nil},
		{records.Field{Type: records.Relations, Target: "company"}, []records.LinkRef{{ID: "4"}, {ID: "3"}, {ID: "9"}}, []string{"Acme", "Babbage & Co"}},
		{records.Field{Type: records.Boolean}, true, []string{"Yes"}},
		{records.Field{Name: "source", Type: records.Select}, "referral", []string{"Referral"}},
		{records.Field{Name: "size", Type: records.Select}, "11-50", []string{"11-50"}},
		{records.Field{Type: records.Date}, "2026-01-06", []string{v.p.Date(time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), time.UTC)}},
	} {
		got := v.show(&c.f, c.val, n)
		if len(got) != len(c.want) {
			t.Errorf("show(%s, %v) = %q, want %q", c.f.Type, c.val, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("show(%s, %v) = %q, want %q", c.f.Type, c.val, got, c.want)
			}
		}
	}
	// A timestamp shows in the user's zone: 23:30 UTC is the next day in Almaty.
	if got, want := v.day("2026-01-06T23:30:00Z"), v.p.Date(time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC), time.UTC); got != want {
		t.Errorf("day in Almaty = %q, want %q", got, want)
	}
}
