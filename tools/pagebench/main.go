// Command pagebench measures the pages of the web app on a running
// rapport server: it signs in through the sign-in form as one or two
// users, finds real records to ask for, and asks for every main page and
// fragment of its table (pages.go) a number of times, reading the
// server's own time and query count from each answer's Server-Timing
// header. It prints Markdown tables of p50 and p99 per page; -sweep
// measures instead every sortable column of every list, both ways, on the
// first page and the next. It sends traffic only to the address it is
// given, a bounded number of requests per page.
//
//	go run ./tools/pagebench -base http://127.0.0.1:8080 -email ada@example.com -password … -json pages.json
//	go run ./tools/pagebench -base … -email … -password … -email2 user10@… -password2 … -sweep
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"
)

// options shape a run.
type options struct {
	runs, warm int
	target     time.Duration
	verbose    bool
	only       *regexp.Regexp // pages whose names match; nil for all
}

// progress tells stderr what was just measured, so that a long run shows
// it is alive.
func (o options) progress(r result) {
	if !o.verbose {
		return
	}
	if r.Skipped != "" {
		fmt.Fprintf(os.Stderr, "pagebench: %s: skipped, %s\n", r.Name, r.Skipped)
		return
	}
	fmt.Fprintf(os.Stderr, "pagebench: %s: p50 %.1f ms, p99 %.1f ms, %d queries\n", r.Name, r.ServerP50, r.ServerP99, r.Queries)
}

// user is one account the pages are measured as.
type user struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	password string
	Results  []result `json:"results"`
}

// output is everything measured, as -json writes it.
type output struct {
	Base  string  `json:"base"`
	Mode  string  `json:"mode"`
	Runs  int     `json:"runs"`
	Warm  int     `json:"warm"`
	Date  string  `json:"date"`
	Users []*user `json:"users"`
}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "address of the running server")
	email := flag.String("email", "", "e-mail of the first user (e.g. an administrator)")
	password := flag.String("password", "", "password of the first user")
	name := flag.String("name", "administrator", "what the first user stands for, in headings")
	email2 := flag.String("email2", "", "e-mail of a second user (e.g. a salesperson who sees only their own records)")
	password2 := flag.String("password2", "", "password of the second user")
	name2 := flag.String("name2", "salesperson", "what the second user stands for, in headings")
	sweep := flag.Bool("sweep", false, "measure every sortable column of every list both ways, first and next page, instead of the page table")
	var o options
	flag.IntVar(&o.runs, "n", 20, "requests per page")
	flag.IntVar(&o.warm, "warm", 2, "requests per page sent first and not counted")
	flag.DurationVar(&o.target, "target", 50*time.Millisecond, "the server p99 each page should stay within")
	flag.BoolVar(&o.verbose, "v", true, "print each page's figures to stderr as it is measured")
	timeout := flag.Duration("timeout", 10*time.Second, "client timeout of one request")
	jsonPath := flag.String("json", "", "file to write every measurement to, as JSON")
	only := flag.String("pages", "", "measure only the pages whose names match this regular expression")
	flag.Parse()
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pagebench: -pages:", err)
			os.Exit(2)
		}
		o.only = re
	}
	if *email == "" || *password == "" || o.runs < 1 || o.warm < 1 {
		fmt.Fprintln(os.Stderr, "pagebench: -email and -password are required, -n and -warm at least 1")
		os.Exit(2)
	}
	users := []*user{{Name: *name, Email: *email, password: *password}}
	if *email2 != "" {
		users = append(users, &user{Name: *name2, Email: *email2, password: *password2})
	}
	out := &output{Base: *base, Mode: "pages", Runs: o.runs, Warm: o.warm, Date: time.Now().UTC().Format(time.DateOnly), Users: users}
	if *sweep {
		out.Mode = "sweep"
	}
	for _, u := range users {
		if err := run(u, *base, *timeout, *sweep, o); err != nil {
			fmt.Fprintf(os.Stderr, "pagebench: as %s: %v\n", u.Name, err)
			os.Exit(1)
		}
	}
	if *sweep {
		printSweep(users, o.target)
	} else {
		printPages(users, o.target)
	}
	if *jsonPath != "" {
		b, err := json.MarshalIndent(out, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonPath, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pagebench:", err)
			os.Exit(1)
		}
	}
}

// run signs in as u, measures, and signs out.
func run(u *user, base string, timeout time.Duration, sweep bool, o options) error {
	c := newClient(base, timeout)
	if err := c.signIn(u.Email, u.password); err != nil {
		return err
	}
	if sweep {
		u.Results = sweepLists(c, o)
	} else {
		u.Results = benchPages(c, discover(c), o)
	}
	return c.signOut()
}
