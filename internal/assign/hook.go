package assign

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// unowned marks a context whose deal or contact creates named no owner
// and came through the API or an import; choices keeps what Before chose
// for each write, for After to write down (a batch of creates runs every
// Before before the first After).
type unowned struct {
	mu      sync.Mutex
	choices map[*records.Write]Choice
}

type unownedKey struct{}

// Unowned marks ctx for a create of a deal or contact that names no
// owner: the rules choose one, and the creator stays the owner when none
// fires. The web app's forms do not mark theirs: whoever fills in the
// form is there to own the record.
func Unowned(ctx context.Context) context.Context {
	return context.WithValue(ctx, unownedKey{}, &unowned{choices: map[*records.Write]Choice{}})
}

// Hook registers the assignment of unowned deals and contacts on engine.
func (s *Service) Hook(engine *records.Engine) {
	for _, object := range []string{"deal", "contact"} {
		engine.Hook(object, records.Hook{Before: s.before, After: s.after})
	}
}

func (s *Service) before(ctx context.Context, w *records.Write) error {
	u, _ := ctx.Value(unownedKey{}).(*unowned)
	if u == nil || w.Action != "create" {
		return nil
	}
	if outbox.IsSilent(ctx) {
		// A silent import runs no automation: its records stay with the
		// importer, as when no rule fires, and no rotation moves on.
		return nil
	}
	lead, err := s.lead(ctx, w)
	if err != nil {
		return err
	}
	c, ok, err := s.Pick(ctx, w.Q, w.Actor.WorkspaceID, lead)
	if err != nil || !ok {
		return err
	}
	w.Vals["owner_id"] = strconv.FormatInt(c.UserID, 10)
	u.mu.Lock()
	u.choices[w] = c
	u.mu.Unlock()
	return nil
}

func (s *Service) after(ctx context.Context, w *records.Write) error {
	u, _ := ctx.Value(unownedKey{}).(*unowned)
	if u == nil || w.Action != "create" {
		return nil
	}
	u.mu.Lock()
	c, chosen := u.choices[w]
	delete(u.choices, w)
	u.mu.Unlock()
	if !chosen {
		return nil
	}
	return Write(ctx, w.Q, s.db.Dialect, w.Actor.WorkspaceID, w.Object.Name, w.ID, c, s.now().UTC())
}

// lead reads what the rules look at from a contact being created, or
// from the first contact of a deal being created.
func (s *Service) lead(ctx context.Context, w *records.Write) (Lead, error) {
	l := Lead{Object: w.Object.Name, Source: text(w.Vals["source"])}
	if w.Object.Name == "contact" {
		addr, _ := w.Vals["address"].(map[string]any)
		l.Country, l.Region, l.Language = text(addr["country"]), text(addr["region"]), text(w.Vals["language"])
		return l, nil
	}
	id := firstLink(w.Vals["contacts"])
	if id == 0 {
		return l, nil
	}
	var err error
	l.Country, l.Region, l.Language, err = ContactPlace(ctx, w.Q, s.db.Dialect, w.Actor.WorkspaceID, id)
	return l, err
}

// ContactPlace returns the country, region and language of contact id.
func ContactPlace(ctx context.Context, q store.Querier, d store.Dialect, ws, id int64) (country, region, language string, err error) {
	var c, r, lang *string
	err = q.QueryRowContext(ctx, `SELECT `+d.JSONPath("address", "country", false)+`, `+d.JSONPath("address", "region", false)+`, language
		FROM contacts WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&c, &r, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", nil
	}
	return deref(c), deref(r), deref(lang), err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func text(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// firstLink is the id of the first record in a relations value, which the
// engine holds as ids or as {"id": …} links.
func firstLink(v any) int64 {
	list, _ := v.([]any)
	if len(list) == 0 {
		return 0
	}
	var s string
	switch x := list[0].(type) {
	case string:
		s = x
	case map[string]any:
		s = text(x["id"])
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
