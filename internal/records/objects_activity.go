package records

// The activities: tasks, notes, calls and meetings. They share one table,
// told apart by its kind column, so that a record's timeline reads one
// index. Each may be about one record (record_type and record_id) or
// about nothing. The activity service registers the rules: the record it
// is about exists and is readable, occurred_at is the moment the timeline
// orders it by. Their long texts are cleaned like every other (richtext.go).

// TaskTypes are the kinds of task.
var TaskTypes = []string{"call", "meeting", "email", "follow_up", "other"}

// CallDirections and CallResults describe a logged call.
var (
	CallDirections = []string{"inbound", "outbound"}
	CallResults    = []string{"answered", "no_answer", "busy", "voicemail", "failed"}
)

// aboutFields name the record an activity is about, and when it happened.
func aboutFields() []*Field {
	return []*Field{
		col("record_type", "About (object)", Text),
		col("record_id", "About (id)", Text),
		col("owner_id", "Owner", User),
		readOnly(col("occurred_at", "Occurred at", DateTime)),
	}
}

func activity(name, plural, label, grant string, fields ...*Field) *Object {
	return &Object{Name: name, Plural: plural, Label: label, table: "activities", kind: name, grant: grant,
		Fields: append(fields, aboutFields()...)}
}

func activityObjects() []*Object {
	task := activity("task", "tasks", "Task", "task",
		required(col("title", "Title", Text)),
		withOptions(col("type", "Type", Select), TaskTypes...),
		col("due_at", "Due", DateTime),
		col("done", "Done", Boolean),
		derived(readOnly(col("done_at", "Done at", DateTime)), "done"),
		col("result", "Result", LongText),
	)
	task.Field("owner_id").Label = "Assignee"
	note := activity("note", "notes", "Note", "activity",
		required(col("body", "Text", LongText)),
	)
	call := activity("call", "calls", "Call", "activity",
		required(withOptions(col("direction", "Direction", Select), CallDirections...)),
		col("phone", "Number", Text),
		// The number as typed, kept when phone holds its E.164 form.
		derived(readOnly(col("phone_typed", "Number as typed", Text)), "phone"),
		col("duration_seconds", "Duration (s)", Integer),
		withOptions(col("call_result", "Result", Select), CallResults...),
		col("recording_url", "Recording", URL),
		col("started_at", "Started at", DateTime),
		col("body", "Notes", LongText),
	)
	meeting := activity("meeting", "meetings", "Meeting", "activity",
		required(col("title", "Title", Text)),
		required(col("starts_at", "Starts", DateTime)),
		col("ends_at", "Ends", DateTime),
		col("place", "Place", Text),
		&Field{Name: "attendees", Label: "Attendees", Type: Relations, Target: "contact",
			link: &link{table: "meeting_attendees", self: "meeting_id", other: "contact_id", extra: "response"}},
		col("body", "Notes", LongText),
	)
	// An activity takes its place in the timeline from the moment it is
	// due, starts or started.
	task.Field("occurred_at").DerivedFrom = []string{"due_at"}
	call.Field("occurred_at").DerivedFrom = []string{"started_at"}
	meeting.Field("occurred_at").DerivedFrom = []string{"starts_at"}
	return []*Object{task, note, call, meeting}
}
