package importer_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCancel stops an import in the background once it has written some
// rows: it rolls back whole, leaving no contact, and is logged as
// cancelled; a second cancel is a conflict.
func TestCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		var b strings.Builder
		b.WriteString("First name,Email\n")
		for i := range 3000 {
			fmt.Fprintf(&b, "Name%d,person%d@example.com\n", i, i)
		}
		file := b.String()
		started := make(chan struct{}, 1)
		ended := make(chan struct{})
		id, err := v.im.Start(v.ctx, v.spool(file), importer.Options{Object: "contacts", FileName: "big.csv",
			Progress: func(rows int, _ time.Duration) {
				if rows > 0 {
					select {
					case started <- struct{}{}:
					default:
					}
				}
			}}, func() { close(ended) })
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-ended:
			t.Fatal("the import ended before it could be cancelled")
		}
		s, err := v.im.Cancel(v.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		<-ended
		if s.Status != importer.StatusCancelled || s.Created != 0 {
			t.Fatalf("cancelled import: %+v", s)
		}
		if n := v.count("contacts"); n != 0 {
			t.Errorf("a cancelled import left %d contacts", n)
		}
		if _, err := v.im.Cancel(v.ctx, id); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("cancelling twice: %v", err)
		}
		if _, err := v.im.Undo(v.ctx, id); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("undoing a cancelled import: %v", err)
		}
	})
}

// TestBackgroundCountsOnce starts a large import in the background: its
// progress and its decision to build the table's indexes at the end both
// want the file's rows counted, and the file is read for that once.
func TestBackgroundCountsOnce(t *testing.T) {
	defer importer.SetBulkBytes(0)()
	var counted atomic.Int32
	defer importer.CountCounts(&counted)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		counted.Store(0)
		v := newEnv(t, db)
		ended := make(chan struct{})
		id, err := v.im.Start(v.ctx, v.spool("First name,Email\nAda,ada@example.com\nGrace,grace@example.com\n"),
			importer.Options{Object: "contacts", FileName: "people.csv"}, func() { close(ended) })
		if err != nil {
			t.Fatal(err)
		}
		<-ended
		s, err := v.im.Get(v.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != importer.StatusCommitted || s.Created != 2 {
			t.Fatalf("import: %+v", s)
		}
		if n := counted.Load(); n != 1 {
			t.Errorf("the file's rows were counted %d times, want once", n)
		}
	})
}

// TestRecover marks an import left running by a process that died as
// interrupted, and leaves the others as they were.
func TestRecover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		done := v.run("First name\nAda\n", importer.Options{})
		stamp := db.Dialect.Time(time.Now())
		err := db.Tx(v.ctx, func(q store.Querier) error {
			_, err := q.ExecContext(v.ctx, `INSERT INTO imports (workspace_id, user_id, object, file_name, status, created_at)
				VALUES (1, 1, 'contacts', 'dead.csv', 'running', ?)`, stamp)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A new importer is a process starting.
		n, err := importer.New(db, v.e, nil).Recover(v.ctx)
		if err != nil || n != 1 {
			t.Fatalf("recovered %d, %v", n, err)
		}
		list, err := v.im.List(v.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, s := range list {
			got[s.FileName] = s.Status
		}
		if got["dead.csv"] != importer.StatusInterrupted || got[done.FileName] != importer.StatusCommitted {
			t.Errorf("after recovery: %v", got)
		}
	})
}
