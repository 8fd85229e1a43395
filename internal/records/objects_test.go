package records_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestSalesObjects stores each kind of new column (integers, decimals,
// booleans, date-times, relations, line items) and reads it back the same.
func TestSalesObjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		p := v.create("pipelines", `{"name": "New customers", "position": 1}`)
		s := v.create("stages", `{"pipeline_id": "`+p["id"].(string)+`", "name": "Qualified", "probability": 20, "rotting_days": 14, "required_fields": ["expected_close_date"]}`)
		prod := v.create("products", `{"name": "Widget", "sku": "W-1", "price": {"amount": 1500, "currency": "EUR"}, "tax_rate": 19.5, "active": true}`)
		d := v.create("deals", `{"title": "Big one", "pipeline_id": "`+p["id"].(string)+`", "stage_id": "`+s["id"].(string)+`",
			"status": "open", "line_items": [{"product_id": "`+prod["id"].(string)+`", "quantity": 2.5, "discount": 10}]}`)
		got := v.get("deals", d["id"].(string))
		items := got["line_items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["quantity"] != json.Number("2.5") {
			t.Fatalf("line items %#v", got["line_items"])
		}
		pr := v.get("products", prod["id"].(string))
		if pr["active"] != true || pr["tax_rate"] != json.Number("19.5") {
			t.Fatalf("product %#v", pr)
		}
		st := v.get("stages", s["id"].(string))
		if n, _ := records.Int(st["probability"]); n != 20 {
			t.Fatalf("stage %#v", st)
		}
		task := v.create("tasks", `{"title": "Call back", "due_at": "2026-12-01T10:00:00Z", "done": false, "record_type": "deal", "record_id": "`+d["id"].(string)+`"}`)
		tk := v.get("tasks", task["id"].(string))
		if tk["done"] != false || tk["due_at"] != "2026-12-01T10:00:00.000000Z" {
			t.Fatalf("task %#v", tk)
		}
		// A task is not a note, though both live in one table.
		if _, err := v.e.Get(v.ctx, "notes", task["id"].(string), false); !fault.Is(err, fault.ENOTFOUND) {
			t.Fatalf("task read as a note: %v", err)
		}
		page, err := v.e.List(v.ctx, "tasks", records.Query{Filter: &records.Filter{Field: "done", Op: records.Eq, Value: false}})
		if err != nil || len(page.Data) != 1 {
			t.Fatalf("open tasks %v %v", page, err)
		}
		v.create("notes", `{"body": "hello"}`)
		page, err = v.e.List(v.ctx, "notes", records.Query{})
		if err != nil || len(page.Data) != 1 {
			t.Fatalf("notes %v %v", page, err)
		}
	})
}

// TestLineItemErrors names the item and the part that is wrong.
func TestLineItemErrors(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	for body, field := range map[string]string{
		`[{"product_id": "1", "quantity": -1}]`:                                          "line_items[0].quantity",
		`[{"name": "x", "quantity": 0}]`:                                                 "line_items[0].quantity",
		`[{"quantity": 1}]`:                                                              "line_items[0].product_id",
		`[{"name": "x", "quantity": 1, "discount": 120}]`:                                "line_items[0].discount",
		`[{"name": "x", "quantity": 1, "colour": "red"}]`:                                "line_items[0].colour",
		`[{"name": "x", "quantity": 1, "unit_price": {"amount": 1, "currency": "XXQ"}}]`: "line_items[0].unit_price.currency",
	} {
		_, err := v.e.Create(v.ctx, "deals", in(t, `{"title": "t", "line_items": `+body+`}`))
		var fe *fault.Error
		if !errors.As(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != field {
			t.Errorf("%s: got %v, want an error on %s", body, err, field)
		}
	}
}

// TestHooks runs Before and After in the write's transaction: a Before
// hook's value is stored, and an After hook's error undoes the write.
func TestHooks(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	fail := false
	v.e.Hook("deals", records.Hook{
		Before: func(ctx context.Context, w *records.Write) error {
			if w.Action == "create" {
				w.Vals["status"] = "open"
			}
			return nil
		},
		After: func(ctx context.Context, w *records.Write) error {
			if fail {
				return fault.Errorf(fault.EINVALID, "refused")
			}
			return nil
		},
	})
	d := v.create("deals", `{"title": "t"}`)
	if v.get("deals", d["id"].(string))["status"] != "open" {
		t.Fatal("before hook value not stored")
	}
	fail = true
	before := v.snapshot()
	if _, err := v.e.Create(v.ctx, "deals", in(t, `{"title": "u"}`)); !fault.Is(err, fault.EINVALID) {
		t.Fatalf("after hook error: %v", err)
	}
	if v.snapshot() != before {
		t.Fatal("a write refused by a hook left rows behind")
	}
}
