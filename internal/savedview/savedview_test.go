package savedview_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/savedview"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// people adds a team and users to workspace 1 and returns each user's
// context, by name: sam and tim in the team, una outside it, ada an
// administrator.
func people(t *testing.T, db *store.DB) map[string]context.Context {
	t.Helper()
	ctx := context.Background()
	out := map[string]context.Context{}
	err := db.Tx(ctx, func(q store.Querier) error {
		var team int64
		if err := q.QueryRowContext(ctx, `INSERT INTO teams (workspace_id, name, created_at) VALUES (1, 'North', ?) RETURNING id`,
			db.Dialect.Time(time.Now())).Scan(&team); err != nil {
			return err
		}
		for _, u := range []struct {
			name, role string
			team       any
		}{{"sam", "salesperson", team}, {"tim", "salesperson", team}, {"una", "salesperson", nil}, {"ada", "administrator", nil}} {
			var id int64
			if err := q.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, name, password_hash, role, team_id, created_at)
				VALUES (1, ?, ?, 'x', ?, ?, ?) RETURNING id`, u.name+"@example.com", u.name, u.role, u.team, db.Dialect.Time(time.Now())).Scan(&id); err != nil {
				return err
			}
			out[u.name] = access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: id, Role: u.role})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func names(t *testing.T, s *savedview.Service, ctx context.Context) []string {
	t.Helper()
	list, err := s.List(ctx, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range list {
		out = append(out, v.Name)
	}
	return out
}

func TestVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		who := people(t, db)
		s := savedview.New(db)
		filter := json.RawMessage(`{"match":"and","conditions":[{"field":"source","op":"eq","values":["event"]}]}`)
		saved := map[string]savedview.View{}
		for _, vis := range []string{savedview.Private, savedview.Team, savedview.Workspace} {
			v, err := s.Save(who["sam"], savedview.View{Object: "contacts", Name: "Sam " + vis, Visibility: vis,
				Columns: []string{"full_name", "source"}, Sort: "-full_name", Filter: filter})
			if err != nil {
				t.Fatal(err)
			}
			saved[vis] = v
		}
		if _, err := s.Save(who["sam"], savedview.View{Object: "companies", Name: "Other list", Visibility: savedview.Workspace}); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string][]string{
			"sam": {"Sam private", "Sam team", "Sam workspace"},
			"tim": {"Sam team", "Sam workspace"},
			"una": {"Sam workspace"},
			"ada": {"Sam workspace"},
		} {
			if got := names(t, s, who[name]); !slices.Equal(got, want) {
				t.Errorf("%s sees %v, want %v", name, got, want)
			}
		}
		got, err := s.Get(who["tim"], saved[savedview.Team].ID)
		if err != nil || got.Mine || got.Sort != "-full_name" || !slices.Equal(got.Columns, []string{"full_name", "source"}) {
			t.Errorf("Tim's copy of the team view: %+v %v", got, err)
		}
		var f map[string]any
		if err := json.Unmarshal(got.Filter, &f); err != nil || f["match"] != "and" {
			t.Errorf("the filter came back as %s", got.Filter)
		}
		if _, err := s.Get(who["una"], saved[savedview.Private].ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("Una gets Sam's private view: %v", err)
		}
		if err := s.Rename(who["tim"], saved[savedview.Team].ID, "Tim's"); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("Tim renames Sam's view: %v", err)
		}
		if err := s.Rename(who["sam"], saved[savedview.Team].ID, " "); !fault.Is(err, fault.EINVALID) {
			t.Errorf("a blank name: %v", err)
		}
		if err := s.Delete(who["ada"], saved[savedview.Workspace].ID); err != nil {
			t.Errorf("an administrator deletes a shared view: %v", err)
		}
		if err := s.Rename(who["sam"], saved[savedview.Private].ID, "Mine"); err != nil {
			t.Fatal(err)
		}
		if got := names(t, s, who["sam"]); !slices.Equal(got, []string{"Mine", "Sam team"}) {
			t.Errorf("after the changes Sam sees %v", got)
		}
		if _, err := s.Save(who["sam"], savedview.View{Object: "contacts", Name: "x", Visibility: "everybody"}); !fault.Is(err, fault.EINVALID) {
			t.Errorf("a made-up visibility: %v", err)
		}
	})
}
