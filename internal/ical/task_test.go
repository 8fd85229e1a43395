package ical_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/ical"
)

// TestTasksAndZones: the samples hold no VTODO, so tasks are checked
// here, with the ways a task says it is done and times given in a zone,
// as a date, or floating.
func TestTasksAndZones(t *testing.T) {
	cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" +
		"BEGIN:VTODO\r\nUID:a\r\nSUMMARY:Send the offer\r\nDUE;TZID=Europe/Berlin:20270110T090000\r\nSTATUS:COMPLETED\r\n" +
		"DESCRIPTION:Two lines\\nand a comma\\, too\r\nEND:VTODO\r\n" +
		"BEGIN:VTODO\r\nUID:b\r\nSUMMARY:Half done\r\nDUE;VALUE=DATE:20270111\r\nPERCENT-COMPLETE:50\r\nEND:VTODO\r\n" +
		"BEGIN:VTODO\r\nUID:c\r\nSUMMARY:Done by percent\r\nPERCENT-COMPLETE:100\r\nEND:VTODO\r\n" +
		"BEGIN:VEVENT\r\nUID:d\r\nSUMMARY:Floating\r\nDTSTART:20270601T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	got, err := ical.Read([]byte(cal))
	if err != nil {
		t.Fatal(err)
	}
	want := []ical.Activity{
		{Kind: ical.Task, UID: "a", Title: "Send the offer", Notes: "Two lines\nand a comma, too",
			Due: time.Date(2027, 1, 10, 8, 0, 0, 0, time.UTC), Done: true},
		{Kind: ical.Task, UID: "b", Title: "Half done", Due: time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)},
		{Kind: ical.Task, UID: "c", Title: "Done by percent", Done: true},
		{Kind: ical.Meeting, UID: "d", Title: "Floating", Starts: time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	var buf bytes.Buffer
	if err := ical.Write(&buf, got...); err != nil {
		t.Fatal(err)
	}
	again, err := ical.Read(buf.Bytes())
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("read back %+v, %v\n%s", again, err, buf.String())
	}
}
