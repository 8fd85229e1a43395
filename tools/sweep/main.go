// Command sweep measures every list request a user can reach on a running
// rapport server: for every object (the standard ones and the workspace's
// lists) and every field its /api/v1/fields answer names (custom fields
// and the parts of addresses and money included), every sort in both
// directions on the first page and on a page deep inside, and every filter
// operator the field accepts with a common and a rare value taken from the
// data, alone and combined with one common sort. It prints a Markdown
// table per object, slowest case first, and a summary against the target
// p99. It sends traffic only to the URL it is given, a bounded number of
// requests per case.
//
//	go run ./tools/sweep -url http://127.0.0.1:8080 -token rpt_… -token2 rpt_… -json sweep.json
//	go run ./tools/sweep -url … -token … -only contacts,deals -n 5 -max-cases 40
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// options are the flags that shape a sweep.
type options struct {
	runs      int           // requests per case
	warm      int           // requests per case sent first and not counted
	clients   int           // concurrent clients per case
	sample    int           // records sampled per object to pick values
	maxCases  int           // cases per object at most; 0 means all
	target    time.Duration // the p99 a case must stay within
	giveUp    time.Duration // a case whose first runs all take longer stops early
	withSort  string        // the common sort combined with every filter
	deepPages int           // pages of 500 followed when no median cursor can be made
	only      []string      // objects to sweep; empty means all
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server address")
	token := flag.String("token", "", "API token of the first sweep")
	name := flag.String("name", "token", "what the first token stands for, in headings")
	token2 := flag.String("token2", "", "API token of a second sweep (e.g. a salesperson limited to their own records)")
	name2 := flag.String("name2", "token2", "what the second token stands for, in headings")
	var o options
	flag.IntVar(&o.runs, "n", 20, "requests per case")
	flag.IntVar(&o.warm, "warm", 1, "requests per case sent before the measured ones and not counted, so that a case is measured with its pages in the cache, as a server that has been running has them")
	flag.IntVar(&o.clients, "c", 1, "concurrent clients per case")
	flag.IntVar(&o.sample, "sample", 1000, "records sampled per object to pick common and rare values")
	flag.IntVar(&o.maxCases, "max-cases", 0, "at most this many cases per object, spread over its fields; 0 means all")
	flag.DurationVar(&o.target, "target", 50*time.Millisecond, "the p99 each case must stay within")
	flag.DurationVar(&o.giveUp, "give-up", 2*time.Second, "stop repeating a case whose first 3 requests each take longer or fail")
	flag.StringVar(&o.withSort, "with-sort", "-updated_at", "the common sort every filter is also measured with")
	flag.IntVar(&o.deepPages, "deep-pages", 4, "pages of 500 to follow to a deep page when no cursor from the middle can be made")
	timeout := flag.Duration("timeout", 10*time.Second, "client timeout of one request; a timeout is recorded as a failure")
	only := flag.String("only", "", "objects to sweep, comma separated (e.g. contacts,deals); empty means every object")
	jsonPath := flag.String("json", "", "file to write every measurement to, as JSON")
	flag.Parse()
	if *token == "" || o.runs < 1 || o.clients < 1 {
		fmt.Fprintln(os.Stderr, "sweep: -token is required, and -n and -c must be at least 1")
		os.Exit(2)
	}
	if *only != "" {
		o.only = strings.Split(*only, ",")
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * o.clients}
	newClient := func(tok string) *client {
		return &client{base: strings.TrimRight(*base, "/"), token: tok,
			http: &http.Client{Timeout: *timeout, Transport: transport}}
	}
	out := &output{path: *jsonPath, URL: *base, Runs: o.runs, Clients: o.clients, TargetMS: ms(o.target)}
	fmt.Printf("# Sweep of %s: %d requests per case, %d client(s), target p99 ≤ %g ms\n", *base, o.runs, o.clients, ms(o.target))
	sweeps := []struct{ name, token string }{{*name, *token}}
	if *token2 != "" {
		sweeps = append(sweeps, struct{ name, token string }{*name2, *token2})
	}
	failed := false
	for _, s := range sweeps {
		sw := &sweeper{c: newClient(s.token), o: o, name: s.name, out: out}
		if err := sw.run(); err != nil {
			fmt.Fprintf(os.Stderr, "sweep: %s: %v\n", s.name, err)
			failed = true
		}
	}
	if err := out.write(); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
