// Package config reads Rapport's settings from command-line flags, then
// RAPPORT_* environment variables, then an optional config file, with
// defaults that need nothing.
package config

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/mail"
)

// Config is every setting of the rapport command.
type Config struct {
	Addr        string
	DataDir     string
	DB          string
	LogFormat   string
	LogLevel    string
	PhoneRegion string
	ConfigFile  string

	// AuditRetention is how many days audit entries are kept; 0 keeps
	// them forever.
	AuditRetention string

	// PublicURL is where users reach Rapport, for links in e-mails.
	PublicURL string
	// ClientIPHeader names the header in which a trusted reverse proxy
	// passes the client's address; empty means there is no proxy.
	ClientIPHeader string

	// StreamsPerUser and Streams bound the live notification streams of
	// one user and of the whole server.
	StreamsPerUser string
	Streams        string
	// RemindEvery is how often task reminders are made, as a Go
	// duration (1m).
	RemindEvery string
	// QueryTimeout is the time budget of each request's database work,
	// as a Go duration (10s).
	QueryTimeout string
	// ExpensiveQueries is how many expensive reads run at once; 0 lets
	// the server choose from its cores.
	ExpensiveQueries string
	// BackupEvery is how often serve takes a backup, as a Go duration; 0
	// takes none. BackupDir is where (empty: DataDir/backups), and
	// BackupKeep how many of them stay.
	BackupEvery string
	BackupDir   string
	BackupKeep  string
	// SMTPURL names the mail server Rapport sends through (see
	// mail.ParseSMTP); empty writes mail to the log. MailFrom is the
	// sender's address.
	SMTPURL  string
	MailFrom string
	// JobLock is how long a background job claimed by a server that
	// stopped without a word (killed, or its machine gone) waits before
	// another server, or the same one restarted, takes it over.
	JobLock string
	// SecretKey seals the passwords of connected mailboxes; without it no
	// mailbox can be connected. MailPoll is how often mailboxes are
	// looked at for new mail when their server has no IDLE.
	SecretKey string
	MailPoll  string
}

// setting describes one configurable value.
type setting struct {
	name, usage, def string
	dst              *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "address to listen on", "127.0.0.1:8080", &c.Addr},
		{"data-dir", "directory for the SQLite database and other local data", "rapport-data", &c.DataDir},
		{"db", "postgres:// URL; empty means SQLite in the data directory", "", &c.DB},
		{"log-format", "log format: text or json", "text", &c.LogFormat},
		{"log-level", "log level: debug, info, warn or error", "info", &c.LogLevel},
		{"phone-region", "country assumed for phone numbers typed without a country code (ISO 3166)", "US", &c.PhoneRegion},
		{"audit-retention", "days to keep audit entries; 0 keeps them forever", "365", &c.AuditRetention},
		{"public-url", "the URL users reach Rapport at, for links in e-mails; empty means http://ADDR", "", &c.PublicURL},
		{"client-ip-header", "header in which a trusted reverse proxy passes the client address (X-Forwarded-For or X-Real-IP); empty when there is no proxy", "", &c.ClientIPHeader},
		{"streams-per-user", "live notification streams one user may hold; a new one beyond it closes the oldest", "5", &c.StreamsPerUser},
		{"streams", "live notification streams the server holds; a new one beyond it is refused with 503", "1000", &c.Streams},
		{"remind-every", "how often reminders of tasks coming due are made", "1m", &c.RemindEvery},
		{"query-timeout", "time budget of each request's database work; a request past it answers 503", "10s", &c.QueryTimeout},
		{"backup-every", "how often serve writes a backup (24h, say); 0 writes none", "0", &c.BackupEvery},
		{"backup-dir", "where scheduled backups go; empty means the backups directory in the data directory", "", &c.BackupDir},
		{"backup-keep", "how many scheduled backups stay; older ones are removed", "7", &c.BackupKeep},
		{"smtp-url", "the mail server to send through: smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS) or smtp://127.0.0.1:25?security=plain; empty writes mail to the log. Give a password through the environment or the config file, not the command line", "", &c.SMTPURL},
		{"mail-from", "the address Rapport's mail comes from", "rapport@localhost", &c.MailFrom},
		{"job-lock", "how long a background job held by a server that died waits before another takes it over", "1m", &c.JobLock},
		{"secret-key", "a secret of 16 characters or more that seals the passwords of connected mailboxes (keep it with the backups: without it they must be entered again); empty means mailboxes cannot be connected. Give it through the environment or the config file", "", &c.SecretKey},
		{"mail-poll", "how often connected mailboxes are looked at for new mail when their server has no IDLE", "1m", &c.MailPoll},
		{"expensive-queries", "how many expensive reads (filters no index serves, counts, search) run at once, a user at most half of them; 0 means half the cores", "0", &c.ExpensiveQueries},
	}
}

// Register adds the settings' flags to fs. Call Load after fs.Parse.
func (c *Config) Register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		fs.StringVar(s.dst, s.name, "", s.usage+" (env RAPPORT_"+envName(s.name)+", default "+quote(s.def)+")")
	}
	fs.StringVar(&c.ConfigFile, "config", "", "optional config file of name = value lines (env RAPPORT_CONFIG)")
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func envName(flagName string) string {
	return strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load fills every setting not given as a flag from the environment, then
// from the config file, then from the defaults.
func (c *Config) Load(getenv func(string) string) error {
	if c.ConfigFile == "" {
		c.ConfigFile = getenv("RAPPORT_CONFIG")
	}
	file := map[string]string{}
	if c.ConfigFile != "" {
		var err error
		if file, err = readFile(c.ConfigFile); err != nil {
			return err
		}
	}
	known := map[string]bool{}
	for _, s := range c.settings() {
		known[s.name] = true
		if *s.dst != "" {
			continue
		}
		if v := getenv("RAPPORT_" + envName(s.name)); v != "" {
			*s.dst = v
		} else if v, ok := file[s.name]; ok {
			*s.dst = v
		} else {
			*s.dst = s.def
		}
	}
	for k := range file {
		if !known[k] {
			return fmt.Errorf("config file %s: unknown setting %q", c.ConfigFile, k)
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log-format must be text or json, not %q", c.LogFormat)
	}
	if days, err := strconv.Atoi(c.AuditRetention); err != nil || days < 0 {
		return fmt.Errorf("audit-retention must be a number of days, 0 or more, not %q", c.AuditRetention)
	}
	for _, s := range []struct{ name, value string }{{"streams-per-user", c.StreamsPerUser}, {"streams", c.Streams}} {
		if n, err := strconv.Atoi(s.value); err != nil || n < 1 {
			return fmt.Errorf("%s must be a whole number, 1 or more, not %q", s.name, s.value)
		}
	}
	if d, err := time.ParseDuration(c.BackupEvery); err != nil || d < 0 {
		return fmt.Errorf("backup-every must be a duration such as 24h, or 0 for none, not %q", c.BackupEvery)
	}
	if n, err := strconv.Atoi(c.BackupKeep); err != nil || n < 1 {
		return fmt.Errorf("backup-keep must be a whole number, 1 or more, not %q", c.BackupKeep)
	}
	if d, err := time.ParseDuration(c.RemindEvery); err != nil || d <= 0 {
		return fmt.Errorf("remind-every must be a positive duration such as 1m, not %q", c.RemindEvery)
	}
	if d, err := time.ParseDuration(c.QueryTimeout); err != nil || d <= 0 {
		return fmt.Errorf("query-timeout must be a positive duration such as 10s, not %q", c.QueryTimeout)
	}
	if n, err := strconv.Atoi(c.ExpensiveQueries); err != nil || n < 0 {
		return fmt.Errorf("expensive-queries must be a number, 0 or more, not %q", c.ExpensiveQueries)
	}
	if d, err := time.ParseDuration(c.JobLock); err != nil || d < time.Second {
		return fmt.Errorf("job-lock must be a duration of a second or more, such as 1m, not %q", c.JobLock)
	}
	if c.SecretKey != "" && len(c.SecretKey) < 16 {
		return fmt.Errorf("secret-key must be at least 16 characters")
	}
	if d, err := time.ParseDuration(c.MailPoll); err != nil || d < time.Second {
		return fmt.Errorf("mail-poll must be a duration of a second or more, such as 1m, not %q", c.MailPoll)
	}
	if c.SMTPURL != "" {
		if _, err := mail.ParseSMTP(c.SMTPURL, c.MailFrom); err != nil {
			return err
		}
	}
	return nil
}

// Queries returns the query timeout and the number of expensive reads at
// once, as checked by Load.
func (c *Config) Queries() (timeout time.Duration, expensive int) {
	timeout, _ = time.ParseDuration(c.QueryTimeout)
	expensive, _ = strconv.Atoi(c.ExpensiveQueries)
	return timeout, expensive
}

// readFile reads "name = value" lines; # starts a comment.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want name = value", path, n)
		}
		out[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return out, sc.Err()
}
