package importer

import (
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/tabular/guess"
)

// The columns of an activities file that guess names are the fields the
// importer reads, and the other way round.
func TestActivityFieldsAreGuessed(t *testing.T) {
	var names []string
	for _, f := range activityObject.Fields {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, guess.ActivityFields) {
		t.Errorf("importer %v, guess %v", names, guess.ActivityFields)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]int64{"330": 330, "5:30": 330, "1:05:30": 3930, "1h30m": 5400, "90s": 90, "2m 5s": 125} {
		d, err := duration(in)
		if err != nil || int64(d.Seconds()) != want {
			t.Errorf("duration(%q) = %v, %v; want %ds", in, d, err, want)
		}
	}
	for _, in := range []string{"-5", "5:75", "soon", "1:2:3:4"} {
		if _, err := duration(in); err == nil {
			t.Errorf("duration(%q) is accepted", in)
		}
	}
}

func TestKindOf(t *testing.T) {
	for in, want := range map[string]string{"Task": "task", "CALL": "call", "Phone call": "call", "Event": "meeting",
		"Звонок": "call", "Встреча": "meeting", "Примечание": "note", "Zadanie": "task", "Spotkanie": "meeting",
		"Skambutis": "call", "Pastaba": "note", "Întâlnire": "meeting", "Notă": "note", "Қоңырау": "call", "Тапсырма": "task"} {
		if got, err := kindOf(in); got != want || err != nil {
			t.Errorf("kindOf(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	if _, err := kindOf("lunch break"); err == nil {
		t.Error("an unknown kind is accepted")
	}
}
