package erasure

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Erased returns the ids of the contacts erased in workspace ws, oldest
// erasure first. A restore reads them from the database it replaces
// before it restores, and hands them to Reapply after.
func Erased(ctx context.Context, db *store.DB, ws int64) ([]string, error) {
	rows, err := db.Read(ctx).QueryContext(ctx, `SELECT contact_id FROM erasures WHERE workspace_id = ? ORDER BY erased_at, contact_id`, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out, rows.Err()
}

// Reapply erases again, in workspace ws, every contact of ids that the
// database holds, and returns how many it erased. A backup taken before
// an erasure still holds the person's data: a restore of it must call
// Reapply with the ids erased since (Erased, read before the restore, and
// those of the restored database's own erasures table), so that the
// restore brings nobody back. The erasures run as the operator, with no
// user named; an id the database does not hold is skipped. e should carry
// the services' hooks, as for Contact.
func Reapply(ctx context.Context, db *store.DB, e *records.Engine, ws int64, ids []string) (int, error) {
	ctx = access.WithActor(ctx, access.Actor{WorkspaceID: ws, Role: access.RoleAdministrator})
	n := 0
	for _, id := range ids {
		_, err := Contact(ctx, db, e, id)
		if fault.Code(err) == fault.ENOTFOUND {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
