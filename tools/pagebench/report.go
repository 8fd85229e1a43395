package main

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// printPages prints one table of every page, each cell giving the users'
// figures in turn ("administrator / salesperson"), then the pages that
// were skipped and the notes.
func printPages(users []*user, target time.Duration) {
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	fmt.Printf("Server time (Server-Timing app;dur) and wall time seen by the client, ms; %s.\n\n", strings.Join(names, " / "))
	fmt.Println("| page | path | p50 ms | p99 ms | queries | wall p99 ms | KB |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|")
	var skipped, notes []string
	for i, p := range users[0].Results {
		rs := column(users, i)
		if why := allSkipped(rs); why != "" {
			skipped = append(skipped, fmt.Sprintf("%s (`%s`): %s", p.Name, p.Path, why))
			continue
		}
		path := "`" + shortPath(p.Path) + "`"
		if p.HTMX {
			path += " (htmx)"
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", cell(p.Name), cell(path),
			join(rs, func(r result) string { return f1(r.ServerP50) }),
			join(rs, func(r result) string { return f1(r.ServerP99) }),
			join(rs, func(r result) string { return strconv.Itoa(r.Queries) }),
			join(rs, func(r result) string { return f1(r.WallP99) }),
			join(rs, func(r result) string { return f1(float64(r.Bytes) / 1024) }))
		if p.Note != "" {
			notes = append(notes, p.Name+": "+p.Note)
		}
		for _, r := range rs {
			if r.Failures != "" {
				notes = append(notes, fmt.Sprintf("%s: answers other than 200: %s", p.Name, r.Failures))
			}
		}
	}
	printList("Skipped", skipped)
	printList("Notes", notes)
	printOver(users, target)
}

// column is the result of page i for each user; a user whose page
// table is shorter (it failed part-way) gives a skipped result.
func column(users []*user, i int) []result {
	var rs []result
	for _, u := range users {
		if i < len(u.Results) {
			rs = append(rs, u.Results[i])
		} else {
			rs = append(rs, result{Skipped: "not measured"})
		}
	}
	return rs
}

// allSkipped is why every user's result was skipped, or "" if one was
// measured.
func allSkipped(rs []result) string {
	var whys []string
	for _, r := range rs {
		if r.Skipped == "" {
			return ""
		}
		if !slices.Contains(whys, r.Skipped) {
			whys = append(whys, r.Skipped)
		}
	}
	return strings.Join(whys, "; ")
}

func join(rs []result, f func(result) string) string {
	var parts []string
	for _, r := range rs {
		if r.Skipped != "" {
			parts = append(parts, "–")
		} else {
			parts = append(parts, f(r))
		}
	}
	return strings.Join(parts, " / ")
}

func printList(title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Printf("\n%s:\n\n", title)
	for _, s := range items {
		fmt.Printf("- %s\n", s)
	}
}

// printOver lists every measured page whose server p99 is over target.
func printOver(users []*user, target time.Duration) {
	var over []string
	for _, u := range users {
		for _, r := range u.Results {
			if r.Skipped == "" && r.ServerP99 > ms(target) {
				over = append(over, fmt.Sprintf("%s, %s: p99 %.1f ms", u.Name, r.Name, r.ServerP99))
			}
		}
	}
	if len(over) == 0 {
		fmt.Printf("\nEvery measured page within %g ms p99.\n", ms(target))
		return
	}
	printList(fmt.Sprintf("Over %g ms p99", ms(target)), over)
}

// printSweep prints, per user, a summary of the sweep and its ten
// slowest cases, then every case.
func printSweep(users []*user, target time.Duration) {
	fmt.Printf("| user | cases | p99 ≤ %g ms | over | failed | median p50 ms | median p99 ms | slowest p99 ms | most queries |\n", ms(target))
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, u := range users {
		var p50s, p99s []float64
		within, over, failed, most := 0, 0, 0, 0
		for _, r := range u.Results {
			switch {
			case r.Skipped != "":
				continue
			case r.Failures != "":
				failed++
			case r.ServerP99 <= ms(target):
				within++
			default:
				over++
			}
			p50s = append(p50s, r.ServerP50)
			p99s = append(p99s, r.ServerP99)
			most = max(most, r.Queries)
		}
		slices.Sort(p50s)
		slices.Sort(p99s)
		fmt.Printf("| %s | %d | %d | %d | %d | %s | %s | %s | %d |\n", u.Name, len(p99s), within, over, failed,
			f1(percentile(p50s, 0.5)), f1(percentile(p99s, 0.5)), f1(percentile(p99s, 1)), most)
	}
	for _, u := range users {
		rs := slices.Clone(u.Results)
		slices.SortStableFunc(rs, func(a, b result) int { return cmp.Compare(b.ServerP99, a.ServerP99) })
		fmt.Printf("\nAs %s, slowest first:\n\n| case | p50 ms | p99 ms | queries | status |\n|---|---:|---:|---:|---|\n", u.Name)
		for _, r := range rs {
			status := "200"
			switch {
			case r.Skipped != "":
				status = "skipped: " + r.Skipped
			case r.Failures != "":
				status = r.Failures
			}
			fmt.Printf("| %s | %s | %s | %d | %s |\n", cell(r.Name), f1(r.ServerP50), f1(r.ServerP99), r.Queries, cell(status))
		}
	}
}

// cursorValue is the opaque cursor of a next page's address, too long
// for a table.
var cursorValue = regexp.MustCompile(`cursor=[^&]+`)

// shortPath is a path as the table shows it, its cursor elided.
func shortPath(path string) string { return cursorValue.ReplaceAllString(path, "cursor=…") }

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func itoa(n int) string { return strconv.Itoa(n) }
