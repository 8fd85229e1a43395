package demo

import (
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
)

var activitiesTable = table{"activities", []string{"workspace_id", "id", "version", "kind", "title", "body", "type",
	"due_at", "done", "done_at", "result", "direction", "phone", "duration_seconds", "call_result", "started_at",
	"starts_at", "ends_at", "place", "record_type", "record_id", "owner_id", "occurred_at", "custom",
	"created_at", "updated_at"}}

// Column positions in activitiesTable, for the functions that fill one
// kind.
const (
	aKind = 3 + iota
	aTitle
	aBody
	aType
	aDueAt
	aDone
	aDoneAt
	aResult
	aDirection
	aPhone
	aDuration
	aCallResult
	aStartedAt
	aStartsAt
	aEndsAt
	aPlace
	aRecordType
	aRecordID
	aOwner
	aOccurredAt
	aCustom
	aCreatedAt
	aUpdatedAt
)

var (
	activityKinds     = []string{"task", "note", "call", "meeting"}
	kindWeights       = weights{35, 25, 25, 15}
	taskTypeWeights   = byName(records.TaskTypes, map[string]int{"call": 30, "meeting": 15, "email": 25, "follow_up": 25, "other": 5})
	callResultWeights = byName(records.CallResults, map[string]int{"answered": 60, "no_answer": 20, "busy": 5,
		"voicemail": 12, "failed": 3})
	taskTitles = []string{"Follow up on the proposal", "Send the price list", "Prepare the contract",
		"Call to confirm the order", "Schedule a demo", "Check the delivery date", "Send the meeting notes",
		"Ask for a referral", "Update the billing address", "Introduce the new account manager"}
	noteTexts = []string{"Interested in the premium plan, wants a quote by Friday.",
		"Budget is approved for the next quarter.", "Prefers e-mail over phone calls.",
		"Asked about volume discounts for 50 seats.", "Their contract with the current supplier ends in June.",
		"Met at the trade fair, follow up in two weeks.", "Complained about a late delivery; resolved with a credit note.",
		"New procurement rules: three offers needed.", "The CFO joins the next meeting.",
		"Happy with the onboarding so far.", "Wants a reference customer in the same industry.",
		"On holiday until the end of the month."}
	taskResults   = []string{"Done as planned.", "Sent; waiting for an answer.", "Customer asked to postpone.", "Left a message."}
	meetingTitles = []string{"Product demo", "Quarterly review", "Contract negotiation", "Kick-off", "Site visit",
		"Discovery call", "Onboarding session", "Renewal discussion"}
	meetingPlaces  = []string{"Video call", "Video call", "Customer office", "Our office", "Trade fair booth", "Phone"}
	meetingLengths = []time.Duration{30 * time.Minute, 45 * time.Minute, time.Hour, 90 * time.Minute}
	aboutWeights   = weights{75, 15, 10} // contact, deal, company
)

// activitySpan is how far back activities go.
const activitySpan = 2 * 365 * day

// activityRows yields the rows of activitiesTable.
func (g *gen) activityRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s, c1, c2 := newStream(), newStream(), newStream()
		row := make([]any, len(activitiesTable.cols))
		scratch := make([]any, len(contactsTable.cols))
		var buf []byte
		for i := range g.activities {
			r := s.at(g.seed, kindActivity, i)
			clear(row)
			row[0], row[1], row[2], row[aCustom] = g.ws, g.activityBase+1+int64(i), 1, "{}"
			contact := g.about(r, row)
			t := g.now.Add(-time.Duration(r.Int64N(int64(activitySpan)))).Truncate(time.Second)
			kind := activityKinds[kindWeights.pick(r)]
			row[aKind] = kind
			switch kind {
			case "task":
				g.task(r, t, row)
			case "note":
				row[aBody] = noteTexts[r.IntN(len(noteTexts))]
				g.stamp(row, t, t, t)
			case "call":
				phone := ""
				if contact >= 0 {
					g.contact(c1.at(g.seed, kindContact, contact), c2, contact, scratch, &buf)
					phone = firstValue(scratch[6])
				}
				g.call(r, t, phone, row)
			default:
				g.meeting(r, t, row)
			}
			if !yield(row) {
				return
			}
		}
	}
}

// about fills what the activity is about and its owner, mostly the
// record's own, and returns the contact's ordinal, or -1 for another kind
// of record.
func (g *gen) about(r *rand.Rand, row []any) int {
	kind := aboutWeights.pick(r)
	if g.deals == 0 && kind == 1 {
		kind = 0
	}
	var id, owner int64
	contact := -1
	switch kind {
	case 0:
		contact = r.IntN(g.contacts)
		id, owner = g.contactBase+1+int64(contact), g.contactOwner[contact]
		row[aRecordType] = "contact"
	case 1:
		k := r.IntN(g.deals)
		id, owner = g.dealBase+1+int64(k), g.dealOwner[k]
		row[aRecordType] = "deal"
	default:
		k := r.IntN(g.companies)
		id, owner = g.companyBase+1+int64(k), g.companyOwner[k]
		row[aRecordType] = "company"
	}
	if r.IntN(100) < 15 {
		owner = g.owner(r)
	}
	row[aRecordID], row[aOwner] = strconv.FormatInt(id, 10), owner
	return contact
}

// stamp sets the kind-independent times: the moment the timeline orders
// the activity by, and when it was created and last changed.
func (g *gen) stamp(row []any, occurred, created, updated time.Time) {
	row[aOccurredAt], row[aCreatedAt], row[aUpdatedAt] = g.d.Time(occurred), g.d.Time(created), g.d.Time(updated)
}

// task fills a task created at t, due a few days later. Most past tasks
// are done; one in ten is a fresh one still open and due in the coming
// month.
func (g *gen) task(r *rand.Rand, t time.Time, row []any) {
	row[aTitle] = taskTitles[r.IntN(len(taskTitles))]
	row[aType] = records.TaskTypes[taskTypeWeights.pick(r)]
	due := workHour(r, t.Add(time.Duration(1+r.IntN(14))*day))
	if r.IntN(10) == 0 {
		t = g.now.Add(-time.Duration(r.Int64N(int64(7 * day)))).Truncate(time.Second)
		due = workHour(r, g.now.Add(time.Duration(1+r.IntN(30))*day))
	}
	done := due.Before(g.now) && r.IntN(100) < 88
	row[aDueAt], row[aDone] = g.d.Time(due), g.d.Bool(done)
	updated := t
	if done {
		// Done some time between its creation and a day after it was due.
		updated = t.Add(time.Duration(r.Int64N(int64(due.Sub(t) + day)))).Truncate(time.Second)
		if updated.After(g.now) {
			updated = g.now
		}
		row[aDoneAt] = g.d.Time(updated)
		if r.IntN(10) < 4 {
			row[aResult] = taskResults[r.IntN(len(taskResults))]
		}
	}
	g.stamp(row, t, t, updated)
}

// call fills a call made at t to or from phone, or a number of a random
// country when phone is empty.
func (g *gen) call(r *rand.Rand, t time.Time, phone string, row []any) {
	if phone == "" {
		l := pickLocale(r)
		phone = expand(r, mobile(r, l, l.cities[r.IntN(len(l.cities))]))
	}
	row[aPhone] = phone
	row[aDirection] = records.CallDirections[min(1, r.IntN(5)/2)] // 40 % inbound
	result := records.CallResults[callResultWeights.pick(r)]
	duration := 0
	switch result {
	case "answered":
		duration = 30 + r.IntN(1800)
	case "voicemail":
		duration = 15 + r.IntN(60)
	}
	row[aCallResult], row[aDuration], row[aStartedAt] = result, duration, g.d.Time(t)
	if r.IntN(10) < 3 {
		row[aBody] = noteTexts[r.IntN(len(noteTexts))]
	}
	end := t.Add(time.Duration(duration) * time.Second)
	g.stamp(row, t, end, end)
}

// meeting fills a meeting held at about t, or, for one in twelve,
// planned in the coming month.
func (g *gen) meeting(r *rand.Rand, t time.Time, row []any) {
	starts := workHour(r, t)
	created := starts.Add(-time.Duration(1+r.IntN(10)) * day)
	if r.IntN(12) == 0 {
		starts = workHour(r, g.now.Add(time.Duration(1+r.IntN(30))*day))
		created = g.now.Add(-time.Duration(r.Int64N(int64(5 * day)))).Truncate(time.Second)
	}
	row[aTitle] = meetingTitles[r.IntN(len(meetingTitles))]
	row[aStartsAt] = g.d.Time(starts)
	row[aEndsAt] = g.d.Time(starts.Add(meetingLengths[r.IntN(len(meetingLengths))]))
	row[aPlace] = meetingPlaces[r.IntN(len(meetingPlaces))]
	g.stamp(row, starts, created, created)
}

// workHour moves t to a whole or half hour between 8:00 and 17:30 UTC of
// its day.
func workHour(r *rand.Rand, t time.Time) time.Time {
	return t.Truncate(day).Add(8*time.Hour + time.Duration(r.IntN(20))*30*time.Minute)
}

// firstValue is the first "value" of a stored item list, "" when there is
// none.
func firstValue(list any) string {
	s, _ := list.(string)
	_, rest, ok := strings.Cut(s, `{"value":"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}
