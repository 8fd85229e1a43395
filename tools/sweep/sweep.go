package main

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sweeper runs the whole sweep as one token.
type sweeper struct {
	c    *client
	o    options
	name string
	out  *output
}

// objectResult is what the sweep found and measured on one object.
type objectResult struct {
	Object  string   `json:"object"`
	Sampled int      `json:"sampled"`
	IDs     [2]int64 `json:"ids"` // the least and greatest id the token sees
	Cases   int      `json:"cases"`
	Notes   []string `json:"notes,omitempty"`
	Results []result `json:"results"`
	Skipped string   `json:"skipped,omitempty"`
}

// run sweeps every object, printing a table per object as it is done and
// a summary at the end.
func (s *sweeper) run() error {
	sw := &sweepResult{Name: s.name}
	s.out.Sweeps = append(s.out.Sweeps, sw)
	fmt.Printf("\n## As %s\n", s.name)
	for _, object := range s.objects() {
		o := s.object(object)
		sw.Objects = append(sw.Objects, o)
		printObject(o, s.o.target)
		if err := s.out.write(); err != nil {
			return err
		}
	}
	printSummary(sw, s.o.target)
	return nil
}

// object prepares and measures the cases of one object.
func (s *sweeper) object(object string) *objectResult {
	o := &objectResult{Object: object}
	fields, err := s.fields(object)
	if err != nil {
		o.Skipped = "its fields could not be read: " + err.Error()
		return o
	}
	sample, ids, err := s.sampleRecords(object, s.o.sample)
	if err != nil {
		o.Notes = append(o.Notes, "sampling stopped early: "+err.Error())
	}
	o.Sampled, o.IDs = len(sample), ids
	if len(sample) == 0 {
		o.Notes = append(o.Notes, "no record is visible, so only sorts and empty are measured")
	}
	var cases []testCase
	for _, f := range fields {
		fc, notes := s.fieldCases(object, f, sample)
		cases = append(cases, fc...)
		o.Notes = append(o.Notes, notes...)
	}
	o.Cases = len(cases)
	cases = spread(cases, s.o.maxCases)
	fmt.Fprintf(os.Stderr, "sweep: as %s: %s: sample of %d, %d cases\n", s.name, object, o.Sampled, len(cases))
	start := time.Now()
	for i, tc := range cases {
		o.Results = append(o.Results, s.measure(tc))
		if (i+1)%100 == 0 {
			fmt.Fprintf(os.Stderr, "sweep: as %s: %s: %d of %d cases in %s\n", s.name, object, i+1, len(cases),
				time.Since(start).Round(time.Second))
		}
	}
	return o
}

// fieldCases are the sorts and filters of one field, and notes on what
// could not be measured or was not declared.
func (s *sweeper) fieldCases(object string, f field, sample []record) (cases []testCase, notes []string) {
	t := s.tally(object, f, sample)
	sorts := *f.Sortable || s.accepted(listPath(object, url.Values{"sort": {f.Name}, "limit": {pageSize}}))
	if sorts {
		sc, why := s.sortCases(object, f, t)
		if !*f.Sortable {
			markUndeclared(sc)
			notes = append(notes, fmt.Sprintf("%s sorts, %s", f.Name, f.unlisted()))
		}
		cases = append(cases, sc...)
		notes = append(notes, why...)
	}
	fc, missing := s.filterCases(object, f, t)
	cases = append(cases, fc...)
	if extra := undeclaredOps(fc); len(extra) > 0 {
		notes = append(notes, fmt.Sprintf("%s takes %s, %s", f.Name, strings.Join(extra, ", "), f.unlisted()))
	}
	switch {
	case !sorts && len(fc) == 0 && len(missing) == 0:
		notes = append(notes, fmt.Sprintf("%s (%s) neither sorts nor filters", f.Name, f.Type))
	case len(missing) == 0 || len(sample) == 0:
		// Nothing missing, or said once for the object.
	case len(t.counts) == 0:
		notes = append(notes, fmt.Sprintf("no visible record holds a value for %s: %s not measured", f.Name, strings.Join(missing, ", ")))
	default:
		notes = append(notes, fmt.Sprintf("%s: no values to pick for %s", f.Name, strings.Join(missing, ", ")))
	}
	return cases, notes
}

// undeclaredOps lists the operators of undeclared cases.
func undeclaredOps(cases []testCase) []string {
	var ops []string
	for _, c := range cases {
		if c.Undeclared && !slices.Contains(ops, c.Op) {
			ops = append(ops, c.Op)
		}
	}
	return ops
}

// tally counts a field's values in the sample. A field that has none
// there (a rarely filled one) is counted in up to a hundred records that
// do have a value, when it can be asked for them, so that its values are
// measured too.
func (s *sweeper) tally(object string, f field, sample []record) *tally {
	t := newTally(f, sample)
	if len(t.counts) > 0 || len(sample) == 0 || !slices.Contains(*f.Filters, opEmpty) {
		return t
	}
	var p page
	if s.c.get(listPath(object, url.Values{f.Name + "[empty]": {"false"}, "limit": {"100"}}), &p) != nil || len(p.Data) == 0 {
		return t
	}
	return newTally(f, p.Data)
}

// errSlow says a preparing request took longer than the give-up time.
var errSlow = errors.New("preparing it took longer than the give-up time")

// prepare reads a JSON answer, unmeasured, to prepare a case. A request
// that times out or takes longer than the give-up time answers errSlow:
// the case it would prepare is as slow, and already shown by another.
func (s *sweeper) prepare(path string, v any) error {
	t0 := time.Now()
	err := s.c.get(path, v)
	if errors.Is(err, errTimeout) || (err == nil && s.o.giveUp > 0 && time.Since(t0) > s.o.giveUp) {
		return errSlow
	}
	return err
}

// result is the measurements of one case and what they amount to.
type result struct {
	testCase
	Runs    []measurement `json:"runs"`
	P50     float64       `json:"p50_ms"`
	P99     float64       `json:"p99_ms"`
	Max     float64       `json:"max_ms"`
	Status  string        `json:"status"`
	Outcome string        `json:"outcome"` // within, over, refused or failed
}

// The outcomes of a case.
const (
	within  = "within"  // answered 200 with p99 within the target
	over    = "over"    // answered 200 with p99 over the target
	refused = "refused" // answered 4xx, an acceptable answer
	failed  = "failed"  // a 5xx, a timeout or no answer
)

// measure sends a case's requests from the configured number of clients.
// A case whose first three requests each fail or take longer than the
// give-up time is not repeated further: its figures are already clear.
func (s *sweeper) measure(tc testCase) result {
	var (
		mu   sync.Mutex
		runs []measurement
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	// The first requests of a case read its pages from disk; a server
	// that has been running has its working set in memory.
	for range s.o.warm {
		if m := s.c.do(tc.Path); m.failed() {
			break
		}
	}
	next := make(chan struct{})
	for range s.o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if stop.Load() {
					continue
				}
				m := s.c.do(tc.Path)
				mu.Lock()
				runs = append(runs, m)
				if len(runs) == 3 && hopeless(runs, s.o.giveUp) {
					stop.Store(true)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < s.o.runs && !stop.Load(); i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	return summarize(tc, runs, s.o.runs, s.o.target)
}

// hopeless reports whether every request so far failed or took longer
// than giveUp (0 never gives up).
func hopeless(runs []measurement, giveUp time.Duration) bool {
	if giveUp <= 0 {
		return false
	}
	for _, m := range runs {
		if !m.failed() && m.MS <= ms(giveUp) {
			return false
		}
	}
	return true
}

// percentile returns the nearest-rank percentile p of sorted values: the
// least value that at least a share p of them do not exceed. Of 20
// values, p99 is the greatest; of 100, the second greatest.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(0, min(rank, len(sorted))-1)]
}

// summarize turns the measurements of a case into its figures, status and
// outcome.
func summarize(tc testCase, runs []measurement, planned int, target time.Duration) result {
	r := result{testCase: tc, Runs: runs}
	lat := make([]float64, len(runs))
	for i, m := range runs {
		lat[i] = m.MS
	}
	slices.Sort(lat)
	r.P50, r.P99, r.Max = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.Status, r.Outcome = status(runs)
	if r.Outcome == within && r.P99 > ms(target) {
		r.Outcome = over
	}
	if len(runs) < planned {
		r.Status += fmt.Sprintf(" (stopped after %d of %d)", len(runs), planned)
	}
	return r
}

// status says how a case was answered: "ok", "400: <what was refused>",
// "503", "timeout", or the count of each when the answers differ.
func status(runs []measurement) (string, string) {
	outcome := within
	counts := map[string]int{}
	var order []string
	for _, m := range runs {
		var s string
		switch {
		case m.Status == 200:
			s = "ok"
		case m.Status == 0:
			s = m.Error
			outcome = failed
		case m.Status >= 500:
			s = strconv.Itoa(m.Status)
			outcome = failed
		default:
			s = strconv.Itoa(m.Status) + ": " + m.Error
			if outcome != failed {
				outcome = refused
			}
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	if len(order) == 1 {
		return order[0], outcome
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%s ×%d", s, counts[s])
	}
	return strings.Join(parts, ", "), outcome
}
