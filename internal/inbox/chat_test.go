package inbox

import (
	"errors"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
)

// TestFieldMapRead follows paths with array indexes through a provider's
// payload, and names the path of each missing or unusable part.
func TestFieldMapRead(t *testing.T) {
	fm := FieldMap{MessageID: "entry[0].changes[1].value.id", SenderID: "entry[0].from.id", SenderName: "grid[1][0]",
		Text: "entry[0].changes[1].value.text"}
	m, err := fm.read([]byte(`{"entry": [{"from": {"id": 77}, "changes": [{}, {"value": {"id": "wamid.1", "text": " Hello "}}]}],
		"grid": [["a"], ["Ann"]]}`))
	if err != nil || m.ID != "wamid.1" || m.SenderID != "77" || m.SenderName != "Ann" || m.Text != "Hello" {
		t.Errorf("read %+v, %v", m, err)
	}
	for _, c := range []struct{ body, field, code string }{
		{`{"entry": [{"from": {"id": 1}, "changes": [{}]}]}`, "entry[0].changes[1].value.id", "required"},
		{`{"entry": [{"from": {"id": 1}, "changes": [{}, {"value": {"id": "x", "text": ["no"]}}]}]}`, "entry[0].changes[1].value.text", "type"},
		{`{"entry": {"from": 1}}`, "entry[0].from.id", "required"},
		{`[1, 2]`, "entry[0].from.id", "required"},
		{`{"a": 1} {"b": 2}`, "body", "type"},
	} {
		_, err := fm.read([]byte(c.body))
		found := false
		for _, fe := range fieldsOf(err) {
			found = found || fe.Field == c.field && fe.Code == c.code
		}
		if !found {
			t.Errorf("%s: %v, want %s %s", c.body, err, c.field, c.code)
		}
	}
}

// TestChannelInputChecksPaths refuses a map without its required parts
// or with a path that is not one.
func TestChannelInputChecksPaths(t *testing.T) {
	in := ChannelInput{Name: "X", FieldMap: &FieldMap{MessageID: "a..b", SenderID: "", Text: "t[x]"}}
	err := in.check()
	want := map[string]string{"field_map.message_id": "format", "field_map.sender_id": "required", "field_map.text": "format"}
	for _, fe := range fieldsOf(err) {
		if want[fe.Field] == fe.Code {
			delete(want, fe.Field)
		}
	}
	if len(want) != 0 {
		t.Errorf("%v: not named %v", err, want)
	}
	in = ChannelInput{Name: "Y"}
	if err := in.check(); err != nil || *in.FieldMap != DefaultFieldMap {
		t.Errorf("the default map: %v %+v", err, in.FieldMap)
	}
}

func fieldsOf(err error) []fault.FieldError {
	var e *fault.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
