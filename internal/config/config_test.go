package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rapport.conf")
	os.WriteFile(file, []byte("# comment\naddr = 127.0.0.1:9000\ndata-dir = /from/file\nlog-format = json\n"), 0o600)
	env := map[string]string{"RAPPORT_DATA_DIR": "/from/env", "RAPPORT_CONFIG": file}
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:7000"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:7000", DataDir: "/from/env", DB: "", LogFormat: "json", LogLevel: "info", PhoneRegion: "US", ConfigFile: file, AuditRetention: "365",
		StreamsPerUser: "5", Streams: "1000", RemindEvery: "1m", QueryTimeout: "10s", ExpensiveQueries: "0",
		BackupEvery: "0", BackupKeep: "7", MailFrom: "rapport@localhost", JobLock: "1m", MailPoll: "1m"}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestBadConfig(t *testing.T) {
	for name, content := range map[string]string{"unknown": "colour = red\n", "syntax": "addr\n", "format": "log-format = xml\n",
		"retention": "audit-retention = forever\n", "streams": "streams-per-user = 0\n", "stream total": "streams = many\n",
		"timeout": "query-timeout = 10\n", "expensive": "expensive-queries = -1\n",
		"backup period": "backup-every = daily\n", "backup keep": "backup-keep = 0\n",
		"job lock": "job-lock = 10ms\n", "smtp scheme": "smtp-url = http://mail.example.com\n",
		"plain smtp afar": "smtp-url = smtp://mail.example.com?security=plain\n",
		"mail from":       "smtp-url = smtp://mail.example.com\nmail-from = nobody\n"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c")
			os.WriteFile(file, []byte(content), 0o600)
			c := Config{ConfigFile: file}
			if err := c.Load(func(string) string { return "" }); err == nil {
				t.Fatal("accepted a bad config file")
			}
		})
	}
}

func TestMailboxSettings(t *testing.T) {
	for _, bad := range []map[string]string{{"RAPPORT_SECRET_KEY": "short"}, {"RAPPORT_MAIL_POLL": "0"}, {"RAPPORT_MAIL_POLL": "soon"}} {
		var c Config
		if err := c.Load(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v was taken", bad)
		}
	}
	var c Config
	if err := c.Load(func(k string) string {
		return map[string]string{"RAPPORT_SECRET_KEY": "sixteen chars ok", "RAPPORT_MAIL_POLL": "30s"}[k]
	}); err != nil || c.SecretKey != "sixteen chars ok" || c.MailPoll != "30s" {
		t.Fatalf("%v %+v", err, c)
	}
}
