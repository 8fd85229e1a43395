package duplicate_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rapport-crm/rapport/internal/duplicate"
)

func TestNameTokens(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acme, Inc.", "acme"},
		{"ACME LLC", "acme"},
		{"Müller GmbH & Co. KG", "muller"},
		{"The Smith & Jones Company", "jones smith"},
		{"Zoë O'Brien", "obrien zoe"},
		{"  Ørsted   Zoë ", "orsted zoe"},
		{"Precious Little One's Learning Center, Inc.", "center learning little ones precious"},
		{"", ""},
	} {
		if got := strings.Join(duplicate.NameTokens(c.in), " "); got != c.want {
			t.Errorf("NameTokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCompare(t *testing.T) {
	acme := []string{"Acme"}
	for _, c := range []struct {
		name    string
		a, b    duplicate.Candidate
		reasons []string
	}{
		{"same e-mail in another case", duplicate.Candidate{Name: "Ann", Emails: []string{"Ann@Example.com"}},
			duplicate.Candidate{Name: "Bob", Emails: []string{"ann@example.com "}}, []string{"email"}},
		{"same phone written another way", duplicate.Candidate{Phones: []string{"+1 312 555 0100"}},
			duplicate.Candidate{Phones: []string{"+13125550100"}}, []string{"phone"}},
		{"different phones", duplicate.Candidate{Phones: []string{"+13125550100"}},
			duplicate.Candidate{Phones: []string{"+13125550101"}}, nil},
		{"a shared main line at two street numbers", duplicate.Candidate{Phones: []string{"+13125550100"}, Address: "10 Main St"},
			duplicate.Candidate{Phones: []string{"+13125550100"}, Address: "12 Main St"}, nil},
		{"a shared line at one street number", duplicate.Candidate{Phones: []string{"+13125550100"}, Address: "10 Main Street"},
			duplicate.Candidate{Phones: []string{"+13125550100"}, Address: "10 N. Main St"}, []string{"phone"}},
		{"misspelt name at the same company", duplicate.Candidate{Name: "Jonathan Smith", Companies: acme},
			duplicate.Candidate{Name: "Smith, Jonathon", Companies: []string{"ACME Inc."}}, []string{"name"}},
		{"same name at different companies", duplicate.Candidate{Name: "John Smith", Companies: acme},
			duplicate.Candidate{Name: "John Smith", Companies: []string{"Globex"}}, nil},
		{"same name and no company", duplicate.Candidate{Name: "John Smith"}, duplicate.Candidate{Name: "John Smith"}, nil},
		{"another person at the same company", duplicate.Candidate{Name: "John Smith", Companies: acme},
			duplicate.Candidate{Name: "Jane Smith", Companies: acme}, nil},
		{"company names at the same address", duplicate.Candidate{Name: "Salvation Army - Temple", Address: "1 N Ogden Ave"},
			duplicate.Candidate{Name: "Salvation Army Temple Corps", Address: "1 North Ogden Avenue"}, []string{"name"}},
		{"everything", duplicate.Candidate{Name: "Zoë Ørsted", Emails: []string{"z@x.example"}, Phones: []string{"+14155552671"}, Companies: acme},
			duplicate.Candidate{Name: "Zoe Orsted", Emails: []string{"Z@X.example"}, Phones: []string{"+14155552671"}, Companies: acme},
			[]string{"email", "phone", "name"}},
	} {
		m := duplicate.Matcher{}.Compare(c.a, c.b)
		if !slices.Equal(m.Reasons, c.reasons) || m.Likely() != (len(c.reasons) > 0) {
			t.Errorf("%s: reasons %v, want %v", c.name, m.Reasons, c.reasons)
		}
		if m.Likely() && (m.Score <= 0 || m.Score > 1) || !m.Likely() && m.Score != 0 {
			t.Errorf("%s: score %v", c.name, m.Score)
		}
		if back := (duplicate.Matcher{}).Compare(c.b, c.a); !slices.Equal(back.Reasons, m.Reasons) || back.Score != m.Score {
			t.Errorf("%s: not symmetric: %+v and %+v", c.name, m, back)
		}
	}
	one := duplicate.Matcher{}.Compare(duplicate.Candidate{Phones: []string{"+13125550100"}}, duplicate.Candidate{Phones: []string{"+13125550100"}})
	two := duplicate.Matcher{}.Compare(duplicate.Candidate{Phones: []string{"+13125550100"}, Emails: []string{"a@b.example"}},
		duplicate.Candidate{Phones: []string{"+13125550100"}, Emails: []string{"a@b.example"}})
	if two.Score <= one.Score {
		t.Errorf("more evidence scores %v, less %v", two.Score, one.Score)
	}
}

func TestGroupsAreConnectedComponents(t *testing.T) {
	cands := []duplicate.Candidate{
		{ID: "1", Name: "Ann Lee", Emails: []string{"ann@x.example"}},
		{ID: "2", Name: "Ann Lee", Emails: []string{"ann@x.example"}, Phones: []string{"+13125550100"}},
		{ID: "3", Name: "A. Lee", Phones: []string{"+13125550100"}},
		{ID: "4", Name: "Bob Stone", Emails: []string{"bob@x.example"}},
		{ID: "5", Name: "Carl Dunn", Companies: []string{"Initech"}},
		{ID: "6", Name: "Karl Dunn", Companies: []string{"Initech LLC"}},
	}
	got := duplicate.Matcher{}.Groups(cands)
	want := []duplicate.Group{
		{IDs: []string{"1", "2", "3"}, Reasons: []string{"email", "phone"}},
		{IDs: []string{"5", "6"}, Reasons: []string{"name"}},
	}
	if len(got) != len(want) {
		t.Fatalf("groups %+v, want %+v", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i].IDs, want[i].IDs) || !slices.Equal(got[i].Reasons, want[i].Reasons) {
			t.Errorf("group %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCommonKeysAreIgnored(t *testing.T) {
	// Sixty records share one switchboard number and nothing else: no
	// block that large is compared.
	var cands []duplicate.Candidate
	for i := range 60 {
		cands = append(cands, duplicate.Candidate{ID: string(rune('A' + i)), Phones: []string{"+13125550100"}})
	}
	if got := (duplicate.Matcher{MaxBlock: 50}).Groups(cands); len(got) != 0 {
		t.Errorf("groups %+v from a common key", got)
	}
	if got := (duplicate.Matcher{MaxBlock: 100}).Groups(cands); len(got) != 1 || len(got[0].IDs) != 60 {
		t.Errorf("with a larger block: %d groups", len(got))
	}
}

func TestKeys(t *testing.T) {
	keys := duplicate.Keys(duplicate.Candidate{Name: "Zoë Ørsted", Emails: []string{"Z@X.example"}, Phones: []string{"+1 415 555 2671"},
		Companies: []string{"7"}, Address: "1 Main Street"})
	want := []string{"e:z@x.example", "o:7|orst", "o:7|zoe", "o:@1 main|orst", "o:@1 main|zoe", "p:14155552671"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	long := duplicate.Keys(duplicate.Candidate{Emails: []string{strings.Repeat("é", 300) + "@x.example"}})
	for _, k := range long {
		if len(k) > 200 || !strings.HasPrefix(k, "e:é") {
			t.Errorf("key of %d bytes: %q", len(k), k)
		}
	}
}

// TestNameTokensConcurrently folds names from several goroutines at once,
// as concurrent requests do; under the race detector a shared transformer
// fails here (and without it, corrupts names at random).
func TestNameTokensConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if got := duplicate.NameTokens("Zoë Ærøskøbing-Müller"); !slices.Equal(got, []string{"aeroskobing", "muller", "zoe"}) {
					t.Errorf("NameTokens = %v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
