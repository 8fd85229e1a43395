package importer

import (
	"context"
	"os"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/tabular"
)

// again is what the log keeps of a background import's options, for
// Resume to run it again as it was started: the mapping as resolved (a
// saved mapping may have changed since), the file's read settings as
// given (what was detected is detected again from the same file).
type again struct {
	FileName    string            `json:"file_name"`
	Mapping     map[string]string `json:"mapping,omitempty"`
	OnDuplicate string            `json:"on_duplicate"`
	Match       string            `json:"match,omitempty"`
	Strict      bool              `json:"strict,omitempty"`
	Silent      bool              `json:"silent,omitempty"`
	DryRun      bool              `json:"dry_run,omitempty"`
	Dates       string            `json:"dates,omitempty"`
	DecimalMark rune              `json:"decimal_mark,omitempty"`
	Read        tabular.Options   `json:"read"`
}

func againOf(o Options) *again {
	return &again{FileName: o.FileName, Mapping: o.Mapping, OnDuplicate: o.OnDuplicate, Match: o.Match, Strict: o.Strict,
		Silent: o.Silent, DryRun: o.DryRun, Dates: o.Dates, DecimalMark: o.DecimalMark, Read: o.Read}
}

func (g *again) options(object string) Options {
	return Options{Object: object, FileName: g.FileName, Mapping: g.Mapping, OnDuplicate: g.OnDuplicate, Match: g.Match,
		Strict: g.Strict, Silent: g.Silent, DryRun: g.DryRun, Dates: g.Dates, DecimalMark: g.DecimalMark, Read: g.Read}
}

// Resume runs interrupted import id again in the background, from the
// file it kept, with the options and mapping it was started with, as
// the actor in ctx, whose permissions are checked as they are now. It is
// the same import: its log row is running again, under the actor, and
// ends as any background import does, with its error report and undo.
// An import that is not interrupted, or whose file is not kept here, is
// a conflict that says why. done is as Start's.
func (im *Importer) Resume(ctx context.Context, id string, done func()) (*Summary, error) {
	s, err := im.getIn(ctx, id, StatusInterrupted, "only an interrupted import can be resumed")
	if err != nil {
		return nil, err
	}
	n, _ := strconv.ParseInt(s.ID, 10, 64)
	if s.again == nil {
		return nil, fault.Errorf(fault.ECONFLICT, "import %s kept no options to run again with: upload its file again", id)
	}
	f, err := im.openKept(n)
	if err != nil {
		return nil, fault.Errorf(fault.ECONFLICT, "the file of import %s is not kept on this server: upload it again", id)
	}
	run, err := im.prepare(ctx, f, f.size, s.again.options(s.Object))
	if err == nil {
		run.sum.again = s.again
		err = im.claim(ctx, run.sum, n)
	}
	if err != nil {
		// Still interrupted: it can be resumed once the reason is gone.
		f.f.Close()
		return nil, err
	}
	run.logged = n
	im.background(ctx, run, f, done)
	return im.Get(ctx, id)
}

// claim makes interrupted import id running again, with the options
// and the user of its new run.
func (im *Importer) claim(ctx context.Context, s *Summary, id int64) error {
	a, _ := access.ActorFrom(ctx)
	return im.leaveInterrupted(ctx, fmtID(id), `status = ?, error = NULL, user_id = ?, options = `+im.db.Dialect.JSONIn(),
		StatusRunning, a.UserID, logOptionsOf(s))
}

// leaveInterrupted sets, in the log row of interrupted import id, the
// columns of set to args. Of two resuming it at once, or one discarding
// it, the first wins; the other's is a conflict.
func (im *Importer) leaveInterrupted(ctx context.Context, id, set string, args ...any) error {
	a, _ := access.ActorFrom(ctx)
	return im.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE imports SET `+set+` WHERE workspace_id = ? AND id = ? AND status = ?`,
			append(args, a.WorkspaceID, id, StatusInterrupted)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fault.Errorf(fault.ECONFLICT, "import %s was resumed or discarded just now", id)
		}
		return nil
	})
}

// Discard gives up interrupted import id: it removes the file the
// import kept, and the log says discarded. Nothing of it was kept
// before either; to import the file, upload it again.
func (im *Importer) Discard(ctx context.Context, id string) (*Summary, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	s, err := im.getIn(ctx, id, StatusInterrupted, "only an interrupted import can be discarded")
	if err != nil {
		return nil, err
	}
	err = im.leaveInterrupted(ctx, s.ID, `status = ?, error = ?`, StatusDiscarded,
		"the server stopped before the import ended, and it was discarded: nothing of it was kept, and its file was removed")
	if err != nil {
		return nil, err
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	if path := im.keptPath(n); path != "" {
		// Another server process may keep it: its next start removes it.
		os.Remove(path)
	}
	return im.Get(ctx, id)
}
