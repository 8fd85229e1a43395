package importer

import (
	"context"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
)

// Activities is the import of tasks, calls, meetings and notes from one
// file: each row's kind column says which (docs/decisions/0064-
// importing-products-and-activities.md). It is no object of the engine;
// its fields are the columns such a file has, which each row turns into
// the fields of its kind (activities.go).
const Activities = "activities"

// activityObject is what an activities file's columns may fill. It is
// made once and compared by identity.
var activityObject = &records.Object{Name: "activity", Plural: Activities, Label: "Activity", Fields: []*records.Field{
	{Name: "kind", Label: "Kind", Type: records.Text, Required: true},
	{Name: "title", Label: "Subject", Type: records.Text},
	{Name: "due_at", Label: "Due or starts", Type: records.DateTime},
	{Name: "due_time", Label: "Time", Type: records.Text},
	{Name: "ends_at", Label: "Ends", Type: records.DateTime},
	{Name: "done", Label: "Done", Type: records.Boolean},
	{Name: "duration", Label: "Duration", Type: records.Text},
	{Name: "type", Label: "Task type", Type: records.Select, Options: records.TaskTypes},
	{Name: "direction", Label: "Call direction", Type: records.Select, Options: records.CallDirections},
	{Name: "phone", Label: "Number", Type: records.Text},
	{Name: "call_result", Label: "Call result", Type: records.Select, Options: records.CallResults},
	{Name: "recording_url", Label: "Recording", Type: records.Text},
	{Name: "place", Label: "Place", Type: records.Text},
	{Name: "body", Label: "Text", Type: records.LongText},
	{Name: "result", Label: "Result", Type: records.LongText},
	{Name: "owner_id", Label: "Owner", Type: records.User},
	{Name: "contact", Label: "Contact", Type: records.Text},
	{Name: "company", Label: "Company", Type: records.Text},
	{Name: "deal", Label: "Deal", Type: records.Text},
}}

// activityGrants are the grants of the activity kinds: tasks have their
// own, notes, calls and meetings share one.
var activityGrants = []string{"task", "activity"}

// object returns the object an import of plural fills.
func (im *Importer) object(plural string) *records.Object {
	if plural == Activities {
		return activityObject
	}
	return im.e.Object(plural)
}

// authorize asks whether the actor may do action on the records of obj.
// An activities file needs the right to make one kind at least: a row of
// a kind the actor may not make fails alone, as the engine refuses it.
func (im *Importer) authorize(ctx context.Context, a access.Actor, obj *records.Object, action access.Action) error {
	if obj != activityObject {
		return im.e.Policy().Authorize(ctx, a, obj.Grant(), action, nil)
	}
	var err error
	for _, g := range activityGrants {
		if err = im.e.Policy().Authorize(ctx, a, g, action, nil); err == nil {
			return nil
		}
	}
	return err
}

// MayImport reports whether the actor in ctx may import records of
// plural, one of Objects: what Run asks first.
func (im *Importer) MayImport(ctx context.Context, plural string) bool {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return false
	}
	obj := im.object(plural)
	return obj != nil && im.authorize(ctx, a, obj, access.Create) == nil
}

// fields returns the fields of obj the actor sees: the engine's, or the
// columns of an activities file.
func (im *Importer) fields(ctx context.Context, obj *records.Object) ([]*records.Field, error) {
	if obj == activityObject {
		return obj.Fields, nil
	}
	return im.e.Fields(ctx, obj.Plural)
}
