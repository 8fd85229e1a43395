package records

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// Condition compiles f, a filter in the lists' language over object, for
// the actor in ctx, into an SQL condition on idColumn (another query's
// column of the object's ids, e.g. "d.id"): that the record is one f
// matches and the actor may read. Unknown or hidden fields and bad
// operators are refused as in lists, naming filter.field and the like;
// a filter over the cost limit is refused as a list's count would be.
// With nothing in scope the condition is "1=0". The reports narrow their
// deals with it.
func (e *Engine) Condition(ctx context.Context, object string, f *Filter, idColumn string) (string, []any, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return "", nil, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return "", nil, err
	}
	if f == nil {
		return "1=1", nil, nil
	}
	if err := checkTree(f, "filter", 0, new(int)); err != nil {
		return "", nil, err
	}
	s, err := e.view(ctx, a, obj, fieldNames(f, nil)...)
	if err != nil {
		return "", nil, err
	}
	q := Query{Filter: f, Count: true}
	if _, err := e.cost(s, q); err != nil {
		return "", nil, err
	}
	p, err := e.plan(ctx, a, s, q)
	if err != nil {
		return "", nil, err
	}
	if p == nil {
		return "1=0", nil, nil
	}
	where := joinAnd(p.base, p.tests())
	return idColumn + " IN (SELECT t.id FROM " + obj.Table() + " t WHERE " + where.sql + ")", where.args, nil
}

// ParseFilterJSON decodes a filter in the lists' JSON form (as the
// "filter" of a list's query body), checking its shape; errors name the
// part at fault under at ("filter").
func ParseFilterJSON(data []byte, at string) (*Filter, error) {
	var f Filter
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, jsonError(at, err)
	}
	if !atEnd(d) {
		return nil, fault.Field(at, "json", "holds more than one JSON value")
	}
	if err := checkTree(&f, at, 0, new(int)); err != nil {
		return nil, err
	}
	return &f, nil
}
