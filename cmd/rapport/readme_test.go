package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The README is run as a newcomer would run it: its set-up command starts
// the server, and its API tour runs block after block in one bash
// session against that server, so an example that stops working fails
// the suite. How the README is read:
//
//   - every shell block (```sh, bash or shell) belongs to a section the
//     test knows: the set-up commands of "Set-up" and "Tests", or the
//     tour, which is every block under "The API in one minute" (its ###
//     parts included);
//   - each curl of the tour must answer 2xx, unless its line ends in a
//     comment that starts with a status ("# 409"), which it must answer
//     exactly;
//   - 127.0.0.1:8080 becomes the test server's address, and the demo's
//     size a small one; nothing else is changed.
const (
	setUpSection = "Set-up"
	testsSection = "Tests"
	tourSection  = "The API in one minute"
	readmeAddr   = "127.0.0.1:8080"
	readmeDemo   = 100 // contacts of the demo the test starts with
)

// The set-up commands the test knows, beside the one that serves.
const (
	buildCommand = "go build -o rapport ./cmd/rapport" // as TestMain builds the binary
	checkCommand = "bash scripts/test"                 // as .ci/run runs it
)

// assetCommands build the web app's scripts and styles before the binary
// embeds them; scripts/test runs them too, so CI checks what a newcomer
// runs.
var assetCommands = []string{"npm ci", "go run ./tools/assets"}

// readme is what the test runs of README.md.
type readme struct {
	serve string       // the set-up command that runs the server
	tour  []readmeCode // the blocks of the API tour, in order
}

// readmeCode is one ```sh block and the line of README.md it starts on.
type readmeCode struct {
	line int
	text string
}

// TestReadme starts Rapport with the README's set-up command, checks
// that its demo administrator's token sees the demo contacts, and runs
// the README's API tour against it, on each database.
func TestReadme(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "oathtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's API tour needs %s (apt-get install %s; scripts/test installs it)", tool, tool)
		}
	}
	doc := readReadme(t, "../../README.md")
	envs := map[string][]string{"sqlite": nil}
	if os.Getenv(storetest.EnvPostgres) != "" {
		envs["postgres"] = []string{"RAPPORT_DB=" + storetest.EmptyPostgresURL(t)}
	}
	for name, env := range envs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink(binary, filepath.Join(dir, "rapport")); err != nil {
				t.Fatal(err)
			}
			srv := serveAsReadme(t, dir, doc.serve, env)
			checkDemo(t, srv)
			runTour(t, dir, env, srv, doc.tour)
			checkHarness(t, dir, env, srv)
		})
	}
}

// readReadme reads the ```sh blocks of the README and sorts them into
// set-up commands and the tour, failing on a block or command the test
// does not know how to check.
func readReadme(t *testing.T, path string) readme {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc readme
	var section string
	var code *readmeCode
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case code != nil && line == "```":
			doc.add(t, section, *code)
			code = nil
		case code != nil:
			code.text += line + "\n"
		case line == "```sh" || line == "```bash" || line == "```shell":
			code = &readmeCode{line: n + 1}
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if code != nil {
		t.Fatalf("%s line %d: a code block that does not end", path, code.line-1)
	}
	if doc.serve == "" || len(doc.tour) == 0 {
		t.Fatalf("%s: no serve command in %q or no tour in %q", path, setUpSection, tourSection)
	}
	return doc
}

func (doc *readme) add(t *testing.T, section string, code readmeCode) {
	t.Helper()
	switch section {
	case tourSection:
		doc.tour = append(doc.tour, code)
		return
	case setUpSection, testsSection:
	default:
		t.Fatalf("README.md line %d: a shell block in %q, which no test runs: move it to the tour or teach readme_test.go to check it", code.line, section)
	}
	for i, line := range strings.Split(code.text, "\n") {
		// The set-up runs as one command, its steps joined by &&.
		for _, cmd := range strings.Split(line, " && ") {
			doc.setUp(t, code.line+i, strings.TrimSpace(cmd))
		}
	}
}

// setUp checks one command of the set-up, found on line n of README.md,
// and keeps the one that serves.
func (doc *readme) setUp(t *testing.T, n int, cmd string) {
	t.Helper()
	switch {
	case cmd == "" || strings.HasPrefix(cmd, "#") || cmd == buildCommand:
	case slices.Contains(assetCommands, cmd):
		script, err := os.ReadFile("../../scripts/test")
		if err != nil || !strings.Contains(string(script), "\n"+cmd) {
			t.Fatalf("README.md line %d: scripts/test does not run %q: %v", n, cmd, err)
		}
	case cmd == checkCommand:
		ci, err := os.ReadFile("../../.ci/run")
		if err != nil || !strings.Contains(string(ci), checkCommand) {
			t.Fatalf("README.md line %d: CI (.ci/run) does not run %q: %v", n, cmd, err)
		}
	case strings.HasPrefix(cmd, "./rapport serve ") && doc.serve == "":
		doc.serve = cmd
	default:
		t.Fatalf("README.md line %d: the test does not know the set-up command %q; teach readme_test.go to check it", n, cmd)
	}
}

// demoSize finds the demo's size in the serve command.
var demoSize = regexp.MustCompile(`--demo \d+`)

// serveAsReadme runs the README's serve command in dir, with a small
// demo, on a free port, and waits until the server is ready.
func serveAsReadme(t *testing.T, dir, command string, env []string) *server {
	t.Helper()
	if !demoSize.MatchString(command) {
		t.Fatalf("the README's serve command %q starts no demo", command)
	}
	command = demoSize.ReplaceAllString(command, "--demo "+strconv.Itoa(readmeDemo))
	addr := freeAddr(t)
	srv := &server{base: "http://" + addr, log: &syncBuffer{}}
	srv.cmd = exec.Command("bash", "-c", "set -euo pipefail\n"+command)
	srv.cmd.Dir = dir
	srv.cmd.Env = readmeEnv(append(env, "RAPPORT_ADDR="+addr))
	srv.cmd.Stdout, srv.cmd.Stderr = srv.log, srv.log
	srv.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the server and tee, stopped together
	if err := srv.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-exited:
			t.Fatalf("%s: exited before it was ready: %v\n%s", command, err, srv.log.String())
		default:
		}
		if resp, err := http.Get(srv.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not ready in time:\n%s", command, srv.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readmeEnv is the test's environment without Rapport's own variables,
// which would change what the README's commands do, plus env.
func readmeEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAPPORT_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// demoToken finds the demo administrator's token in the server's log.
var demoToken = regexp.MustCompile(`Bearer (rpt_[\w-]+)'`)

// checkDemo checks what the README's first command promises: the log,
// kept in rapport.log, shows a demo administrator's token, which sees
// the demo contacts.
func checkDemo(t *testing.T, srv *server) {
	t.Helper()
	var token string
	waitFor(t, func() (bool, string) { // tee passes the log on in its own time
		log := srv.log.String()
		if m := demoToken.FindStringSubmatch(log); m != nil {
			token = m[1]
		}
		return token != "", "no demo token in the log:\n" + log
	})
	status, page := srv.call(t, token, "GET", "/api/v1/contacts?count=true&limit=1", "")
	if status != http.StatusOK || fmt.Sprint(page["total"]) != strconv.Itoa(readmeDemo) {
		t.Fatalf("the demo token lists %v contacts (%d), want %d", page["total"], status, readmeDemo)
	}
}

// tourPrelude runs before the tour: bash stops at the first failure,
// saying where in README.md, and curl checks the status of every answer.
// README_EXPECT, set for one call, names the status it must answer;
// otherwise any 2xx will do. README_OFF maps the script's lines to the
// README's. Every call is written to $README_CALLS as want:got.
const tourPrelude = `set -euo pipefail
README_OFF=0
trap 'echo "README.md line $((LINENO + README_OFF)) failed: $BASH_COMMAND" >&2' ERR
curl() {
	local head status code=0 want=${README_EXPECT:-2xx} at=$((BASH_LINENO[0] + README_OFF))
	head=$(mktemp)
	command curl -q --max-time 60 --dump-header "$head" "$@" || code=$?
	status=$(awk '/^HTTP\//{s=$2} END{print s}' "$head")
	rm -f "$head"
	echo "$want:$status" >>"$README_CALLS"
	if [ "$code" != 0 ]; then
		echo "README.md line $at: curl failed (exit $code): curl $*" >&2
		return "$code"
	fi
	case $want in
	2xx) [[ $status == 2?? ]] ;;
	*) [[ $status == "$want" ]] ;;
	esac || { echo; echo "README.md line $at: curl answered $status, want $want: curl $*" >&2; return 1; }
}
`

// expected finds a curl line whose trailing comment starts with a status.
var expected = regexp.MustCompile(`\s#\s*([1-5]\d\d)\b[^'"]*$`)

// tourScript is the tour as the test runs it against addr: the prelude,
// then the blocks with the README's address replaced and each expected
// error announced to curl. It returns how many errors are expected.
func tourScript(t *testing.T, addr string, blocks []readmeCode) (string, int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(tourPrelude)
	errs := 0
	for _, block := range blocks {
		// The next line of the script is the block's first line.
		fmt.Fprintf(&b, "README_OFF=$((%d - LINENO - 1))\n", block.line)
		for i, line := range strings.Split(strings.TrimSuffix(block.text, "\n"), "\n") {
			line = strings.ReplaceAll(line, readmeAddr, addr)
			if m := expected.FindStringSubmatch(line); m != nil {
				if !strings.HasPrefix(line, "curl ") {
					t.Fatalf("README.md line %d: an expected status marks a line that is not one curl command: %s", block.line+i, line)
				}
				line = "README_EXPECT=" + m[1] + " " + line
				errs++
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String(), errs
}

// runScript runs script with bash in dir and returns its output and the
// calls curl made.
func runScript(dir string, env []string, script string) (string, []string, error) {
	calls := filepath.Join(dir, "curl-calls")
	os.Remove(calls)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = readmeEnv(append(env, "README_CALLS="+calls))
	out, err := cmd.CombinedOutput()
	raw, _ := os.ReadFile(calls)
	return string(out), strings.Fields(string(raw)), err
}

// runTour runs the tour and checks that every expected error came.
func runTour(t *testing.T, dir string, env []string, srv *server, blocks []readmeCode) {
	t.Helper()
	script, errs := tourScript(t, strings.TrimPrefix(srv.base, "http://"), blocks)
	out, calls, err := runScript(dir, env, script)
	if err != nil {
		t.Fatalf("the README's API tour failed: %v\n%s\n--- the server's log ends:\n%s", err, tail(out, 6000), tail(srv.log.String(), 4000))
	}
	t.Logf("the tour's output (what a newcomer sees):\n%s", out)
	got := 0
	for _, c := range calls {
		if !strings.HasPrefix(c, "2xx:") {
			got++
		}
	}
	if len(calls) == 0 || got != errs {
		t.Fatalf("the tour made %d calls, %d of them expected errors; the README marks %d:\n%s", len(calls), got, errs, calls)
	}
}

// checkHarness makes sure that the tour's checks can fail: an error that
// the README does not announce, and an announced one that does not come,
// both stop the script.
func checkHarness(t *testing.T, dir string, env []string, srv *server) {
	t.Helper()
	addr := strings.TrimPrefix(srv.base, "http://")
	for _, c := range []struct {
		code string
		ok   bool
	}{
		{"curl -sS http://" + readmeAddr + "/healthz", true},
		{"curl -sS http://" + readmeAddr + "/api/v1/contacts   # 401", true},
		{"curl -sS http://" + readmeAddr + "/api/v1/contacts", false},
		{"curl -sS http://" + readmeAddr + "/healthz   # 404", false},
		{"X=$(curl -sS http://" + readmeAddr + "/api/v1/contacts | cat)\necho reached", false},
	} {
		script, _ := tourScript(t, addr, []readmeCode{{line: 1, text: c.code}})
		out, _, err := runScript(dir, env, script)
		var exit *exec.ExitError
		if c.ok != (err == nil) || (err != nil && !errors.As(err, &exit)) || strings.Contains(out, "reached") {
			t.Errorf("the tour's check of %q: %v\n%s", c.code, err, out)
		}
	}
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
