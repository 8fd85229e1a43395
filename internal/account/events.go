package account

import (
	"context"

	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// Actions of the security events that go straight to the audit trail.
const (
	ActionSignOut        = "sign_out"
	ActionResetRequested = "password_reset_request"
	ActionPasswordReset  = "password_reset"
	ActionPasswordChange = "password_change"
	ActionTokenCreate    = "token_create"
	ActionTokenRevoke    = "token_revoke"
	ActionTOTPEnable     = "totp_enable"
	ActionTOTPDisable    = "totp_disable"
	ActionUserDeactivate = "deactivate"
	ActionUserReactivate = "reactivate"
)

// change is the before and after value of one field, the shape both the
// outbox and the audit trail use.
type change = audit.Change

// event is something that happened to a user, team, session or token.
type event struct {
	object  string // "user", "team", "session" or "token"
	id      string
	action  string
	actor   int64  // 0 for the operator or an anonymous caller
	address string // the client's address, for security events
	changes map[string]change
	details map[string]any // facts about the event, kept as after-only changes
}

func (ev event) allChanges() map[string]change {
	out := make(map[string]change, len(ev.changes)+len(ev.details))
	for k, v := range ev.changes {
		out[k] = v
	}
	for k, v := range ev.details {
		out[k] = change{After: v}
	}
	return out
}

// audit writes a security event (sign-ins, sign-outs, resets, tokens,
// two-factor changes) straight to the audit trail in the caller's
// transaction, with the client's address, which the outbox has no room
// for.
func (s *Service) audit(ctx context.Context, q store.Querier, ws int64, ev event) error {
	return audit.Record(ctx, q, s.db.Dialect, audit.Entry{WorkspaceID: ws, At: s.now(), ActorID: ev.actor,
		ActorAddress: ev.address, Action: ev.action, Object: ev.object, RecordID: ev.id, Changes: ev.allChanges()})
}

// publish writes a change to the directory (users, teams, record owners)
// to the outbox in the caller's transaction, where every consumer (audit,
// timeline, webhooks) picks it up like a record change.
func (s *Service) publish(ctx context.Context, q store.Querier, ws int64, ev event) error {
	return outbox.Write(ctx, q, s.db.Dialect, outbox.Event{WorkspaceID: ws, Object: ev.object, RecordID: ev.id,
		Action: ev.action, ActorID: ev.actor, Changes: ev.allChanges(), At: s.now()})
}
