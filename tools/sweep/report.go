package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// output is everything measured, as -json writes it.
type output struct {
	path     string
	URL      string         `json:"url"`
	Runs     int            `json:"runs_per_case"`
	Clients  int            `json:"clients"`
	TargetMS float64        `json:"target_p99_ms"`
	Sweeps   []*sweepResult `json:"sweeps"`
}

// sweepResult is the sweep as one token.
type sweepResult struct {
	Name    string          `json:"name"`
	Objects []*objectResult `json:"objects"`
}

// write saves the measurements so far, so that an interrupted sweep keeps
// what it measured.
func (o *output) write() error {
	if o.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(o.path, b, 0o644)
}

// slowestFirst orders results by p99, the greatest first.
func slowestFirst(rs []result) []result {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b result) int {
		if c := cmp.Compare(b.P99, a.P99); c != 0 {
			return c
		}
		return cmp.Compare(a.Label, b.Label)
	})
	return rs
}

// printObject prints an object's table, slowest case first, and its notes.
func printObject(o *objectResult, target time.Duration) {
	fmt.Printf("\n### %s\n\n", o.Object)
	if o.Skipped != "" {
		fmt.Printf("Not swept: %s.\n", o.Skipped)
		return
	}
	if o.Sampled == 0 {
		fmt.Printf("Sample: none, no record is visible. Cases: %d", len(o.Results))
	} else {
		fmt.Printf("Sample: %d (ids %d–%d). Cases: %d", o.Sampled, o.IDs[0], o.IDs[1], len(o.Results))
	}
	if len(o.Results) < o.Cases {
		fmt.Printf(" of %d", o.Cases)
	}
	n := count(o.Results)
	fmt.Printf(": %d within %g ms, %d over, %d refused, %d failed.\n\n", n[within], ms(target), n[over], n[refused], n[failed])
	fmt.Println("| case | p50 ms | p99 ms | max ms | status |")
	fmt.Println("|---|---:|---:|---:|---|")
	for _, r := range slowestFirst(o.Results) {
		fmt.Printf("| %s | %.2f | %.2f | %.2f | %s |\n", cell(r.Label), r.P50, r.P99, r.Max, cell(r.Status))
	}
	for _, n := range o.Notes {
		fmt.Printf("\n- %s", n)
	}
	if len(o.Notes) > 0 {
		fmt.Println()
	}
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

func count(rs []result) map[string]int {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Outcome]++
	}
	return n
}

// printSummary prints the totals of a sweep and its ten slowest cases
// (refusals left out: a 400 is an answer, not a slow one).
func printSummary(sw *sweepResult, target time.Duration) {
	var all []result
	var skipped []string
	for _, o := range sw.Objects {
		if o.Skipped != "" {
			skipped = append(skipped, o.Object)
		}
		all = append(all, o.Results...)
	}
	n := count(all)
	fmt.Printf("\n### Summary as %s\n\n", sw.Name)
	fmt.Printf("| cases | p99 ≤ %g ms | over | refused (4xx) | failed (5xx, timeout) |\n|---:|---:|---:|---:|---:|\n", ms(target))
	fmt.Printf("| %d | %d | %d | %d | %d |\n", len(all), n[within], n[over], n[refused], n[failed])
	if len(skipped) > 0 {
		fmt.Printf("\nObjects not swept: %s.\n", strings.Join(skipped, ", "))
	}
	undeclared := 0
	for _, r := range all {
		if r.Undeclared {
			undeclared++
		}
	}
	if undeclared > 0 {
		fmt.Printf("\n%d of the cases use a sort or an operator that the server accepts but its fields answer does not name.\n", undeclared)
	}
	var answered []result
	for _, r := range all {
		if r.Outcome != refused {
			answered = append(answered, r)
		}
	}
	worst := slowestFirst(answered)
	worst = worst[:min(10, len(worst))]
	if len(worst) == 0 {
		return
	}
	fmt.Printf("\nThe ten slowest:\n\n| object | case | p50 ms | p99 ms | max ms | status |\n|---|---|---:|---:|---:|---|\n")
	for _, r := range worst {
		fmt.Printf("| %s | %s | %.2f | %.2f | %.2f | %s |\n", r.Object, cell(r.Label), r.P50, r.P99, r.Max, cell(r.Status))
	}
}
