// Command load measures the API of a running rapport server: latency
// percentiles of get-by-id, a filtered and sorted page, and create, plus
// the server's resident memory. It sends traffic only to the URL it is
// given, for a bounded number of requests.
//
//	go run ./tools/load -url http://127.0.0.1:8080 -token rpt_… -pid $(pgrep -f 'rapport serve')
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
	only := flag.String("only", "get,list,create", "scenarios to run, comma separated")
	flag.Parse()
	c := &client{base: strings.TrimRight(*base, "/"), token: *token, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}}
	maxID, err := c.maxID()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	fmt.Printf("server %s, contacts up to id %d, %d requests per scenario, %d clients\n\n", c.base, maxID, *n, *workers)
	fmt.Println("| scenario | requests | errors | p50 ms | p90 ms | p99 ms | max ms | req/s |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	scenarios := map[string]func(r *rand.Rand) (int, error){
		"get": func(r *rand.Rand) (int, error) {
			return c.do("GET", fmt.Sprintf("/api/v1/contacts/%d", 1+r.Int64N(maxID)), nil)
		},
		"list": func(r *rand.Rand) (int, error) {
			q := url.Values{"source": {pick(r, sources)}, "tier": {pick(r, tiers)}, "sort": {"last_name"}, "limit": {"50"},
				"last_name[gte]": {pick(r, prefixes)}}
			return c.do("GET", "/api/v1/contacts?"+q.Encode(), nil)
		},
		"create": func(r *rand.Rand) (int, error) {
			body, _ := json.Marshal(map[string]any{"first_name": pick(r, firsts), "last_name": pick(r, lasts),
				"source": pick(r, sources), "tier": pick(r, tiers),
				"emails": []any{fmt.Sprintf("load%d@example.com", r.Int64())}})
			return c.do("POST", "/api/v1/contacts", body)
		},
	}
	for _, name := range strings.Split(*only, ",") {
		fn := scenarios[name]
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

func (c *client) do(method, path string, body []byte) (int, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// maxID finds the newest contact's id, so that gets hit the whole table.
func (c *client) maxID() (int64, error) {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/contacts?sort=-id&limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || len(page.Data) == 0 {
		return 0, fmt.Errorf("no contacts to load (status %d)", resp.StatusCode)
	}
	var id int64
	_, err = fmt.Sscan(page.Data[0].ID, &id)
	return id, err
}

type result struct {
	latencies []time.Duration
	errors    int
	elapsed   time.Duration
}

// run sends n requests from workers clients and collects their latencies.
func run(n, workers int, fn func(*rand.Rand) (int, error)) result {
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
				t0 := time.Now()
				status, err := fn(r)
				d := time.Since(t0)
				mu.Lock()
				res.latencies = append(res.latencies, d)
				if err != nil || status >= 400 {
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
	fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %.0f |\n", name, len(r.latencies), r.errors,
		q(0.5), q(0.9), q(0.99), q(1), float64(len(r.latencies))/r.elapsed.Seconds())
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
