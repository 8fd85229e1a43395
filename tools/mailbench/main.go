// Command mailbench measures the mailboxes' sync against a real Dovecot
// on loopback: it fills a mailbox's INBOX with letters (Maildir files, as
// a delivery agent writes them), half from known customers, times the
// first sync of all of them, then has the mailbox IDLE through the job
// queue and times how long each of a few new letters takes from its
// delivery to its filing on the customer. It prints Markdown rows for
// docs/BENCHMARKS.md. It needs /usr/sbin/dovecot (Debian's
// dovecot-imapd).
//
//	go run ./tools/mailbench                        # SQLite in a temporary directory
//	go run ./tools/mailbench --db 'postgres://…'    # PostgreSQL (an empty database)
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/mailbox/imaptest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

func main() {
	dsn := flag.String("db", "", "a postgres:// URL; empty means SQLite in a temporary directory")
	letters := flag.Int("letters", 10000, "letters in the mailbox before the first sync")
	customers := flag.Int("customers", 500, "known customers, who send half of the letters")
	idle := flag.Int("idle", 10, "new letters timed through IDLE after the first sync")
	flag.Parse()
	if err := run(*dsn, *letters, *customers, *idle); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

const user, password = "seller@example.com", "app-password"

func run(dsn string, n, customers, idle int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mailbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dove, err := imaptest.Start(dir, map[string]string{user: password})
	if err != nil {
		return err
	}
	defer dove.Close()
	db, err := store.Open(ctx, dsn, filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	engine := records.New(db, records.Options{Logger: log})
	duplicate.New(db, engine, duplicate.Options{Logger: log})
	var seller int64
	if err := db.Tx(ctx, func(q store.Querier) error {
		return q.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, name, password_hash, role, created_at)
			VALUES (1, ?, 'Seller', '!', 'administrator', ?) RETURNING id`, user, db.Dialect.Time(time.Now())).Scan(&seller)
	}); err != nil {
		return err
	}
	actor := access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: seller, Role: access.RoleAdministrator})
	for i := range customers {
		if _, err := engine.Create(actor, "contacts", map[string]any{"first_name": "Customer", "last_name": strconv.Itoa(i),
			"emails": []any{customer(i)}}); err != nil {
			return err
		}
	}
	t0 := time.Now()
	for i := range n {
		from := customer(i / 2 % customers)
		if i%2 == 1 {
			from = "someone" + strconv.Itoa(i) + "@elsewhere.example"
		}
		if err := dove.Deliver(user, "INBOX", letter(i, from)); err != nil {
			return err
		}
	}
	fill := time.Since(t0)
	sealer, _ := mailbox.NewSealer("the benchmark's secret key")
	svc := mailbox.New(db, engine, mailbox.Options{Logger: log, Sealer: sealer, PollEvery: time.Hour})
	m, err := svc.Connect(actor, mailbox.Input{Address: user, Host: dove.Host, Port: dove.Port, Security: "plain",
		Username: user, Password: password, Folders: []string{"INBOX"}})
	if err != nil {
		return err
	}
	t1 := time.Now()
	fetched, err := svc.SyncOnce(ctx, 1, m.ID)
	if err != nil {
		return err
	}
	took := time.Since(t1)
	kept := count(ctx, db, `SELECT count(*) FROM mail_messages`)
	fmt.Printf("filled %d letters in %v\n\n", n, fill.Round(time.Millisecond))
	fmt.Println("| database | letters | fetched | filed | first sync | letters/s |")
	fmt.Println("|---|---|---|---|---|---|")
	fmt.Printf("| %s | %d | %d | %d | %.1f s | %.0f |\n", db.Dialect.Name(), n, fetched, kept, took.Seconds(), float64(fetched)/took.Seconds())
	if idle == 0 {
		return nil
	}

	// IDLE: the sync job that Connect enqueued runs in the queue, finds
	// nothing new, and starts the IDLE connection; each new letter is
	// then timed from its delivery to its filing.
	q := jobs.New(db, jobs.Options{Logger: log, Poll: 50 * time.Millisecond})
	svc.Register(q)
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Stop(context.Background())
	defer svc.Stop()
	time.Sleep(2 * time.Second) // the job runs and the IDLE connection opens
	var waits []time.Duration
	for i := range idle {
		before := count(ctx, db, `SELECT count(*) FROM mail_messages`)
		start := time.Now()
		if err := dove.Deliver(user, "INBOX", letter(n+i, customer(i))); err != nil {
			return err
		}
		for count(ctx, db, `SELECT count(*) FROM mail_messages`) == before {
			if time.Since(start) > time.Minute {
				return fmt.Errorf("letter %d was not filed within a minute", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
		waits = append(waits, time.Since(start))
		time.Sleep(200 * time.Millisecond)
	}
	slices.Sort(waits)
	fmt.Println()
	fmt.Println("| database | new letters | median delivery → filed | max |")
	fmt.Println("|---|---|---|---|")
	fmt.Printf("| %s | %d | %.2f s | %.2f s |\n", db.Dialect.Name(), idle, waits[len(waits)/2].Seconds(), waits[len(waits)-1].Seconds())
	return nil
}

func customer(i int) string {
	return "customer" + strconv.Itoa(i) + "@acme" + strconv.Itoa(i%50) + ".example"
}

func count(ctx context.Context, db *store.DB, query string) int {
	var n int
	db.Reader().QueryRowContext(ctx, query).Scan(&n)
	return n
}

// letter is a multipart/alternative letter of about 3 KB, one in ten
// with a small attachment, one in five answering an earlier one.
func letter(i int, from string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Order %d\r\nDate: %s\r\nMessage-ID: <m%d@bench.example>\r\n", from, user, i,
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i)
	if i%5 == 4 {
		fmt.Fprintf(&b, "In-Reply-To: <m%d@bench.example>\r\nReferences: <m%d@bench.example>\r\n", i-2, i-2)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n" +
		"Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	body := strings.Repeat("Good morning, we would like to order the usual parts again. ", 20)
	b.WriteString(body + "\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + body + "</p>\r\n--a--\r\n")
	if i%10 == 0 {
		b.WriteString("--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"order.pdf\"\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n", 10))
	}
	b.WriteString("--m--\r\n")
	return []byte(b.String())
}
