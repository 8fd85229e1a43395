// Command phonebench measures the way from a ringing call to the screen
// pop on a running rapport server: it connects a phone integration that
// maps an extension to the token's user, opens that user's notification
// stream as the web app does, and then, for random contacts' numbers,
// posts a "ringing" event and waits for its notification on the stream
// (event → stream) and for the caller lookup the pop shows (event → pop).
// The calls are ended as missed afterwards, untimed. It prints a Markdown
// table for docs/BENCHMARKS.md.
//
//	go run ./tools/phonebench -url http://127.0.0.1:8080 -token rpt_… -n 1000
package main

import (
	"bufio"
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
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server address")
	token := flag.String("token", "", "an administrator's API token")
	n := flag.Int("n", 1000, "calls")
	flag.Parse()
	if err := run(strings.TrimRight(*base, "/"), *token, *n); err != nil {
		fmt.Fprintln(os.Stderr, "phonebench:", err)
		os.Exit(1)
	}
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path, bearer string, body any, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func run(base, token string, n int) error {
	c := &client{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	var me struct {
		ID string `json:"id"`
	}
	if err := c.do("GET", "/api/v1/me", token, nil, &me); err != nil {
		return err
	}
	var integ struct {
		Token string `json:"token"`
	}
	if err := c.do("POST", "/api/v1/phone-integrations", token, map[string]any{"name": "phonebench",
		"extensions": map[string]string{"101": me.ID}}, &integ); err != nil {
		return err
	}
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.do("GET", "/api/v1/contacts?sort=-id&limit=1", token, nil, &page); err != nil || len(page.Data) == 0 {
		return fmt.Errorf("no contacts: %v", err)
	}
	var maxID int64
	fmt.Sscan(page.Data[0].ID, &maxID)

	// The user's open page: the notification stream.
	req, _ := http.NewRequest("GET", base+"/api/v1/notifications/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("stream: %d", resp.StatusCode)
	}
	arrived := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var m struct {
					Kind     string `json:"kind"`
					RecordID string `json:"record_id"`
				}
				if json.Unmarshal([]byte(data), &m) == nil && m.Kind == "call_ringing" {
					arrived <- m.RecordID
				}
			}
		}
		close(arrived)
	}()

	r := rand.New(rand.NewPCG(1, 2))
	var toStream, toPop []time.Duration
	run := time.Now().UnixNano()
	for i := 0; i < n; i++ {
		// A random contact with a number.
		var rec struct {
			Phones []struct {
				Value string `json:"value"`
			} `json:"phones"`
		}
		if err := c.do("GET", fmt.Sprintf("/api/v1/contacts/%d", 1+r.Int64N(maxID)), token, nil, &rec); err != nil || len(rec.Phones) == 0 {
			i--
			continue
		}
		number := rec.Phones[0].Value
		id := fmt.Sprintf("bench-%d-%d", run, i)
		start := time.Now()
		if err := c.do("POST", "/api/v1/calls/events", integ.Token, map[string]any{"event": "ringing", "call_id": id,
			"caller": number, "extension": "101"}, nil); err != nil {
			return err
		}
		for got := range arrived {
			if got == number {
				break
			}
		}
		toStream = append(toStream, time.Since(start))
		// The pop: the caller screen looks the number up as the user.
		if err := c.do("GET", "/api/v1/lookup/phone?number="+url.QueryEscape(number), token, nil, nil); err != nil {
			return err
		}
		toPop = append(toPop, time.Since(start))
		if err := c.do("POST", "/api/v1/calls/events", integ.Token, map[string]any{"event": "missed", "call_id": id}, nil); err != nil {
			return err
		}
	}
	fmt.Printf("%d calls, contacts up to id %d\n\n", n, maxID)
	fmt.Println("| measure | calls | p50 ms | p95 ms | p99 ms | max ms |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	row("ringing event → notification on the stream", toStream)
	row("ringing event → notification and caller lookup (the pop)", toPop)
	return nil
}

func row(name string, d []time.Duration) {
	slices.Sort(d)
	q := func(p float64) string {
		i := int(p * float64(len(d)-1))
		return fmt.Sprintf("%.2f", float64(d[i].Microseconds())/1000)
	}
	fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", name, len(d), q(0.50), q(0.95), q(0.99), q(1))
}
