package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestListQueriesDoNotGrowWithRows checks that a list makes as many
// queries for a page of many rows, each with a company and an owner to
// name, as for a page of two: names are read for a page at once, never
// row by row.
func TestListQueriesDoNotGrowWithRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		fill := func(n int) {
			for i := range n {
				co, err := a.engine.Create(ctx, "companies", map[string]any{"name": fmt.Sprintf("Company %d", i)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Person %d", i),
					"companies": []any{map[string]any{"id": co["id"]}}, "owner_id": a.userID(ctx)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		fill(2)
		a.get("/contacts") // the first visit reads what later ones keep
		few := a.get("/contacts")
		few.want(t, "two contacts", http.StatusOK, "Person 1")
		fill(38)
		many := a.get("/contacts")
		many.want(t, "forty contacts", http.StatusOK, "Person 37")
		if f, m := few.queries(t), many.queries(t); m != f {
			t.Errorf("the contacts list made %d queries for 2 rows and %d for 40", f, m)
		}
		for _, path := range []string{"/companies", "/"} {
			if n := a.get(path).queries(t); n == 0 {
				t.Errorf("%s counted no queries", path)
			}
		}
	})
}
