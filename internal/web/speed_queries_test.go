package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestMyDayQueriesDoNotGrowWithTasks checks that My day and the tasks
// list make as many queries for forty tasks, each about its own contact
// or company, as for two: the names of the records the tasks are about
// are read for the page at once, never task by task.
func TestMyDayQueriesDoNotGrowWithTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		me := a.userID(ctx)
		due := time.Now().Add(-time.Hour)
		fill := func(from, to int) {
			for i := from; i < to; i++ {
				object, name := "contacts", map[string]any{"first_name": fmt.Sprintf("Person %d", i)}
				if i%2 == 1 {
					object, name = "companies", map[string]any{"name": fmt.Sprintf("Company %d", i)}
				}
				about, err := a.engine.Create(ctx, object, name)
				if err != nil {
					t.Fatal(err)
				}
				a.task(ctx, me, fmt.Sprintf("Task %d", i), due, map[string]string{"contacts": "contact", "companies": "company"}[object], about["id"].(string))
			}
		}
		paths := []string{"/", "/tasks"}
		fill(0, 2)
		few := map[string]int{}
		for _, path := range paths {
			a.get(path) // the first visit reads what later ones keep
			page := a.get(path)
			page.want(t, path+" with two tasks", http.StatusOK, "Task 1", "Company 1")
			few[path] = page.queries(t)
		}
		fill(2, 40)
		for _, path := range paths {
			page := a.get(path)
			page.want(t, path+" with forty tasks", http.StatusOK, "Task 39", "Company 39")
			if n := page.queries(t); n != few[path] {
				t.Errorf("%s made %d queries for 2 tasks and %d for 40", path, few[path], n)
			}
		}
	})
}
