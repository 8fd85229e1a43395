package activity

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Follow makes the actor follow the record, or stop following it, so that
// they hear of its stage changes, its outcome and its new notes. The
// record must be one the actor may read.
func (s *Service) Follow(ctx context.Context, object, id string, on bool) error {
	a, obj, rid, err := s.followable(ctx, object, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		if on {
			return s.follow(ctx, q, a.WorkspaceID, a.UserID, obj, rid)
		}
		_, err := q.ExecContext(ctx, `DELETE FROM follows WHERE workspace_id = ? AND user_id = ? AND record_type = ? AND record_id = ?`,
			a.WorkspaceID, a.UserID, obj, rid)
		return err
	})
}

// Following reports whether the actor follows the record, which the
// caller has read.
func (s *Service) Following(ctx context.Context, object, id string) (bool, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return false, err
	}
	obj := s.engine.Object(object)
	rid, ok := input.ID(id)
	if obj == nil || !ok || a.UserID == 0 {
		return false, nil
	}
	var n int
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM follows
		WHERE workspace_id = ? AND user_id = ? AND record_type = ? AND record_id = ?`, a.WorkspaceID, a.UserID, obj.Name, rid).Scan(&n)
	return n > 0, err
}

// followable checks that the actor is a user who may read the record.
func (s *Service) followable(ctx context.Context, object, id string) (access.Actor, string, int64, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, "", 0, err
	}
	if a.UserID == 0 {
		return a, "", 0, fault.Errorf(fault.EFORBIDDEN, "only a user follows records")
	}
	obj := s.engine.Object(object)
	rid, ok := input.ID(id)
	if obj == nil || !ok {
		return a, "", 0, fault.Errorf(fault.ENOTFOUND, "no %s with id %q", object, id)
	}
	if _, err := s.engine.Get(ctx, obj.Name, id, false); err != nil {
		return a, "", 0, err
	}
	return a, obj.Name, rid, nil
}

func (s *Service) follow(ctx context.Context, q store.Querier, ws, user int64, object string, id int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO follows (workspace_id, user_id, record_type, record_id, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, ws, user, object, id, s.db.Dialect.Time(s.opts.Now()))
	return err
}

// autoFollow makes the creator of a contact, company or deal (the records
// a salesperson works on for weeks) follow it,
// and its owner whenever one is given: the people who work on a record
// hear what colleagues do to it without having to ask. Nobody is made to
// stop following when the owner changes; the previous owner may still
// care, and can stop with one click.
func (s *Service) autoFollow(ctx context.Context, w *records.Write) error {
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	id, _ := strconv.ParseInt(str(w.Rec["id"]), 10, 64)
	var who []int64
	if w.Action == "create" && w.Actor.UserID != 0 {
		who = append(who, w.Actor.UserID)
	}
	if owner, err := strconv.ParseInt(str(w.Rec["owner_id"]), 10, 64); err == nil && w.Changes("owner_id") {
		who = append(who, owner)
	}
	d := records.DeferredFrom(ctx)
	for _, u := range who {
		if d != nil {
			// A bulk write inserts its follows together, before it commits.
			d.Add("activity.follows", fmt.Sprintf("%d %s %d", u, w.Object.Name, id), s.followMany)
			continue
		}
		if err := s.follow(ctx, w.Q, w.Actor.WorkspaceID, u, w.Object.Name, id); err != nil {
			return err
		}
	}
	return nil
}

// followMany makes users follow records, each named in ids as "user
// object record", several to a statement. A record a rolled-back
// savepoint removed is passed over.
func (s *Service) followMany(ctx context.Context, q store.Querier, ws int64, ids []string) error {
	const per = 5000 // five arguments each, within both databases' limits
	at := s.db.Dialect.Time(s.opts.Now())
	for len(ids) > 0 {
		part := ids[:min(per, len(ids))]
		ids = ids[len(part):]
		type follow struct {
			user, record int64
			object       string
		}
		var fs []follow
		byObject := map[string][]int64{}
		for _, f := range part {
			var x follow
			if _, err := fmt.Sscanf(f, "%d %s %d", &x.user, &x.object, &x.record); err != nil {
				return fmt.Errorf("follow %q: %w", f, err)
			}
			fs = append(fs, x)
			byObject[x.object] = append(byObject[x.object], x.record)
		}
		live := map[string]map[int64]bool{}
		for object, recs := range byObject {
			var err error
			if live[object], err = s.existing(ctx, q, ws, object, recs); err != nil {
				return err
			}
		}
		marks := make([]string, 0, len(fs))
		args := make([]any, 0, 5*len(fs))
		for _, x := range fs {
			if live[x.object][x.record] {
				marks = append(marks, "(?, ?, ?, ?, ?)")
				args = append(args, ws, x.user, x.object, x.record, at)
			}
		}
		if len(marks) == 0 {
			continue
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO follows (workspace_id, user_id, record_type, record_id, created_at) VALUES `+
			strings.Join(marks, ", ")+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return err
		}
	}
	return nil
}

// existing returns which of ids name a record of object in workspace ws.
func (s *Service) existing(ctx context.Context, q store.Querier, ws int64, object string, ids []int64) (map[int64]bool, error) {
	marks, args := store.List(ids)
	rows, err := q.QueryContext(ctx, `SELECT id FROM `+s.engine.Object(object).Table()+` WHERE workspace_id = ? AND id IN (`+marks+`)`,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
