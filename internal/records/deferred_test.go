package records_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestDeferredKeepsFirstOrder checks that deferred work gets every id
// once, in the order first added, per key, keys in the order first added.
func TestDeferredKeepsFirstOrder(t *testing.T) {
	d := &records.Deferred{}
	var got [][]string
	fn := func(_ context.Context, _ store.Querier, _ int64, ids []string) error {
		got = append(got, ids)
		return nil
	}
	for _, x := range [][2]string{{"b", "7"}, {"a", "12"}, {"b", "7"}, {"b", "3"}, {"a", "1"}, {"a", "12"}, {"b", "71"}, {"b", "3"}, {"a", "2"},
		{"c", "1 contact 123456"}, {"c", "1 contact 123457"}, {"c", "1 contact 12345"}, {"c", "2 contact 1"}, {"c", "1 contact 123457"}} {
		d.Add(x[0], x[1], fn)
	}
	if err := d.Run(context.Background(), nil, 1); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !slices.Equal(got[0], []string{"7", "3", "71"}) || !slices.Equal(got[1], []string{"12", "1", "2"}) ||
		!slices.Equal(got[2], []string{"1 contact 123456", "1 contact 123457", "1 contact 12345", "2 contact 1"}) {
		t.Errorf("ids %q", got)
	}
	got = nil
	if err := d.Run(context.Background(), nil, 1); err != nil || got != nil {
		t.Errorf("a second run: %q %v", got, err)
	}
}
