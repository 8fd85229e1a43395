// Package outbox appends change events to the outbox table and lets
// consumers follow it. Every writer of events (the records engine,
// services, accounts, roles) calls Write inside the transaction of its
// change, so the change and its event commit or fail together; each
// consumer (the audit trail, the search index) keeps its place with a
// Follower.
package outbox

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// Event is one change: who (ActorID, 0 for the operator or nobody) did
// what (Action) to which record (Object, RecordID) of a workspace, with
// Changes marshalled to JSON as field -> {before, after}.
type Event struct {
	WorkspaceID int64
	Object      string
	RecordID    string
	Action      string
	ActorID     int64
	Changes     any
	At          time.Time
	// Silent marks the change as one that should tell nobody: consumers
	// that reach people or other systems (webhooks) pass it by, those
	// that keep derived data (audit, search) do not. Write also sets it
	// for a ctx marked by Silent.
	Silent bool
}

type silentKey struct{}

// Silent marks ctx as a quiet write, such as an import that asked to
// tell nobody (decision 0063): events written in it are silent, and the
// hooks that notify people or run automation skip their work. Derived
// data (search, duplicate keys, totals, the audit trail) is kept as for
// any write.
func Silent(ctx context.Context) context.Context {
	return context.WithValue(ctx, silentKey{}, true)
}

// IsSilent reports whether ctx was marked by Silent.
func IsSilent(ctx context.Context) bool {
	quiet, _ := ctx.Value(silentKey{}).(bool)
	return quiet
}

// Write appends ev to the outbox through q, the caller's transaction.
func Write(ctx context.Context, q store.Querier, d store.Dialect, ev Event) error {
	return WriteMany(ctx, q, d, []Event{ev})
}

// WriteMany appends evs to the outbox inside the caller's transaction, a
// few thousand to a statement, for writes of many records at once.
func WriteMany(ctx context.Context, q store.Querier, d store.Dialect, evs []Event) error {
	const per = 3500 // eight arguments each, within both databases' limits
	silent := IsSilent(ctx)
	for len(evs) > 0 {
		part := evs[:min(per, len(evs))]
		evs = evs[len(part):]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO outbox (workspace_id, object, record_id, action, actor_id, changes, created_at, silent) VALUES `)
		args := make([]any, 0, 8*len(part))
		for i, ev := range part {
			changes, err := json.Marshal(ev.Changes)
			if err != nil {
				return err
			}
			var actor any
			if ev.ActorID != 0 {
				actor = ev.ActorID
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(`(?, ?, ?, ?, ?, ` + d.JSONIn() + `, ?, ?)`)
			args = append(args, ev.WorkspaceID, ev.Object, ev.RecordID, ev.Action, actor, string(changes), d.Time(ev.At), ev.Silent || silent)
		}
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
