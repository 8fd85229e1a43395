package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// client talks to the API with one token.
type client struct {
	base, token string
	http        *http.Client
}

// measurement is one timed request.
type measurement struct {
	Status int     `json:"status"` // 0 when no answer came
	MS     float64 `json:"ms"`
	Error  string  `json:"error,omitempty"` // the problem of a refusal, or why no answer came
}

// failed reports whether the request got no answer, or a 5xx.
func (m measurement) failed() bool { return m.Status == 0 || m.Status >= 500 }

// do sends one GET and measures it until the whole answer is read.
func (c *client) do(path string) measurement {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return measurement{Error: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return measurement{MS: ms(time.Since(t0)), Error: transportError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, err = io.Copy(io.Discard, resp.Body)
		m := measurement{Status: resp.StatusCode, MS: ms(time.Since(t0))}
		if err != nil {
			m.Status, m.Error = 0, transportError(err)
		}
		return m
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return measurement{Status: resp.StatusCode, MS: ms(time.Since(t0)), Error: problemText(body)}
}

// transportError names a failure without an answer briefly: a timeout is
// the common one and is called so.
func transportError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// problemText is the part of an RFC 9457 answer that says what was
// refused: the first field error (field: message), else the detail, else
// the title.
func problemText(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return strings.TrimSpace(string(body))
	}
	switch {
	case len(p.Errors) > 0:
		return p.Errors[0].Field + ": " + p.Errors[0].Message
	case p.Detail != "":
		return p.Detail
	}
	return p.Title
}

// get reads a JSON answer into v, unmeasured: it prepares the cases. An
// answer other than 200 is an error that carries the status and problem.
func (c *client) get(path string, v any) error {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		if transportError(err) == "timeout" {
			return errTimeout
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{status: resp.StatusCode, text: problemText(body)}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return d.Decode(v)
}

// errTimeout says a preparing request had no answer within the client's
// timeout.
var errTimeout = errors.New("timeout")

// statusError is an answer other than 200 to a preparing request.
type statusError struct {
	status int
	text   string
}

func (e *statusError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.text) }
