package activity

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// snippetLen is how much of a letter's text its timeline entry carries;
// the whole letter is on its own page.
const snippetLen = 300

// mail reads the letters filed on the timeline's records (internal/mailbox
// files them by address and thread), each once however many of the
// records it is filed on. Letters are read with the activities' grant: a
// role that may read only its own activities sees the letters of its own
// mailboxes and of the shared ones.
func (t *timeline) mail(ctx context.Context, related map[string][]int64) ([]Item, error) {
	if !t.wants("email") {
		return nil, nil
	}
	if err := t.s.engine.Policy().Authorize(ctx, t.a, "activity", access.Read, nil); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			err = nil
		}
		return nil, err
	}
	rs, err := t.s.engine.Policy().Restrict(ctx, t.a, "activity")
	if err != nil {
		return nil, err
	}
	var branches []string
	var args []any
	for _, object := range sortedKeys(related) {
		if ids := related[object]; len(ids) > 0 {
			branches = append(branches, "(l.object = ? AND l.record_id IN ("+store.Marks(len(ids))+"))")
			args = append(args, object)
			for _, id := range ids {
				args = append(args, id)
			}
		}
	}
	if len(branches) == 0 {
		return nil, nil
	}
	query := `SELECT m.id, m.sent_at, m.subject, m.from_addr, m.from_name, m.to_addrs, m.text_body, m.problem,
		(SELECT count(*) FROM mail_attachments a WHERE a.workspace_id = m.workspace_id AND a.message_id = m.id AND a.content_id = '')
		FROM mail_messages m JOIN mailboxes mb ON mb.workspace_id = m.workspace_id AND mb.id = m.mailbox_id
		WHERE m.workspace_id = ? AND EXISTS (SELECT 1 FROM mail_links l WHERE l.workspace_id = m.workspace_id AND l.message_id = m.id
			AND (` + strings.Join(branches, " OR ") + `))`
	args = append([]any{t.a.WorkspaceID}, args...)
	if cond, cargs := access.OwnerCondition(rs, "mb.owner_id"); cond != "" {
		query += " AND (mb.owner_id IS NULL OR " + cond + ")"
		args = append(args, cargs...)
	}
	cond, kargs := t.keyset(rankMail, "m.sent_at", "m.id")
	rows, err := t.q.QueryContext(ctx, query+cond+` ORDER BY m.sent_at DESC, m.id DESC LIMIT `+strconv.Itoa(t.n), append(args, kargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var id, attachments int64
		var at any
		var subject, from, fromName, to, text, problem string
		if err := rows.Scan(&id, &at, &subject, &from, &fromName, &to, &text, &problem, &attachments); err != nil {
			return nil, err
		}
		when, _ := store.ParseTime(at)
		rec := map[string]any{"id": strconv.FormatInt(id, 10), "subject": subject, "from": from, "from_name": fromName, "to": to,
			"snippet": snippet(text), "attachments": attachments, "problem": problem,
			"record_type": t.obj.Name, "record_id": strconv.FormatInt(t.id, 10)}
		out = append(out, Item{Kind: "email", At: records.FormatTime(when), Object: "email", ID: rec["id"].(string), Record: rec,
			key: itemKey{At: when, Rank: rankMail, ID: id}, shown: true})
	}
	return out, rows.Err()
}

// snippet is the start of a letter's text on one line.
func snippet(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > snippetLen {
		text = string([]rune(text)[:snippetLen]) + "…"
	}
	return text
}
