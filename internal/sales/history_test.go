package sales_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestStageHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		deal := f.create(f.admin, "deal", `{"title": "Bolts"}`)
		if _, err := f.update(f.admin, "deal", deal, `{"stage_id": "`+f.stages[1]+`"}`); err != nil {
			t.Fatal(err)
		}
		stays, err := f.svc.StageHistory(f.admin, deal, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(stays) != 2 || stays[0].StageName != "Won-ready" || !stays[0].Left.IsZero() ||
			stays[1].StageName != "Lead" || stays[1].Left.IsZero() {
			t.Errorf("stays %+v", stays)
		}
		if stays, _ := f.svc.StageHistory(f.admin, deal, 1); len(stays) != 1 {
			t.Errorf("limit 1: %d stays", len(stays))
		}
		// The salesperson does not own the deal: it is not found.
		if _, err := f.svc.StageHistory(f.rep, deal, 10); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("a deal out of reach: %v", err)
		}
	})
}
