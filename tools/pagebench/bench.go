package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// result is what was measured of one page as one user.
type result struct {
	Name    string        `json:"name"`
	Path    string        `json:"path"`
	HTMX    bool          `json:"htmx,omitempty"`
	Note    string        `json:"note,omitempty"`
	Skipped string        `json:"skipped,omitempty"` // why the page was not measured
	Runs    []measurement `json:"runs,omitempty"`
	figures
}

// figures sum up the runs of a page: nearest-rank percentiles of the
// server's time and of the time seen here, the most queries a run made,
// the median size, and the answers other than 200.
type figures struct {
	ServerP50 float64 `json:"server_p50_ms"`
	ServerP99 float64 `json:"server_p99_ms"`
	WallP50   float64 `json:"wall_p50_ms"`
	WallP99   float64 `json:"wall_p99_ms"`
	Queries   int     `json:"queries"`
	Bytes     int     `json:"bytes"`
	Failures  string  `json:"failures,omitempty"`
}

// measure asks for path warm times uncounted, then runs times. A page
// that answers 404 to its first request is not there yet and is skipped.
func measure(c *client, name, path string, htmx bool, warm, runs int) result {
	r := result{Name: name, Path: path, HTMX: htmx}
	for i := range warm {
		_, m := c.get(path, htmx)
		if i == 0 && m.Status == 404 {
			r.Skipped = "answers 404: not in this build, or not for this user"
			return r
		}
	}
	for range runs {
		_, m := c.get(path, htmx)
		r.Runs = append(r.Runs, m)
	}
	r.figures = summarize(r.Runs)
	return r
}

func summarize(runs []measurement) figures {
	var server, wall []float64
	var sizes []int
	var f figures
	fails := map[string]int{}
	for _, m := range runs {
		if m.Status != 200 {
			what := fmt.Sprint(m.Status)
			if m.Error != "" {
				what += " " + m.Error
			}
			fails[what]++
			continue
		}
		server = append(server, m.ServerMS)
		wall = append(wall, m.WallMS)
		sizes = append(sizes, m.Bytes)
		f.Queries = max(f.Queries, m.Queries)
	}
	slices.Sort(server)
	slices.Sort(wall)
	slices.Sort(sizes)
	f.ServerP50, f.ServerP99 = percentile(server, 0.5), percentile(server, 0.99)
	f.WallP50, f.WallP99 = percentile(wall, 0.5), percentile(wall, 0.99)
	if len(sizes) > 0 {
		f.Bytes = sizes[len(sizes)/2]
	}
	var parts []string
	for what, n := range fails {
		parts = append(parts, fmt.Sprintf("%d× %s", n, what))
	}
	slices.Sort(parts)
	f.Failures = strings.Join(parts, ", ")
	return f
}

// percentile is the nearest-rank percentile of sorted values: with 20
// runs p99 is the slowest.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(0, min(rank, len(sorted))-1)]
}

// benchPages measures every page of the table as one user.
func benchPages(c *client, values map[string]string, o options) []result {
	var out []result
	for _, p := range pages {
		if o.only != nil && !o.only.MatchString(p.Name) {
			continue
		}
		path, missing := fill(p.Path, values)
		var r result
		if missing != "" {
			r = result{Name: p.Name, Path: p.Path, HTMX: p.HTMX, Skipped: "nothing to fill {" + missing + "} with: the user sees none"}
		} else {
			r = measure(c, p.Name, path, p.HTMX, o.warm, o.runs)
		}
		r.Note = p.Note
		out = append(out, r)
		o.progress(r)
	}
	return out
}
