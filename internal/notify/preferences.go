package notify

import (
	"context"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// The kinds of notification of working together: something was assigned
// to the user by someone else, a colleague mentioned them in a note, or a
// record they follow moved, closed or got a note.
const (
	KindAssigned     = "assigned"
	KindMentioned    = "mentioned"
	KindStageChanged = "stage_changed"
	KindDealWon      = "deal_won"
	KindDealLost     = "deal_lost"
	KindNoteAdded    = "note_added"
)

// Kinds are every kind of notification, in the order a user is asked
// about them: what colleagues do first, then what Rapport itself says.
var Kinds = []string{KindAssigned, KindMentioned, KindStageChanged, KindDealWon, KindDealLost, KindNoteAdded,
	"task_due", "task_overdue", "low_stock", "repeat_purchase", "inbox_request"}

// Preference says whether a user gets one kind of notification by mail as
// well as in the app, where every notification always arrives.
type Preference struct {
	Kind string `json:"kind"`
	Mail bool   `json:"mail"`
}

// Preferences returns the actor's choice for every kind, mail being the
// default of a kind never chosen.
func (in *Inbox) Preferences(ctx context.Context) ([]Preference, error) {
	a, err := user(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := in.db.Reader().QueryContext(ctx, `SELECT kind, mail FROM notification_preferences
		WHERE workspace_id = ? AND user_id = ?`, a.WorkspaceID, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	chosen := map[string]bool{}
	for rows.Next() {
		var kind string
		var mail bool
		if err := rows.Scan(&kind, &mail); err != nil {
			return nil, err
		}
		chosen[kind] = mail
	}
	out := make([]Preference, 0, len(Kinds))
	for _, k := range Kinds {
		mail, ok := chosen[k]
		out = append(out, Preference{Kind: k, Mail: mail || !ok})
	}
	return out, rows.Err()
}

// SetPreferences stores the actor's choice of mail for every kind: the
// kinds in mail get mail, the others only the app.
func (in *Inbox) SetPreferences(ctx context.Context, mail []string) error {
	a, err := user(ctx)
	if err != nil {
		return err
	}
	for _, k := range mail {
		if !slices.Contains(Kinds, k) {
			return fault.Field("mail", "option", "%q is not a kind; kinds are %s", k, strings.Join(Kinds, ", "))
		}
	}
	d := in.db.Dialect
	return in.db.Tx(ctx, func(q store.Querier) error {
		for _, k := range Kinds {
			if _, err := q.ExecContext(ctx, `INSERT INTO notification_preferences (workspace_id, user_id, kind, mail)
				VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id, kind) DO UPDATE SET mail = excluded.mail`,
				a.WorkspaceID, a.UserID, k, d.Bool(slices.Contains(mail, k))); err != nil {
				return err
			}
		}
		return nil
	})
}
