package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/store"
)

// Schedule is the wait before each retry of a failed delivery, before
// jitter: about three days in all, then the delivery is given up as
// failed. MaxAttempts is the first try and one per wait.
var Schedule = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour}

// MaxAttempts is how often a delivery is tried before it fails for good.
var MaxAttempts = len(Schedule) + 1

// Bounds of one attempt.
const (
	// KeepBody is how much of a response's body the log keeps; the rest is
	// never read, so a huge answer costs nothing.
	KeepBody = 64 << 10
	// maxRetryAfter caps a receiver's Retry-After.
	maxRetryAfter = 24 * time.Hour
	// maxRedirects bounds the redirects followed; each new address passes
	// the same guard as the first.
	maxRedirects = 3
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	Timeout     time.Duration // of one attempt, connection to last byte kept; default 10s
	Concurrency int           // attempts under way at once; default 32
	Batch       int           // deliveries claimed at a time; default 256
}

// Worker sends pending deliveries. Several may run on one database (one
// per server): a delivery is leased to one while it is under way, and a
// lease left by a process that died expires, so a delivery is sent at
// least once; receivers drop repeats by webhook-id.
type Worker struct {
	s       *Service
	o       WorkerOptions
	mu      sync.Mutex
	clients map[string]*http.Client // by allowance: a pooled connection never serves another endpoint's rules
}

// NewWorker returns a worker of s's deliveries.
func (s *Service) NewWorker(o WorkerOptions) *Worker {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	return &Worker{s: s, o: o, clients: map[string]*http.Client{}}
}

// client returns the HTTP client of an allowance. Its dialer's Control
// checks each address as the socket connects, after DNS, and it ignores
// proxy settings, which would make the check see only the proxy.
func (w *Worker) client(allow []string) *http.Client {
	k := strings.Join(allow, ",")
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.clients[k]; c != nil {
		return c
	}
	a, _ := ParseAllowance(allow)
	dialer := &net.Dialer{Timeout: w.o.Timeout, Control: a.control}
	t := &http.Transport{
		Proxy: nil, DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: w.o.Timeout, ResponseHeaderTimeout: w.o.Timeout,
		MaxIdleConns: 256, MaxIdleConnsPerHost: w.o.Concurrency, IdleConnTimeout: time.Minute,
	}
	c := &http.Client{Transport: t, Timeout: w.o.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("a redirect to %s is not followed", req.URL.Scheme)
		}
		return nil
	}}
	w.clients[k] = c
	return c
}

// job is one claimed delivery and what sending it needs.
type job struct {
	id, ws, endpoint int64
	object, recordID string
	msgID            string
	body             []byte
	attempts         int
	url              string
	allow            []string
	secrets          []string
	res              result
}

// result is the outcome of one attempt.
type result struct {
	status     int
	body       string
	latency    time.Duration
	err        error
	retryAfter time.Duration
	released   bool // not tried: the worker is stopping
}

// Run sends what is due until nothing is or ctx ends, and returns how
// many deliveries it settled.
func (w *Worker) Run(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := w.Step(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

// Step claims one batch of deliveries that are due and the first pending
// of their record for their endpoint, sends them side by side, and
// records the outcomes.
func (w *Worker) Step(ctx context.Context) (int, error) {
	jobs, err := w.claim(ctx)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	// An attempt starts within Timeout of the claim and ends within
	// Timeout of its start, so the lease (leaseFor) outlasts the batch
	// however slow its endpoints; one not started by then is released
	// untried, for the next batch.
	start := time.Now()
	sem := make(chan struct{}, w.o.Concurrency)
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func(j *job) {
			defer func() { <-sem; wg.Done() }()
			if time.Since(start) > w.o.Timeout {
				j.res = result{released: true}
				return
			}
			j.res = w.send(ctx, j)
		}(&jobs[i])
	}
	wg.Wait()
	// The outcomes are written even when ctx has ended, so that a
	// stopping worker leaves nothing leased that it could release.
	return len(jobs), w.settle(context.WithoutCancel(ctx), jobs)
}

// leaseFor is how long a claimed batch is leased: an attempt starts
// within Timeout of the claim and lasts at most Timeout (see Step), and
// the rest is slack for writing the outcomes. A worker that dies leaves
// its batch to be sent again once this has passed.
func (w *Worker) leaseFor() time.Duration { return 2*w.o.Timeout + 10*time.Second }

// claim leases a batch of due deliveries. Each is the first open one of
// its record's chain to its endpoint, the only one not queued.
func (w *Worker) claim(ctx context.Context) ([]job, error) {
	d, now := w.s.db.Dialect, w.s.o.Now()
	var jobs []job
	err := w.s.db.Tx(ctx, func(q store.Querier) error {
		jobs = jobs[:0]
		rows, err := q.QueryContext(ctx, `SELECT d.id, d.workspace_id, d.endpoint_id, d.object, d.record_id, d.message_id,
			d.payload, d.attempts, e.url, e.allow_private, e.secret, e.old_secret, e.old_until
			FROM webhook_deliveries d JOIN webhook_endpoints e ON e.workspace_id = d.workspace_id AND e.id = d.endpoint_id
			WHERE d.status = 'pending' AND d.next_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?) AND e.status = 'enabled'
			ORDER BY d.next_at, d.id LIMIT `+strconv.Itoa(w.o.Batch), d.Time(now), d.Time(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j job
			var body, allow string
			var e Endpoint
			var old *string
			var oldUntil any
			if err := rows.Scan(&j.id, &j.ws, &j.endpoint, &j.object, &j.recordID, &j.msgID, &body, &j.attempts, &j.url, &allow, &e.secret, &old, &oldUntil); err != nil {
				return err
			}
			j.body = []byte(body)
			if allow != "" {
				j.allow = strings.Split(allow, ",")
			}
			if old != nil {
				e.oldSecret = *old
			}
			if t, ok := store.ParseTime(oldUntil); ok {
				e.OldUntil = &t
			}
			j.secrets = e.secrets(now)
			jobs = append(jobs, j)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		// A lease taken meanwhile by another worker leaves the row out.
		ids := make([]int64, len(jobs))
		for i, j := range jobs {
			ids[i] = j.id
		}
		leased, err := q.QueryContext(ctx, `UPDATE webhook_deliveries SET lease_until = ? WHERE `+d.IDsIn("id")+`
			AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?) RETURNING id`,
			d.Time(now.Add(w.leaseFor())), d.IDs(ids), d.Time(now))
		if err != nil {
			return err
		}
		defer leased.Close()
		got := map[int64]bool{}
		for leased.Next() {
			var id int64
			if err := leased.Scan(&id); err != nil {
				return err
			}
			got[id] = true
		}
		if err := leased.Err(); err != nil {
			return err
		}
		kept := jobs[:0]
		for _, j := range jobs {
			if got[j.id] {
				kept = append(kept, j)
			}
		}
		jobs = kept
		return nil
	})
	return jobs, err
}

// send makes one attempt.
func (w *Worker) send(ctx context.Context, j *job) result {
	if ctx.Err() != nil {
		return result{released: true}
	}
	at := w.s.o.Now()
	sig, err := Sign(j.secrets, j.msgID, at, j.body)
	if err != nil {
		return result{err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rapport-Webhooks/1")
	req.Header.Set("webhook-id", j.msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := w.client(j.allow).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return result{released: true}
		}
		return result{err: err, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	// Only KeepBody is read; closing the rest unread drops the connection
	// rather than wait for a body without end.
	b, err := io.ReadAll(io.LimitReader(resp.Body, KeepBody))
	r := result{status: resp.StatusCode, body: text(b), latency: time.Since(start), retryAfter: retryAfter(resp.Header.Get("Retry-After"), at)}
	if err != nil && resp.StatusCode/100 != 2 {
		r.err = err
	}
	return r
}

// text makes a response body storable: valid UTF-8 without NUL bytes.
func text(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// retryAfter reads a Retry-After header, seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// Backoff is the wait after the attempt-th failed attempt (1 for the
// first), jittered by ±20% so that the retries of many deliveries that
// failed together do not arrive together.
func Backoff(attempt int) time.Duration {
	base := Schedule[min(max(attempt, 1), len(Schedule))-1]
	return time.Duration(float64(base) * (0.8 + 0.4*rand.Float64()))
}

// settle records the outcomes of jobs. The deliveries that succeeded,
// nearly all of them in the usual case, are written by one statement, as
// is the promotion of the next delivery of each chain that moved on.
func (w *Worker) settle(ctx context.Context, jobs []job) error {
	d, now := w.s.db.Dialect, w.s.o.Now()
	log := w.s.o.Logger
	return w.s.db.Tx(ctx, func(q store.Querier) error {
		if err := lockChains(ctx, q, d); err != nil {
			return err
		}
		var done, moved []outcome
		for _, j := range jobs {
			r := j.res
			if r.released {
				if _, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET lease_until = NULL WHERE workspace_id = ? AND id = ?`, j.ws, j.id); err != nil {
					return err
				}
				continue
			}
			o := outcome{ID: j.id, WS: j.ws, Endpoint: j.endpoint, Object: j.object, Record: j.recordID, Code: r.status,
				Latency: r.latency.Milliseconds(), Body: r.body}
			if r.err == nil && r.status/100 == 2 {
				done, moved = append(done, o), append(moved, o)
				continue
			}
			attempts := j.attempts + 1
			status, next, errText := "pending", now, ""
			switch {
			case r.err == nil && r.status == http.StatusGone:
				status, errText = "failed", "the endpoint answered 410 Gone and was disabled"
				log.Warn("webhook endpoint disabled: it answered 410 Gone", "workspace", j.ws, "endpoint", j.endpoint)
				if _, err := q.ExecContext(ctx, `UPDATE webhook_endpoints SET status = 'disabled', disabled_why = ?,
					version = version + 1, updated_at = ? WHERE workspace_id = ? AND id = ?`,
					"answered 410 Gone", d.Time(now), j.ws, j.endpoint); err != nil {
					return err
				}
			default:
				if r.err != nil {
					errText = describe(r.err)
				} else {
					errText = "the endpoint answered " + strconv.Itoa(r.status)
				}
				if attempts >= MaxAttempts {
					status = "failed"
					log.Warn("webhook delivery failed for good", "workspace", j.ws, "endpoint", j.endpoint, "webhook_id", j.msgID,
						"attempts", attempts, "err", errText)
					break
				}
				wait := Backoff(attempts)
				if r.retryAfter > 0 {
					wait = r.retryAfter
				}
				next = now.Add(wait)
			}
			var code, latency any
			if r.status != 0 {
				code = r.status
			}
			if r.latency > 0 || r.status != 0 {
				latency = r.latency.Milliseconds()
			}
			_, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_at = ?, lease_until = NULL,
				last_at = ?, response_status = ?, response_body = ?, latency_ms = ?, error = ?
				WHERE workspace_id = ? AND id = ?`, status, attempts, d.Time(next), d.Time(now), code, r.body, latency,
				nullText(errText), j.ws, j.id)
			if err != nil {
				return err
			}
			if status != "pending" {
				moved = append(moved, o)
			}
		}
		if len(done) > 0 {
			from, arg := outcomes(d, done)
			_, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
				lease_until = NULL, last_at = ?, delivered_at = ?, response_status = v.code, response_body = v.body,
				latency_ms = v.latency, error = NULL
				FROM `+from+` WHERE webhook_deliveries.workspace_id = v.ws AND webhook_deliveries.id = v.id`,
				d.Time(now), d.Time(now), arg)
			if err != nil {
				return err
			}
		}
		if len(moved) > 0 {
			// The status IN term, as the index writes it, lets SQLite use
			// webhook_deliveries_chain.
			from, arg := outcomes(d, moved)
			_, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'queued' AND id IN (
				SELECT (SELECT min(n.id) FROM webhook_deliveries n WHERE n.workspace_id = v.ws AND n.record_id = v.record
					AND n.object = v.object AND n.endpoint_id = v.endpoint AND n.status IN ('queued', 'pending') AND n.status = 'queued')
				FROM `+from+`)`, arg)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// outcome is one settled delivery, as outcomes passes it to SQL.
type outcome struct {
	ID       int64  `json:"id"`
	WS       int64  `json:"ws"`
	Endpoint int64  `json:"endpoint"`
	Object   string `json:"object"`
	Record   string `json:"record"`
	Code     int    `json:"code"`
	Latency  int64  `json:"latency"`
	Body     string `json:"body"`
}

// outcomes is a table v of os for a FROM clause, and its one argument: a
// JSON array, so that a batch is one statement on either database.
func outcomes(d store.Dialect, os []outcome) (string, any) {
	b, _ := json.Marshal(os)
	if d == store.Postgres {
		return `jsonb_to_recordset(?::jsonb) AS v(id bigint, ws bigint, endpoint bigint, object text, record text,
			code bigint, latency bigint, body text)`, string(b)
	}
	col := func(name string) string { return "json_extract(value, '$." + name + "') AS " + name }
	return `(SELECT ` + strings.Join([]string{col("id"), col("ws"), col("endpoint"), col("object"), col("record"), col("code"),
		col("latency"), col("body")}, ", ") + ` FROM json_each(?)) AS v`, string(b)
}

// describe words a failed attempt for the log: the guard's refusal, a
// timeout, or the transport's own message.
func describe(err error) string {
	var refused *RefusedError
	var ne net.Error
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer in time: " + err.Error()
	}
	return err.Error()
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
