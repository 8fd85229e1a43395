package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sessionCookie is the web app's session cookie. It is marked Secure,
// which a cookie jar would not send over plain HTTP to 127.0.0.1, so the
// client keeps it itself.
const sessionCookie = "rapport_session"

// client is one signed-in user's browser, without the browser: it keeps
// the session cookie and the session's CSRF token.
type client struct {
	base    string
	http    *http.Client
	session string
	csrf    string
}

func newClient(base string, timeout time.Duration) *client {
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: timeout,
		// A redirect is an answer to measure (or a sign that the session
		// is gone), not something to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn posts the sign-in form, as the page does, and keeps the session
// cookie it answers with; then reads the session's CSRF token from My day.
func (c *client) signIn(email, password string) error {
	form := url.Values{"email": {email}, "password": {password}, "next": {"/"}}
	req, err := http.NewRequest("POST", c.base+"/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			c.session = ck.Value
		}
	}
	if resp.StatusCode != http.StatusSeeOther || c.session == "" {
		return fmt.Errorf("sign-in as %s answered %d without a session: check the e-mail and password", email, resp.StatusCode)
	}
	body, m := c.get("/", false)
	if m.Status != http.StatusOK {
		return fmt.Errorf("the home page (My day) after signing in answered %d", m.Status)
	}
	c.csrf = attr(body, `<meta name="csrf-token" content="`)
	if c.csrf == "" {
		return errors.New("the home page (My day) carries no CSRF token: is the session good?")
	}
	return nil
}

// signOut ends the session the benchmark made, with the CSRF token as the
// sign-out form sends it.
func (c *client) signOut() error {
	form := url.Values{"csrf_token": {c.csrf}}
	req, err := http.NewRequest("POST", c.base+"/signout", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-out answered %d", resp.StatusCode)
	}
	return nil
}

func (c *client) authorize(req *http.Request) {
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.session})
}

// measurement is one request: the server's own time and query count from
// its Server-Timing header, the time until the whole answer was read
// here, and the size of the answer's body.
type measurement struct {
	Status   int     `json:"status"` // 0 when no answer came
	ServerMS float64 `json:"server_ms"`
	Queries  int     `json:"queries"`
	WallMS   float64 `json:"wall_ms"`
	Bytes    int     `json:"bytes"`
	Error    string  `json:"error,omitempty"`
}

// get asks for path as a browser's navigation, or as htmx asks for a
// fragment, and returns the body and the measurement.
func (c *client) get(path string, htmx bool) (string, measurement) {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return "", measurement{Error: err.Error()}
	}
	c.authorize(req)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return "", measurement{WallMS: ms(time.Since(t0)), Error: transportError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	m := measurement{Status: resp.StatusCode, WallMS: ms(time.Since(t0)), Bytes: len(body)}
	if err != nil {
		m.Status, m.Error = 0, transportError(err)
		return "", m
	}
	m.ServerMS, m.Queries = serverTiming(resp.Header.Get("Server-Timing"))
	if loc := resp.Header.Get("Location"); loc != "" {
		m.Error = "redirected to " + loc
	}
	return string(body), m
}

// api reads a JSON answer of the API with the session cookie, as the
// web app's own scripts may: it finds the ids the pages are asked with.
func (c *client) api(path string, v any) error {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

var (
	appDur     = regexp.MustCompile(`(?:^|,)\s*app;dur=([0-9.]+)`)
	queryCount = regexp.MustCompile(`db;desc="(\d+) quer`)
)

// serverTiming reads `app;dur=<ms>, db;desc="<n> queries"`; -1 when the
// header does not say.
func serverTiming(h string) (float64, int) {
	dur, queries := -1.0, -1
	if m := appDur.FindStringSubmatch(h); m != nil {
		dur, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := queryCount.FindStringSubmatch(h); m != nil {
		queries, _ = strconv.Atoi(m[1])
	}
	return dur, queries
}

// attr is the value after prefix up to the closing quote, unescaped, or
// "" when body does not hold prefix.
func attr(body, prefix string) string {
	_, rest, ok := strings.Cut(body, prefix)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return html.UnescapeString(v)
}

// transportError names a failure without an answer briefly.
func transportError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
