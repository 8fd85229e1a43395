package duplicate_test

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/records"
)

// dataDir holds the reference data sets, beside the project root.
var dataDir = filepath.Join("..", "..", "..", "shared", "data", "dedupe")

// readCSV returns the rows of a CSV file as maps by header.
func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("the reference data set %s is absent; see shared/data/README.md", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

// chicagoPhone reads the data set's phones, which are mostly 7-digit local
// numbers: they are taken as Chicago's (area code 312) and put in E.164.
func chicagoPhone(raw string) []string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, raw)
	if d == "" || strings.Trim(d, "0") == "" {
		return nil
	}
	if len(d) == 7 {
		d = "312" + d
	}
	e164, _ := records.NormalizePhone(d, "US")
	return []string{e164}
}

// TestPrecisionAndRecall measures the matcher on 3,337 records of Chicago
// early-childhood sites merged from ten sources (dedupeio's example data),
// against their true cluster ids: pairwise precision and recall must both
// reach 0.9.
func TestPrecisionAndRecall(t *testing.T) {
	input := readCSV(t, "csv_example_messy_input.csv")
	truth := map[string]string{}
	for _, r := range readCSV(t, "csv_example_input_with_true_ids.csv") {
		truth[r["Id"]] = r["True Id"]
	}
	cands := make([]duplicate.Candidate, len(input))
	for i, r := range input {
		cands[i] = duplicate.Candidate{ID: r["Id"], Name: r["Site name"], Address: r["Address"],
			Phones: chicagoPhone(r["Phone"])}
		if e := strings.TrimSpace(r["Email Address"]); e != "" {
			cands[i].Emails = []string{e}
		}
	}
	groups := duplicate.Matcher{}.Groups(cands)
	found := pairs(t, groups, truth)
	trueClusters := map[string]int{}
	for _, c := range cands {
		trueClusters[truth[c.ID]]++
	}
	truePairs := 0
	for _, n := range trueClusters {
		truePairs += n * (n - 1) / 2
	}
	precision := float64(found.right) / float64(found.all)
	recall := float64(found.right) / float64(truePairs)
	t.Logf("%d records, %d groups; pairs found %d, right %d, true %d; precision %.3f, recall %.3f",
		len(cands), len(groups), found.all, found.right, truePairs, precision, recall)
	if precision < 0.9 || recall < 0.9 {
		t.Errorf("precision %.3f and recall %.3f must both be at least 0.9", precision, recall)
	}
}

type pairCount struct{ all, right int }

// pairs counts the pairs within the groups, and those whose records share
// a true id.
func pairs(t *testing.T, groups []duplicate.Group, truth map[string]string) pairCount {
	var c pairCount
	for _, g := range groups {
		for i, a := range g.IDs {
			for _, b := range g.IDs[i+1:] {
				if truth[a] == "" || truth[b] == "" {
					t.Fatalf("record %s or %s has no true id", a, b)
				}
				c.all++
				if truth[a] == truth[b] {
					c.right++
				}
			}
		}
	}
	return c
}
