package ical_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/rapport-crm/rapport/internal/ical"
)

// dataDir holds ical.js's sample calendars; CI has it beside the
// repository.
const dataDir = "../../../shared/data/vcard-ical"

// TestSampleFiles reads every sample calendar: each task and meeting keeps
// its title, times, place and notes, checked against what the library
// itself reads from the component, and comes back the same from a
// calendar of its own. A file the library or the mapping refuses is
// listed with the reason, which must name what is wrong.
func TestSampleFiles(t *testing.T) {
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("no sample data at %s: %v", dataDir, err)
	}
	files, _ := filepath.Glob(filepath.Join(dataDir, "ical.js", "*", "*.ics"))
	if len(files) == 0 {
		t.Fatalf("no .ics files under %s", dataDir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			items, err := ical.Read(data)
			if err != nil {
				t.Logf("REFUSED %s: %v", path, err)
				if !strings.Contains(err.Error(), "items") {
					t.Errorf("the reason names no item: %v", err)
				}
				if n := len(components(t, data)); strings.Contains(err.Error(), "holds no task") && n > 0 {
					t.Errorf("the library reads %d tasks and meetings", n)
				}
				return
			}
			comps := components(t, data)
			if len(comps) != len(items) {
				t.Fatalf("%d tasks and meetings, the library reads %d", len(items), len(comps))
			}
			for i, comp := range comps {
				checkKept(t, comp, items[i])
				var buf bytes.Buffer
				if err := ical.Write(&buf, items[i]); err != nil {
					t.Fatalf("item %d: %v", i, err)
				}
				again, err := ical.Read(buf.Bytes())
				if err != nil || len(again) != 1 {
					t.Fatalf("item %d read back: %v\n%s", i, err, buf.String())
				}
				if items[i].UID == "" {
					again[0].UID = ""
				}
				if !reflect.DeepEqual(again[0], items[i]) {
					t.Errorf("item %d changed on the way:\n got %+v\nwant %+v\n%s", i, again[0], items[i], buf.String())
				}
			}
		})
	}
}

// components returns the VTODO and VEVENT components of every calendar in
// data, as the library reads them.
func components(t *testing.T, data []byte) []*goical.Component {
	dec := goical.NewDecoder(bytes.NewReader(data))
	var out []*goical.Component
	for {
		cal, err := dec.Decode()
		if err != nil {
			return out
		}
		for _, c := range cal.Children {
			if c.Name == goical.CompToDo || c.Name == goical.CompEvent {
				out = append(out, c)
			}
		}
	}
}

func checkKept(t *testing.T, comp *goical.Component, a ical.Activity) {
	t.Helper()
	textOf := func(name string) string {
		if p := comp.Props.Get(name); p != nil {
			s, _ := p.Text()
			return strings.TrimSpace(s)
		}
		return ""
	}
	timeOf := func(name string) time.Time {
		if p := comp.Props.Get(name); p != nil {
			v, _ := p.DateTime(time.UTC)
			return v
		}
		return time.Time{}
	}
	if a.Title != textOf(goical.PropSummary) || a.Notes != textOf(goical.PropDescription) {
		t.Errorf("title %q, notes %q; the file has %q, %q", a.Title, a.Notes, textOf(goical.PropSummary), textOf(goical.PropDescription))
	}
	if comp.Name == goical.CompToDo {
		if a.Kind != ical.Task || !a.Due.Equal(timeOf(goical.PropDue)) {
			t.Errorf("task %+v; the file's DUE is %v", a, timeOf(goical.PropDue))
		}
		return
	}
	if a.Kind != ical.Meeting || !a.Starts.Equal(timeOf(goical.PropDateTimeStart)) || a.Place != textOf(goical.PropLocation) {
		t.Errorf("meeting %+v; the file's DTSTART is %v, LOCATION %q", a, timeOf(goical.PropDateTimeStart), textOf(goical.PropLocation))
	}
	if end := timeOf(goical.PropDateTimeEnd); !end.IsZero() && !a.Ends.Equal(end) {
		t.Errorf("meeting ends %v; the file's DTEND is %v", a.Ends, end)
	}
}
