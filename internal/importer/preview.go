package importer

import (
	"context"
	"io"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/guess"
)

// Preview is the start of a file as an import would read it, for a user
// to check before importing: how it is read, its first rows, the field
// each column would fill, and the fields a column may be given.
type Preview struct {
	Sample *tabular.Sample
	// Fields holds, for each column, the field it fills: the guess,
	// overridden by the options' mapping; "" leaves the column out.
	Fields []string
	// Choices are the fields a column may fill, in the object's order:
	// its writable fields, their parts ("address.city"), ExternalID.
	Choices []*records.Field
	// MakesFields reports whether the actor may map a column to a
	// NewField; NewFields are the fields the mapping would make, as far as
	// the check got.
	MakesFields bool
	NewFields   []MadeField
	// Check is why Run would refuse the file with these options before
	// reading its rows (a mapping that does not fit, dates that could be
	// either order), or nil.
	Check error
}

// Preview reads the header and first n rows of a file as Run would, with
// the guessed mapping under the options' own. It writes nothing. That the
// actor may create the object's records and that the file can be read
// are its errors; what else Run would refuse before the rows is in Check.
func (im *Importer) Preview(ctx context.Context, src io.ReaderAt, size int64, opts Options, n int) (*Preview, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	obj := im.object(opts.Object)
	if err := im.authorize(ctx, a, obj, access.Create); err != nil {
		return nil, err
	}
	sample, err := tabular.Preview(src, size, opts.FileName, opts.Read, n)
	if err != nil {
		return nil, fault.Field("file", "unreadable", "%s", err.Error())
	}
	g, err := guess.Columns(obj.Name, sample.Header)
	if err != nil {
		return nil, err
	}
	p := &Preview{Sample: sample, Fields: g.Fields}
	for i, h := range sample.Header {
		if f, ok := opts.Mapping[h]; ok {
			p.Fields[i] = f
		}
	}
	visible, err := im.fields(ctx, obj)
	if err != nil {
		return nil, err
	}
	for _, f := range visible {
		if f.ReadOnly || linkable(column{base: f, field: f.Name}) != nil {
			continue
		}
		p.Choices = append(p.Choices, f)
		p.Choices = append(p.Choices, f.Parts...)
	}
	p.Choices = append(p.Choices, &records.Field{Name: ExternalID, Type: records.Text})
	p.MakesFields = im.e.Policy().Authorize(ctx, a, "field", access.Create, nil) == nil
	plan, err := im.plan(ctx, obj, sample.Header, opts)
	if err == nil {
		err = im.mayMakeFields(ctx, a, plan)
	}
	if err == nil {
		err = plan.typeNewFields(src, size, opts)
		p.NewFields = plan.madeFields()
	}
	if err == nil {
		err = plan.decideFormats(src, size, opts)
	}
	p.Check = err
	return p, nil
}

// Cancellable reports whether import id runs in the background in this
// process, so that Cancel can stop it.
func (im *Importer) Cancellable(id string) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	for n := range im.running {
		if fmtID(n) == id {
			return true
		}
	}
	return false
}
