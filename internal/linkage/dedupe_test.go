package linkage_test

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
)

// dataDir holds the reference data sets, beside the project root.
var dataDir = filepath.Join("..", "..", "..", "shared", "data", "dedupe")

// readCSV returns the rows of a CSV file as maps by header.
func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("the reference data set %s is absent (see ../shared/data/dedupe)", name)
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

// chicagoPhone puts the data set's phones, mostly 7-digit local numbers,
// in E.164 with Chicago's area code 312.
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
	if len(d) == 10 {
		d = "1" + d
	}
	return []string{"+" + d}
}

// TestDedupeExample measures the matcher on 3,337 records of Chicago
// early-childhood sites merged from ten sources (dedupe.io's example data,
// MIT licence), against their true cluster ids, with a model ESTIMATED
// from the records themselves (no labels): pairwise precision must reach
// 0.95 and recall 0.90 among the candidate pairs at or above the duplicate
// threshold. The pairs within the groups linkage.Cluster forms must reach
// the same (the connected components of the pairs are reported beside).
func TestDedupeExample(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement of some seconds of CPU; run without -short")
	}
	input := readCSV(t, "csv_example_messy_input.csv")
	truth := map[string]string{}
	for _, r := range readCSV(t, "csv_example_input_with_true_ids.csv") {
		truth[r["Id"]] = r["True Id"]
	}
	ps := make([]*linkage.Profile, len(input))
	cluster := make([]string, len(input))
	for i, r := range input {
		rec := linkage.Record{ID: r["Id"], Kind: linkage.KindCompany, Name: r["Site name"],
			AddressLines: []string{r["Address"]}, Postcode: r["Zip"], Phones: chicagoPhone(r["Phone"])}
		if e := strings.TrimSpace(r["Email Address"]); e != "" {
			rec.Emails = []string{e}
		}
		ps[i] = linkage.Prepare(rec)
		cluster[i] = truth[r["Id"]]
		if cluster[i] == "" {
			t.Fatalf("record %s has no true id", r["Id"])
		}
	}
	m, err := linkage.Estimate(ps, nil, linkage.EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logModel(t, m)
	dumpErrors(t, m, ps, cluster, func(i int) string {
		return input[i]["Site name"] + " | " + input[i]["Address"] + " | " + input[i]["Zip"] + " | " + input[i]["Phone"] + " | " + input[i]["Email Address"]
	})
	dumpPatterns(t, m, ps, cluster)
	pairs, n := decided(m, ps)
	direct, grouped := pairScore(cluster, pairs), groupScore(cluster, pairs)
	t.Logf("%d records, %d candidate pairs from blocks, holding %.3f of the true pairs", len(ps), n,
		pairScore(cluster, linkage.Pairs(ps, linkage.MaxBlock)).recall())
	t.Logf("probabilistic, pairs:  %v", direct)
	t.Logf("probabilistic, groups: %v", grouped)
	clustered := clusterScore(cluster, m, scoredEdges(m, ps))
	t.Logf("probabilistic, groups (linkage.Cluster): %v", clustered)
	t.Logf("probabilistic, pairs at review or above: %v", pairScore(cluster, flagged(m, ps)))
	if direct.precision() < 0.95 || direct.recall() < 0.90 {
		t.Errorf("precision %.3f must reach 0.95 and recall %.3f 0.90", direct.precision(), direct.recall())
	}
	if clustered.precision() < 0.95 || clustered.recall() < 0.90 {
		t.Errorf("groups: precision %.3f must reach 0.95 and recall %.3f 0.90", clustered.precision(), clustered.recall())
	}
}

func logModel(t *testing.T, m *linkage.Model) {
	t.Helper()
	t.Logf("prior %.2e", m.Prior)
	for _, c := range m.Comparisons {
		var b strings.Builder
		for _, l := range c.Levels {
			b.WriteString(" " + l.Name + " m=" + ftoa(l.M) + " u=" + ftoa(l.U))
		}
		t.Logf("%-12s%s", c.Field, b.String())
	}
}

func ftoa(f float64) string { return strings.TrimRight(strings.TrimRight(fmtG(f), "0"), ".") }
