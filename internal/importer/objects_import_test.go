package importer_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// products is a Polish price list: comma decimals, a currency column
// that is sometimes empty (the base currency), one SKU twice in other
// case, a price that is no number and one SKU of a product made before.
const products = "Id;Nazwa;Kod produktu;Cena;Waluta;Jednostka;Opis\n" +
	"P1;Krzesło;KR-1;1 234,50;PLN;szt.;Dębowe\n" +
	"P2;Stół;ST-1;99,90;;szt.;\n" +
	"P3;Krzesło bis;kr-1;10,00;PLN;szt.;\n" +
	"P4;Lampa;LA-1;dużo;PLN;szt.;\n" +
	"P5;Old one;OLD-1;5;EUR;kg;\n"

func TestImportProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		old := v.create("products", `{"name": "Old", "sku": "OLD-1", "unit": "pc"}`)
		tables := []string{"products", "field_values", "external_ids"}
		before := snapshot(t, db, tables)
		var rows []string
		s := v.run(products, importer.Options{Object: "products", Mapping: map[string]string{"Id": "external_id"},
			OnRow: func(r importer.RowResult) { rows = append(rows, r.Action) }})
		if s.Match != "sku" || counts(s) != "rows 5, created 2, updated 0, skipped 2, failed 1" {
			t.Fatalf("%s %s %+v", s.Match, counts(s), s.Problems)
		}
		if want := []string{"created", "created", "skipped", "failed", "skipped"}; !slices.Equal(rows, want) {
			t.Errorf("rows %v, want %v", rows, want)
		}
		if len(s.Problems) != 1 || s.Problems[0].Row != 5 || s.Problems[0].Column != "Cena" {
			t.Errorf("problems %+v", s.Problems)
		}
		list, _ := v.e.List(v.ctx, "products", records.Query{Sort: []string{"name"}})
		if len(list.Data) != 3 {
			t.Fatalf("products %v", list.Data)
		}
		chair, table := list.Data[0], list.Data[2]
		if chair["sku"] != "KR-1" || fmt.Sprint(chair["price"]) != "map[amount:123450 currency:PLN]" || chair["unit"] != "szt." ||
			chair["description"] != "Dębowe" {
			t.Errorf("chair %v", chair)
		}
		if fmt.Sprint(table["price"]) != "map[amount:9990 currency:EUR]" {
			t.Errorf("table %v", table)
		}

		if _, err := v.im.Undo(v.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, db, tables); after != before {
			t.Errorf("after the undo:\n%s\nbefore:\n%s", after, before)
		}

		// Updated by SKU: the old product takes the row's values, and the
		// third row those of the first's.
		u := v.run(products, importer.Options{Object: "products", OnDuplicate: importer.Update})
		if counts(u) != "rows 5, created 2, updated 2, skipped 0, failed 1" {
			t.Fatalf("update: %s %+v", counts(u), u.Problems)
		}
		got, _ := v.e.Get(v.ctx, "products", old["id"].(string), false)
		if got["name"] != "Old one" || got["unit"] != "kg" || fmt.Sprint(got["price"]) != "map[amount:500 currency:EUR]" {
			t.Errorf("old after update: %v", got)
		}
		if _, err := v.im.Undo(v.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, db, tables); after != before {
			t.Errorf("after the undo:\n%s\nbefore:\n%s", after, before)
		}
		// SKU is no key of contacts.
		if _, err := v.try(messy, importer.Options{Match: "sku"}); !fault.Is(err, fault.EINVALID) {
			t.Errorf("contacts by SKU: %v", err)
		}
	})
}

// withActivities adds the activity service, whose hooks check what an
// activity is about and date it, and a second user.
func withActivities(v *env) {
	v.t.Helper()
	activity.New(v.db, v.e, activity.Options{Logger: slog.New(slog.DiscardHandler), PhoneRegion: "PL"})
	err := v.db.Tx(v.ctx, func(q store.Querier) error {
		_, err := q.ExecContext(v.ctx, `INSERT INTO users (workspace_id, email, name, password_hash, role, created_at)
			VALUES (1, 'bob@example.com', 'Bob Sales', 'x', 'administrator', ?)`, v.db.Dialect.Time(time.Now()))
		return err
	})
	if err != nil {
		v.t.Fatal(err)
	}
}

// activities is an amoCRM-like export in Russian of every kind, with
// rows that must fail: an unknown owner, an unknown kind, a date that
// does not exist, an unknown contact, a deal no one has.
const activities = "Id;Тип;Тема;Срок;Время;Длительность;Выполнена;Ответственный;Контакт;Компания;Сделка;Текст;Направление\n" +
	"A1;Задача;Перезвонить;31.01.2026;14:30;;да;bob@example.com;jan@example.com;;;Обсудить цену;\n" +
	"A2;Звонок;Первый звонок;02.02.2026 10:00;;5:30;;Bob Sales;;;Big deal;Договорились;Исходящий\n" +
	"A3;Встреча;Демо;03.02.2026 09:00;;1:00:00;;;;ACME;;;\n" +
	"A4;Примечание;;04.02.2026;;;;;J1;;;Любит кофе;\n" +
	"A5;Задача;Кто это;05.02.2026;;;;nobody@example.com;;;;;\n" +
	"A6;Факс;Старьё;05.02.2026;;;;;;;;;\n" +
	"A7;Задача;Никогда;30.02.2026;;;;;;;;;\n" +
	"A8;Звонок;Кому;05.02.2026;;;;;ghost@example.com;;;;outbound\n" +
	"A9;Задача;Какая сделка;05.02.2026;;;;;;;No deal;;\n"

// activitySetup makes what the rows of activities link to.
func activitySetup(t *testing.T, v *env) (jan, acme, deal records.Record) {
	withActivities(v)
	jan = v.create("contacts", `{"first_name": "Jan", "emails": ["jan@example.com"]}`)
	acme = v.create("companies", `{"name": "Acme"}`)
	fair := v.create("pipelines", `{"name": "Trade fair"}`)
	v.create("stages", `{"pipeline_id": "`+fair["id"].(string)+`", "name": "Lead", "position": 1}`)
	deal = v.create("deals", `{"title": "Big deal", "pipeline_id": "`+fair["id"].(string)+`"}`)
	// The contact's id in the other system, as a contacts import keeps it.
	s := v.run("Id,Email\nJ1,jan@example.com\n", importer.Options{Object: "contacts", OnDuplicate: importer.Update,
		Mapping: map[string]string{"Id": "external_id"}})
	if counts(s) != "rows 1, created 0, updated 0, skipped 1, failed 0" || v.count("external_ids") != 1 {
		t.Fatalf("external id of jan: %s %+v", counts(s), s.Problems)
	}
	return jan, acme, deal
}

func TestImportActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		jan, acme, deal := activitySetup(t, v)
		s := v.run(activities, importer.Options{Object: importer.Activities, Mapping: map[string]string{"Id": "external_id"}})
		if counts(s) != "rows 9, created 4, updated 0, skipped 0, failed 5" {
			t.Fatalf("%s %+v", counts(s), s.Problems)
		}
		if s.Mapping["Тип"] != "kind" || s.Mapping["Срок"] != "due_at" || s.Mapping["Время"] != "due_time" || s.Mapping["Сделка"] != "deal" {
			t.Errorf("guessed %v", s.Mapping)
		}
		reasons := ""
		for _, p := range s.Problems {
			reasons += fmt.Sprintf("%d %s %v: %s\n", p.Row, p.Column, p.Kept, p.Reason)
		}
		for _, want := range []string{
			`5 Срок true: a note is dated by its import`,
			`6 Ответственный false: no user has the e-mail or name "nobody@example.com"`,
			`7 Тип false: kind "Факс" is no kind of activity`,
			`8 Срок false: `,
			`9 Контакт false: contact no contact has the e-mail or external id "ghost@example.com"`,
			`10 Сделка false: deal no deal has the external id or the title "No deal"`,
		} {
			if !strings.Contains(reasons, want) {
				t.Errorf("no problem %q in\n%s", want, reasons)
			}
		}
		var bob string
		if err := db.Reader().QueryRowContext(v.ctx, `SELECT CAST(id AS TEXT) FROM users WHERE email = 'bob@example.com'`).Scan(&bob); err != nil {
			t.Fatal(err)
		}
		one := func(plural string) records.Record {
			list, err := v.e.List(v.ctx, plural, records.Query{})
			if err != nil || len(list.Data) != 1 {
				t.Fatalf("%s: %v %v", plural, list, err)
			}
			return list.Data[0]
		}
		task, call, meeting, note := one("tasks"), one("calls"), one("meetings"), one("notes")
		if task["title"] != "Перезвонить" || task["due_at"] != "2026-01-31T14:30:00.000000Z" || task["done"] != true ||
			task["owner_id"] != bob || task["record_type"] != "contact" || task["record_id"] != jan["id"] || task["result"] != "Обсудить цену" {
			t.Errorf("task %v", task)
		}
		if call["started_at"] != "2026-02-02T10:00:00.000000Z" || fmt.Sprint(call["duration_seconds"]) != "330" || call["owner_id"] != bob ||
			call["record_type"] != "deal" || call["record_id"] != deal["id"] || call["body"] != "Первый звонок\n\nДоговорились" {
			t.Errorf("call %v", call)
		}
		if meeting["starts_at"] != "2026-02-03T09:00:00.000000Z" || meeting["ends_at"] != "2026-02-03T10:00:00.000000Z" ||
			meeting["record_type"] != "company" || meeting["record_id"] != acme["id"] {
			t.Errorf("meeting %v", meeting)
		}
		if note["body"] != "Любит кофе" || note["record_type"] != "contact" || note["record_id"] != jan["id"] {
			t.Errorf("note %v", note)
		}

		// Matched by their external ids, the rows are duplicates.
		again := v.run(activities, importer.Options{Object: importer.Activities, Match: "external_id", Mapping: map[string]string{"Id": "external_id"}})
		if counts(again) != "rows 9, created 0, updated 0, skipped 4, failed 5" {
			t.Errorf("again: %s %+v", counts(again), again.Problems)
		}
	})
}

// An activities file with no column for the kind is refused before its
// rows are read.
func TestActivitiesNeedKind(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	withActivities(v)
	_, err := v.try("Subject,Due date\nCall Jan,2026-01-31\n", importer.Options{Object: importer.Activities})
	var fe *fault.Error
	if !asFault(err, &fe) || len(fe.Fields) == 0 || fe.Fields[0].Field != "mapping" || fe.Fields[0].Code != "required" {
		t.Errorf("no kind column: %v", err)
	}
}

// The dry run of products and activities does what the real run does,
// for each duplicate policy, and the undo of each real run leaves every
// table an import of them writes as it was.
func TestProductsAndActivitiesDryRunAndUndo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		activitySetup(t, v)
		v.create("products", `{"name": "Old", "sku": "OLD-1", "unit": "pc"}`)
		v.run(activities, importer.Options{Object: importer.Activities, Mapping: map[string]string{"Id": "external_id"}})
		tables := []string{"products", "activities", "meeting_attendees", "field_values", "external_ids", "contacts", "companies", "deals"}
		for _, c := range []struct {
			file string
			opts importer.Options
		}{
			{products, importer.Options{Object: "products"}},
			{products, importer.Options{Object: "products", OnDuplicate: importer.Update}},
			{products, importer.Options{Object: "products", OnDuplicate: importer.Create}},
			{activities, importer.Options{Object: importer.Activities}},
			{activities, importer.Options{Object: importer.Activities, Match: "external_id", Mapping: map[string]string{"Id": "external_id"}}},
			{activities, importer.Options{Object: importer.Activities, Match: "external_id", Mapping: map[string]string{"Id": "external_id"}, OnDuplicate: importer.Update}},
		} {
			before := snapshot(t, db, tables)
			var dry, real []string
			o := c.opts
			o.DryRun = true
			o.OnRow = func(r importer.RowResult) { dry = append(dry, outcome(r)) }
			d := v.run(c.file, o)
			if d.Status != importer.StatusDryRun || snapshot(t, db, tables) != before {
				t.Fatalf("%s %+v: dry run %s left records", c.opts.Object, c.opts.OnDuplicate, d.Status)
			}
			o.DryRun = false
			o.OnRow = func(r importer.RowResult) { real = append(real, outcome(r)) }
			r := v.run(c.file, o)
			if counts(d) != counts(r) || !slices.Equal(dry, real) {
				t.Errorf("%s %s: dry %s %v, real %s %v", c.opts.Object, c.opts.OnDuplicate, counts(d), dry, counts(r), real)
			}
			if _, err := v.im.Undo(v.ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if after := snapshot(t, db, tables); after != before {
				t.Errorf("%s %s: after the undo:\n%s\nbefore:\n%s", c.opts.Object, c.opts.OnDuplicate, after, before)
			}
		}

		// Strict: one bad row refuses the file, and nothing is kept.
		before := snapshot(t, db, tables)
		s := v.run(activities, importer.Options{Object: importer.Activities, Strict: true})
		if s.Status != importer.StatusRefused || s.Failed != 5 || snapshot(t, db, tables) != before {
			t.Errorf("strict: %s %s", s.Status, counts(s))
		}
		got, err := v.im.Get(v.ctx, s.ID)
		if err != nil || got.Object != importer.Activities || len(got.Problems) == 0 {
			t.Errorf("log of the strict import: %+v %v", got, err)
		}
	})
}

// outcome is what a row did and why, without the ids a dry run's
// rolled-back sequence leaves out of step on PostgreSQL.
func outcome(r importer.RowResult) string {
	return fmt.Sprint(r.Row, " ", r.Action, " ", strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return '#'
		}
		return c
	}, r.Reason))
}

// Times of day without a zone are the importing user's.
func TestActivityTimesAreTheUsers(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	withActivities(v)
	err := v.db.Tx(v.ctx, func(q store.Querier) error {
		_, err := q.ExecContext(v.ctx, `UPDATE users SET time_zone = 'Europe/Warsaw' WHERE email = 'ada@example.com'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	file := "Type;Subject;Due date;Due time\nTask;Apart;31.01.2026;14:30\nMeeting;Together;02.07.2026 10:00;\nTask;Bad time;31.01.2026;25:00\n"
	s := v.run(file, importer.Options{Object: importer.Activities})
	if counts(s) != "rows 3, created 2, updated 0, skipped 0, failed 1" || len(s.Problems) != 1 || s.Problems[0].Column != "Due time" {
		t.Fatalf("%s %+v", counts(s), s.Problems)
	}
	tasks, _ := v.e.List(v.ctx, "tasks", records.Query{})
	meetings, _ := v.e.List(v.ctx, "meetings", records.Query{})
	if len(tasks.Data) != 1 || tasks.Data[0]["due_at"] != "2026-01-31T13:30:00.000000Z" {
		t.Errorf("task %v", tasks.Data)
	}
	if len(meetings.Data) != 1 || meetings.Data[0]["starts_at"] != "2026-07-02T08:00:00.000000Z" {
		t.Errorf("meeting %v", meetings.Data)
	}
}

// A mapping of an activities file is saved and used like any other, and
// names only the columns such a file has.
func TestActivitiesMapping(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	withActivities(v)
	object, name := importer.Activities, "Old CRM"
	m, err := v.im.SaveMapping(v.ctx, importer.MappingInput{Object: &object, Name: &name,
		Mapping: &map[string]string{"What": "kind", "About": "title", "When": "due_at"}})
	if err != nil {
		t.Fatal(err)
	}
	s := v.run("What,About,When\ncall,Ring Ada,2026-01-31 10:00\nnote,Likes tea,\n", importer.Options{Object: object, MappingID: m.ID})
	if counts(s) != "rows 2, created 1, updated 0, skipped 0, failed 1" || !strings.Contains(s.Problems[0].Reason, "direction") {
		t.Errorf("%s %+v", counts(s), s.Problems)
	}
	bad := map[string]string{"What": "first_name"}
	if _, err := v.im.SaveMapping(v.ctx, importer.MappingInput{Object: &object, Name: &name, Mapping: &bad}); !fault.Is(err, fault.EINVALID) {
		t.Errorf("a contact's field in a mapping of activities: %v", err)
	}
}
