// Command load measures the API of a running rapport server: latency
// percentiles of get-by-id, a filtered and sorted page, and create; of the
// phone lookup, global search, a pipeline board, a contact's timeline and
// moving a deal to its next stage (on demo data); plus the server's
// resident memory. It sends traffic only to the URL it is given, for a
// bounded number of requests.
//
//	go run ./tools/load -url http://127.0.0.1:8080 -token rpt_… -pid $(pgrep -f 'rapport serve')
//	go run ./tools/load -url … -token … -only lookup,search,board,timeline,move
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server address")
	token := flag.String("token", "", "API token")
	n := flag.Int("n", 5000, "requests per scenario")
	workers := flag.Int("c", 2, "concurrent clients")
	pid := flag.Int("pid", 0, "server process id, to report its resident memory")
	only := flag.String("only", "get,list,create", "scenarios to run, comma separated: get, list, create, lookup, search, board, timeline, move")
	region := flag.String("region", "DE", "the server's phone region: lookup types numbers of this country in national format too")
	flag.Parse()
	c := &client{base: strings.TrimRight(*base, "/"), token: *token, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}}
	maxID, err := c.maxID("contacts")
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	fmt.Printf("server %s, contacts up to id %d, %d requests per scenario, %d clients\n\n", c.base, maxID, *n, *workers)
	fmt.Println("| scenario | requests | errors | p50 ms | p90 ms | p95 ms | p99 ms | max ms | req/s |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	simple := map[string]func(r *rand.Rand) sample{
		"get": func(r *rand.Rand) sample {
			return c.do("GET", fmt.Sprintf("/api/v1/contacts/%d", 1+r.Int64N(maxID)), nil)
		},
		"list": func(r *rand.Rand) sample {
			q := url.Values{"source": {pick(r, sources)}, "tier": {pick(r, tiers)}, "sort": {"last_name"}, "limit": {"50"},
				"last_name[gte]": {pick(r, prefixes)}}
			return c.do("GET", "/api/v1/contacts?"+q.Encode(), nil)
		},
		"create": func(r *rand.Rand) sample {
			body, _ := json.Marshal(map[string]any{"first_name": pick(r, firsts), "last_name": pick(r, lasts),
				"source": pick(r, sources), "tier": pick(r, tiers),
				"emails": []any{fmt.Sprintf("load%d@example.com", r.Int64())}})
			return c.do("POST", "/api/v1/contacts", body)
		},
	}
	demo := &demoData{c: c, maxContact: maxID, region: *region}
	prepared := map[string]func() (func(*rand.Rand) sample, error){
		"lookup": demo.lookup, "search": demo.search, "board": demo.board, "timeline": demo.timeline, "move": demo.move,
	}
	for _, name := range strings.Split(*only, ",") {
		fn := simple[name]
		if prepare := prepared[name]; prepare != nil {
			var err error
			if fn, err = prepare(); err != nil {
				fmt.Printf("| %s | skipped: %v |\n", name, err)
				continue
			}
		}
		if fn == nil {
			fmt.Fprintln(os.Stderr, "load: unknown scenario", name)
			os.Exit(2)
		}
		report(name, run(*n, *workers, fn))
	}
	if *pid > 0 {
		fmt.Printf("\nserver memory: %s\n", memory(*pid))
	}
}

var (
	sources  = []string{"web_form", "email", "phone_call", "referral", "event", "advertising"}
	tiers    = []string{"bronze", "silver", "gold", "platinum"}
	prefixes = []string{"A", "B", "C", "D", "G", "K", "L", "M", "N", "P", "R", "S", "T", "W", "Ç", "Ш", "К", "П"}
	firsts   = []string{"Ana", "Jörg", "Søren", "Łucja", "Иван", "Олена", "Nguyễn", "Chloé"}
	lasts    = []string{"Silva", "Müller", "Kowalski", "Петров", "Шевченко", "Dubois", "Öztürk", "Novák"}
)

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

type client struct {
	base, token string
	http        *http.Client
}

// sample is one measured request.
type sample struct {
	status int
	took   time.Duration
	err    error
}

// do sends one request and measures it, reading the whole answer.
func (c *client) do(method, path string, body []byte) sample {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return sample{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return sample{took: time.Since(t0), err: err}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return sample{status: resp.StatusCode, took: time.Since(t0)}
}

// get reads a JSON answer into v, unmeasured: it prepares a scenario. A
// status other than 200 is returned with a nil error.
func (c *client) get(path string, v any) (int, error) {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
}

// maxID finds the newest record's id among plural (contacts, deals), so
// that random ids hit the whole table.
func (c *client) maxID(plural string) (int64, error) {
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	status, err := c.get("/api/v1/"+plural+"?sort=-id&limit=1", &page)
	if err != nil {
		return 0, err
	}
	if len(page.Data) == 0 {
		return 0, fmt.Errorf("no %s to load (status %d)", plural, status)
	}
	return strconv.ParseInt(page.Data[0].ID, 10, 64)
}

type result struct {
	latencies []time.Duration
	errors    int
	elapsed   time.Duration
}

// run sends n requests from workers clients and collects their latencies.
func run(n, workers int, fn func(*rand.Rand) sample) result {
	var mu sync.Mutex
	var res result
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 42))
			for range jobs {
				s := fn(r)
				mu.Lock()
				res.latencies = append(res.latencies, s.took)
				if s.err != nil || s.status >= 400 {
					res.errors++
				}
				mu.Unlock()
			}
		}(uint64(w))
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func report(name string, r result) {
	slices.Sort(r.latencies)
	q := func(p float64) string {
		if len(r.latencies) == 0 {
			return "-"
		}
		i := int(p * float64(len(r.latencies)-1))
		return fmt.Sprintf("%.2f", float64(r.latencies[i].Microseconds())/1000)
	}
	fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %s | %.0f |\n", name, len(r.latencies), r.errors,
		q(0.5), q(0.9), q(0.95), q(0.99), q(1), float64(len(r.latencies))/r.elapsed.Seconds())
}

// memory reads the current and peak resident set size of a process.
func memory(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err.Error()
	}
	var rss, hwm string
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm = strings.TrimSpace(v)
		}
	}
	return "resident " + rss + ", peak " + hwm
}
