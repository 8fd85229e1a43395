package search

import (
	"context"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// A contact's document holds the names of its companies, and a deal's the
// name of its company, in its words and its subtitle. An actor who may not
// read some companies, or their names, must neither see those names nor
// find a contact or deal by them; companiesInScope rebuilds the
// subtitles of such an actor's contacts and deals from the records, with
// the companies the actor may read, and keeps a contact or deal found by
// its other words only if those words still match.

// companiesInScope applies the actor's reach over companies to the
// contacts and deals in found.
func (s *Service) companiesInScope(ctx context.Context, a access.Actor, p *plan, found map[string]*Hit) error {
	rs, err := s.engine.Policy().Restrict(ctx, a, s.engine.Object("company").Grant())
	if err != nil {
		return err
	}
	rules, err := s.engine.Policy().Fields(ctx, a, s.engine.Object("company").Grant())
	if err != nil {
		return err
	}
	sc, readable := scopeOf("company", rs)
	readable = readable && rules["name"] != access.FieldHidden
	if readable && sc.all {
		return nil
	}
	byObject := map[string][]int64{}
	for _, h := range found {
		if h.Object == "contact" || h.Object == "deal" {
			id, _ := strconv.ParseInt(h.ID, 10, 64)
			byObject[h.Object] = append(byObject[h.Object], id)
		}
	}
	cond, args := "1=0", []any(nil) // no company is readable
	if readable {
		cond, args = "1=1", nil
		if !sc.all {
			var marks string
			marks, args = store.List(sc.owners)
			cond = "co.owner_id IN (" + marks + ")"
		}
	}
	texts := map[string]shownText{}
	if err := s.contactTexts(ctx, a.WorkspaceID, byObject["contact"], cond, args, texts); err != nil {
		return err
	}
	if err := s.dealTexts(ctx, a.WorkspaceID, byObject["deal"], cond, args, texts); err != nil {
		return err
	}
	for k, h := range found {
		t, ok := texts[k]
		if !ok {
			continue
		}
		h.Subtitle = t.subtitle
		if !h.phone && tierOf(p, h.nameKey) == 0 && !allWords(p.words, strings.Join(t.words, " ")) {
			delete(found, k) // found by the name of a company the actor may not read
		}
	}
	return nil
}

// shownText is what a document would hold with only the companies an
// actor may read: its subtitle and the words besides its name.
type shownText struct {
	subtitle string
	words    []string
}

// contactTexts fills texts with the contacts' subtitles and words: their
// first e-mail, their numbers and the names of their companies that match
// cond.
func (s *Service) contactTexts(ctx context.Context, ws int64, ids []int64, cond string, args []any, texts map[string]shownText) error {
	if len(ids) == 0 {
		return nil
	}
	marks, idArgs := store.List(ids)
	names := map[int64][]string{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT cc.contact_id, co.name FROM contact_companies cc
		JOIN companies co ON co.workspace_id = cc.workspace_id AND co.id = cc.company_id AND co.deleted_at IS NULL
		WHERE cc.workspace_id = ? AND cc.contact_id IN (`+marks+`) AND `+cond+` ORDER BY cc.contact_id, co.name`,
		append(append([]any{ws}, idArgs...), args...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var name *string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		if n := deref(name); n != "" {
			names[id] = append(names[id], n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	d := s.db.Dialect
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT id, `+d.JSONOut("emails")+`, `+d.JSONOut("phones")+`
		FROM contacts WHERE workspace_id = ? AND id IN (`+marks+`)`, append([]any{ws}, idArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var emails, phones *string
		if err := rows.Scan(&id, &emails, &phones); err != nil {
			return err
		}
		x := &doc{}
		mails := x.addItems(emails, false)
		x.addItems(phones, true)
		companies := strings.Join(names[id], ", ")
		t := shownText{words: append(x.body, words(companies)...)}
		if len(mails) > 0 {
			t.subtitle = mails[0].Value
		}
		t.subtitle = join(t.subtitle, companies)
		texts["contact:"+strconv.FormatInt(id, 10)] = t
	}
	return rows.Err()
}

// dealTexts fills texts with the deals' subtitles and words: the name of
// their company when it matches cond, and their status.
func (s *Service) dealTexts(ctx context.Context, ws int64, ids []int64, cond string, args []any, texts map[string]shownText) error {
	if len(ids) == 0 {
		return nil
	}
	marks, idArgs := store.List(ids)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id, d.status, co.name FROM deals d
		LEFT JOIN companies co ON co.workspace_id = d.workspace_id AND co.id = d.company_id AND co.deleted_at IS NULL AND `+cond+`
		WHERE d.workspace_id = ? AND d.id IN (`+marks+`)`, append(append(args, ws), idArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var status, company *string
		if err := rows.Scan(&id, &status, &company); err != nil {
			return err
		}
		texts["deal:"+strconv.FormatInt(id, 10)] = shownText{subtitle: join(deref(company), deref(status)), words: words(deref(company))}
	}
	return rows.Err()
}

// withoutNames drops the contacts without a name from the hits of an
// actor whose role hides their e-mails or phones: such a contact's title,
// by which it was found, is its first e-mail or number.
func (s *Service) withoutNames(ctx context.Context, p *plan, found map[string]*Hit) error {
	if !p.nameOnly()["contact"] {
		return nil
	}
	var ids []int64
	for _, h := range found {
		if h.Object == "contact" {
			id, _ := strconv.ParseInt(h.ID, 10, 64)
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	marks, args := store.List(ids)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM contacts WHERE workspace_id = ? AND id IN (`+marks+`)
		AND (full_name IS NULL OR full_name = '')`, append([]any{p.ws}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		delete(found, "contact:"+strconv.FormatInt(id, 10))
	}
	return rows.Err()
}
