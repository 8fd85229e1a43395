package phone

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// ReportRow is one user's calls of one day.
type ReportRow struct {
	Day      string `json:"day"` // YYYY-MM-DD, the day the call rang (UTC)
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name"`
	Inbound  int64  `json:"inbound"`
	Outbound int64  `json:"outbound"`
	Answered int64  `json:"answered"`
	Missed   int64  `json:"missed"`
	// TalkSeconds is the summed duration of the answered calls.
	TalkSeconds int64 `json:"talk_seconds"`
}

// MaxReportDays bounds the span of one report.
const MaxReportDays = 366

// Report counts the calls per user and day from from to to, both days
// included. Administrators and managers see everyone's calls; anyone else
// sees their own.
func (s *Service) Report(ctx context.Context, from, to time.Time) ([]ReportRow, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if to.Before(from) {
		return nil, fault.Field("to", "range", "must not be before from")
	}
	if to.Sub(from) > MaxReportDays*24*time.Hour {
		return nil, fault.Field("to", "range", "the report spans at most %d days", MaxReportDays)
	}
	where, args := `c.workspace_id = ? AND c.day >= ? AND c.day <= ?`, []any{a.WorkspaceID, from.Format(time.DateOnly), to.Format(time.DateOnly)}
	if a.Role != access.RoleAdministrator && a.Role != access.RoleManager {
		if a.UserID == 0 {
			return []ReportRow{}, nil
		}
		where, args = where+` AND c.user_id = ?`, append(args, a.UserID)
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT c.day, c.user_id, coalesce(max(u.name), ''),
		sum(CASE WHEN c.direction = 'inbound' THEN 1 ELSE 0 END), sum(CASE WHEN c.direction = 'outbound' THEN 1 ELSE 0 END),
		sum(CASE WHEN c.result = 'answered' THEN 1 ELSE 0 END), sum(CASE WHEN c.result = 'missed' THEN 1 ELSE 0 END),
		sum(CASE WHEN c.result = 'answered' THEN c.duration_seconds ELSE 0 END)
		FROM phone_calls c LEFT JOIN users u ON u.workspace_id = c.workspace_id AND u.id = c.user_id
		WHERE `+where+` GROUP BY c.day, c.user_id ORDER BY c.day DESC, c.user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReportRow{}
	for rows.Next() {
		var r ReportRow
		var user sql.NullInt64
		if err := rows.Scan(&r.Day, &user, &r.UserName, &r.Inbound, &r.Outbound, &r.Answered, &r.Missed, &r.TalkSeconds); err != nil {
			return nil, err
		}
		if user.Valid {
			r.UserID = strconv.FormatInt(user.Int64, 10)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
