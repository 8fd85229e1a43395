package records_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// env is one engine over one fresh database, acting in workspace 1 as a
// user of that workspace.
type env struct {
	t    testing.TB
	db   *store.DB
	e    *records.Engine
	ctx  context.Context
	user string // id of a user of workspace 1, the actor
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	v := &env{t: t, db: db, e: newEngine(db)}
	v.user = addUser(t, db, 1, "owner@example.com")
	v.ctx = actorCtx(1, v.user)
	return v
}

func newEngine(db *store.DB) *records.Engine {
	return records.New(db, records.Options{PhoneRegion: "US", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func actorCtx(ws int64, user string) context.Context {
	var uid int64
	fmt.Sscan(user, &uid)
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: uid})
}

// addWorkspace inserts workspace id.
func addWorkspace(t testing.TB, db *store.DB, id int64) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), `INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`,
			id, fmt.Sprintf("Workspace %d", id), db.Dialect.Time(time.Now()))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addUser inserts a user of workspace ws and returns its id.
func addUser(t testing.TB, db *store.DB, ws int64, email string) string {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(q store.Querier) error {
		return q.QueryRowContext(context.Background(), `INSERT INTO users (workspace_id, email, name, password_hash, role, created_at)
			VALUES (?, ?, ?, 'x', 'admin', ?) RETURNING id`, ws, email, email, db.Dialect.Time(time.Now())).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(id)
}

// in decodes a record body the way the API does.
func in(t testing.TB, body string) map[string]any {
	t.Helper()
	m, err := records.DecodeInput([]byte(body))
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

func (v *env) create(object, body string) records.Record {
	v.t.Helper()
	rec, err := v.e.Create(v.ctx, object, in(v.t, body))
	if err != nil {
		v.t.Fatalf("create %s %s: %v", object, body, err)
	}
	return rec
}

func (v *env) get(object, id string) records.Record {
	v.t.Helper()
	rec, err := v.e.Get(v.ctx, object, id, true)
	if err != nil {
		v.t.Fatalf("get %s %s: %v", object, id, err)
	}
	return rec
}

func (v *env) addField(object string, spec records.FieldSpec) {
	v.t.Helper()
	if _, err := v.e.AddField(v.ctx, object, spec); err != nil {
		v.t.Fatalf("add field %s.%s: %v", object, spec.Name, err)
	}
}

// count returns the single integer a query selects.
func (v *env) count(query string, args ...any) int {
	v.t.Helper()
	var n int
	if err := v.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		v.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// snapshot counts the rows every write touches, to show that a refused
// write changed nothing.
func (v *env) snapshot() string {
	v.t.Helper()
	var b strings.Builder
	for _, table := range []string{"contacts", "companies", "contact_companies", "outbox", "custom_fields"} {
		fmt.Fprintf(&b, "%s=%d ", table, v.count(`SELECT count(*) FROM `+table))
	}
	b.WriteString("versions=")
	b.WriteString(fmt.Sprint(v.count(`SELECT coalesce(sum(version), 0) FROM contacts`) + v.count(`SELECT coalesce(sum(version), 0) FROM companies`)))
	return b.String()
}

// event is one outbox row.
type event struct {
	Object   string
	RecordID string
	Action   string
	Actor    *int64
	Changes  map[string]struct{ Before, After any }
}

// events returns the outbox rows of workspace ws after row number skip.
func (v *env) events(ws int64, skip int) []event {
	v.t.Helper()
	rows, err := v.db.Reader().QueryContext(context.Background(), `SELECT object, record_id, action, actor_id, `+
		v.db.Dialect.JSONOut("changes")+` FROM outbox WHERE workspace_id = ? ORDER BY id`, ws)
	if err != nil {
		v.t.Fatal(err)
	}
	defer rows.Close()
	var out []event
	for rows.Next() {
		var ev event
		var changes string
		if err := rows.Scan(&ev.Object, &ev.RecordID, &ev.Action, &ev.Actor, &changes); err != nil {
			v.t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(changes), &ev.Changes); err != nil {
			v.t.Fatalf("changes %s: %v", changes, err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		v.t.Fatal(err)
	}
	return out[min(skip, len(out)):]
}

// errFields returns the field names an EINVALID error lists.
func errFields(err error) []string {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	var names []string
	for _, f := range fe.Fields {
		names = append(names, f.Field)
	}
	return names
}

// wantInvalid fails unless err is EINVALID and lists every one of fields.
func wantInvalid(t testing.TB, err error, fields ...string) {
	t.Helper()
	if code := fault.Code(err); code != fault.EINVALID {
		t.Fatalf("error %v has code %q, want %q", err, code, fault.EINVALID)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *fault.Error", err)
	}
	got := errFields(err)
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Fatalf("error %v lists fields %q, want %q among them", err, got, f)
		}
	}
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := fault.Code(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

// jsonOf is the JSON text of v, for comparing values whatever their Go
// types.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "!" + err.Error()
	}
	return string(b)
}

func id(r records.Record) string { return r["id"].(string) }

func version(r records.Record) int64 { return r["version"].(int64) }
