package duplicate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// plannedMerge is one merge of the concurrent test, by index into the
// records made for it.
type plannedMerge struct {
	object string
	into   int
	from   []int
}

// TestConcurrentMerges runs many merges at once, in chains (A merges into
// X while X merges into Z), crossings, rings and with the same record in
// several merges, contacts and companies together. Every merge must
// either commit fully or change nothing and say it conflicted; at the end
// every note, task, deal and link points at the record its original
// record was merged into, last of all, and none at a merged-away one.
func TestConcurrentMerges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		concurrentMerges(t, db, rand.New(rand.NewPCG(1, 8)))
	})
}

func concurrentMerges(t *testing.T, db *store.DB, r *rand.Rand) {
	f := newFixture(t, db)
	ctx := f.admin()
	const nContacts, nCompanies = 60, 8
	// Every record has something that must follow it through a merge: a
	// contact a note, a task, a deal and a company; a company a deal and
	// a note.
	companies := make([]string, nCompanies)
	// Contacts and companies are told apart as "contact:12" and
	// "company:12" from here on.
	contacts := make([]string, nContacts)
	about := map[string]string{} // activity -> the record it was made about
	dealContact := map[string]string{}
	dealCompany := map[string]string{}
	contactCompany := map[[2]string]bool{}
	// One transaction makes them quicker than one each.
	err := db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		for i := range companies {
			companies[i] = f.create(ctx, "company", fmt.Sprintf(`{"name": "Company %d"}`, i))
		}
		for i := range contacts {
			k := companies[i%nCompanies]
			c := f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "C%d", "companies": [%q]}`, i, k))
			contacts[i] = c
			contactCompany[[2]string{"contact:" + c, "company:" + k}] = true
			about[f.create(ctx, "note", fmt.Sprintf(`{"body": "n%d", "record_type": "contact", "record_id": %q}`, i, c))] = "contact:" + c
			about[f.create(ctx, "task", fmt.Sprintf(`{"title": "t%d", "record_type": "contacts", "record_id": %q}`, i, c))] = "contact:" + c
			dealContact[f.create(ctx, "deal", fmt.Sprintf(`{"title": "d%d", "contacts": [%q]}`, i, c))] = "contact:" + c
		}
		for i, k := range companies {
			dealCompany[f.create(ctx, "deal", fmt.Sprintf(`{"title": "k%d", "company_id": %q}`, i, k))] = "company:" + k
			about[f.create(ctx, "note", fmt.Sprintf(`{"body": "k%d", "record_type": "company", "record_id": %q}`, i, k))] = "company:" + k
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	plan := []plannedMerge{
		// A merges 20 contacts into X while B merges X into Z.
		{"contacts", 0, seq(1, 21)}, {"contacts", 22, []int{0}}, {"contacts", 23, []int{22}},
		// Crossing: each into the other.
		{"contacts", 24, []int{25}}, {"contacts", 25, []int{24}},
		// A ring of three.
		{"contacts", 26, []int{27}}, {"contacts", 27, []int{28}}, {"contacts", 28, []int{26}},
		// One record in several merges, as survivor and as merged.
		{"contacts", 29, []int{30, 31}}, {"contacts", 32, []int{30}}, {"contacts", 33, []int{31, 30}}, {"contacts", 34, []int{29}},
		// Companies at the same time: a chain and a crossing, over the
		// contact_companies rows that the contact merges move too.
		{"companies", 1, []int{0}}, {"companies", 2, []int{1}}, {"companies", 3, []int{4}}, {"companies", 4, []int{3}},
		{"companies", 5, []int{6, 7}},
	}
	// And random merges among the rest.
	for range 12 {
		picks := r.Perm(nContacts - 35)[:2+r.IntN(3)]
		for i := range picks {
			picks[i] += 35
		}
		plan = append(plan, plannedMerge{"contacts", picks[0], picks[1:]})
	}
	r.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })

	ids := map[string][]string{"contacts": contacts, "companies": companies}
	singular := map[string]string{"contacts": "contact", "companies": "company"}
	results := make([]error, len(plan))
	survivors := make([]records.Record, len(plan))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, m := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := duplicate.MergeRequest{Into: ids[m.object][m.into]}
			for _, j := range m.from {
				req.From = append(req.From, ids[m.object][j])
			}
			<-start
			survivors[i], results[i] = f.svc.Merge(ctx, m.object, req)
		}()
	}
	close(start)
	wg.Wait()

	// mergedInto says where each merged record went, from the merges
	// that succeeded; each record can go once at most.
	mergedInto := map[string]string{}
	succeeded := 0
	for i, m := range plan {
		into := ids[m.object][m.into]
		switch err := results[i]; {
		case err == nil:
			succeeded++
			if survivors[i]["id"] != into || survivors[i]["deleted_at"] != nil {
				t.Errorf("merge into %s %s answered %v", m.object, into, survivors[i])
			}
			into = singular[m.object] + ":" + into
			for _, j := range m.from {
				from := singular[m.object] + ":" + ids[m.object][j]
				if prev, ok := mergedInto[from]; ok {
					t.Errorf("%s %s was merged twice, into %s and %s", m.object, from, prev, into)
				}
				mergedInto[from] = into
			}
		case fault.Is(err, fault.ECONFLICT):
		default:
			t.Errorf("merge into %s %s: %v; want success or a conflict", m.object, into, err)
		}
	}
	if succeeded == 0 {
		t.Fatal("no merge succeeded")
	}
	final := func(id string) string {
		for range len(mergedInto) + 1 {
			next, ok := mergedInto[id]
			if !ok {
				return id
			}
			id = next
		}
		t.Fatalf("the merges form a loop through %s", id)
		return ""
	}

	// Exactly the merged records are in the trash.
	for object, list := range ids {
		for _, id := range list {
			_, merged := mergedInto[singular[object]+":"+id]
			rec := f.get(ctx, object, id)
			if (rec["deleted_at"] != nil) != merged {
				t.Errorf("%s %s: deleted_at %v, merged %v", object, id, rec["deleted_at"], merged)
			}
		}
	}
	q := db.Reader()
	bg := context.Background()
	// Every activity is about the record its own was merged into at last.
	rows, err := q.QueryContext(bg, `SELECT id, CASE WHEN record_type LIKE 'compan%' THEN 'company:' ELSE 'contact:' END || record_id
		FROM activities WHERE workspace_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	got := idPairs(t, rows)
	for act, rec := range about {
		if want := final(rec); !slices.Contains(got, [2]string{act, want}) {
			t.Errorf("activity %s about %s should be about %s", act, rec, want)
		}
	}
	// Every deal names the final records of its own.
	rows, err = q.QueryContext(bg, `SELECT deal_id, 'contact:' || contact_id FROM deal_contacts WHERE workspace_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	got = idPairs(t, rows)
	var want [][2]string
	for d, c := range dealContact {
		want = append(want, [2]string{d, final(c)})
	}
	sameSet(t, "deal contacts", got, want)
	rows, err = q.QueryContext(bg, `SELECT id, 'company:' || company_id FROM deals WHERE workspace_id = 1 AND company_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	got, want = idPairs(t, rows), nil
	for d, k := range dealCompany {
		want = append(want, [2]string{d, final(k)})
	}
	sameSet(t, "deal companies", got, want)
	rows, err = q.QueryContext(bg, `SELECT 'contact:' || contact_id, 'company:' || company_id FROM contact_companies WHERE workspace_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	got, want = idPairs(t, rows), nil
	seen := map[[2]string]bool{}
	for l := range contactCompany {
		p := [2]string{final(l[0]), final(l[1])}
		if !seen[p] {
			seen[p] = true
			want = append(want, p)
		}
	}
	sameSet(t, "contact companies", got, want)
	// One merge event per merge that succeeded, none for the others.
	var events int
	if err := q.QueryRowContext(bg, `SELECT count(*) FROM outbox WHERE action = 'merge'`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != succeeded {
		t.Errorf("%d merge events for %d merges that succeeded", events, succeeded)
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// idPairs reads rows of two ids as text.
func idPairs(t *testing.T, rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}) [][2]string {
	t.Helper()
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b any
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{text(a), text(b)})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func sameSet(t *testing.T, what string, got, want [][2]string) {
	t.Helper()
	less := func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	}
	slices.SortFunc(got, less)
	slices.SortFunc(want, less)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestConcurrentDuplicates creates pairs of duplicates at the same time:
// each pair must be found and grouped, although neither write saw the
// other's record when it began.
func TestConcurrentDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		const pairs = 8
		var wg sync.WaitGroup
		errs := make(chan error, 2*pairs)
		for i := range pairs {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in, _ := records.DecodeInput([]byte(fmt.Sprintf(`{"first_name": "Ann", "last_name": "Lee%c", "emails": ["ann%d@x.example"]}`, 'a'+i, i)))
					_, err := f.engine.Create(ctx, "contact", in)
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if g := f.pages(ctx, 50); len(g) != pairs {
			t.Errorf("%d groups, want %d: %v", len(g), pairs, g)
		}
	})
}
