// Package access carries the acting user through a request's context and
// defines the policy seam that the records engine consults on every
// operation. RolePolicy grants by role and scope; AllowAll lets every
// authenticated actor act, for tools and tests that need no roles.
package access

import (
	"context"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Actor is who performs an operation, and in which workspace.
type Actor struct {
	WorkspaceID int64
	UserID      int64
	Role        string
	// ReadOnly is set for API tokens whose scope allows reading only.
	ReadOnly bool
	// Address is the client's network address when the actor comes from a
	// request, for the audit trail.
	Address string
}

type actorKey struct{}

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or an EUNAUTHORIZED error when there is
// none: no I/O below the HTTP layer runs without one, which is what keeps
// workspaces apart.
func ActorFrom(ctx context.Context) (Actor, error) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok || a.WorkspaceID == 0 {
		return Actor{}, fault.Errorf(fault.EUNAUTHORIZED, "no authenticated actor")
	}
	return a, nil
}

// Action is something an actor does to records of an object.
type Action string

// The actions the engine asks the policy about.
const (
	Create Action = "create"
	Read   Action = "read"
	Update Action = "update"
	Delete Action = "delete"
	Export Action = "export"
)

// Restriction narrows what an actor may read: only records whose Field holds
// one of In. Several restrictions all apply; an empty In matches nothing.
type Restriction struct {
	Field string
	In    []string
}

// Policy decides what an actor may do. The engine calls Authorize before
// every operation (with the record's current values for reads and writes of
// one record, and with the record as it will be for creates and updates),
// Restrict before every list, search or count and wherever linked records
// are shown, and Fields wherever fields are read, written, filtered, sorted
// or described.
type Policy interface {
	Authorize(ctx context.Context, a Actor, object string, act Action, record map[string]any) error
	Restrict(ctx context.Context, a Actor, object string) ([]Restriction, error)
	// Fields returns the rules that limit the actor on fields of object,
	// by field name; a field without a rule is visible and writable.
	Fields(ctx context.Context, a Actor, object string) (map[string]FieldRule, error)
}

// AllowAll lets any actor do anything in their own workspace, except writing
// with a read-only token.
type AllowAll struct{}

// Authorize refuses writes from read-only actors and allows the rest.
func (AllowAll) Authorize(_ context.Context, a Actor, _ string, act Action, _ map[string]any) error {
	if a.ReadOnly && act != Read && act != Export {
		return fault.Errorf(fault.EFORBIDDEN, "this token may only read")
	}
	return nil
}

// Restrict places no restriction.
func (AllowAll) Restrict(context.Context, Actor, string) ([]Restriction, error) { return nil, nil }

// Fields places no field rule.
func (AllowAll) Fields(context.Context, Actor, string) (map[string]FieldRule, error) { return nil, nil }
