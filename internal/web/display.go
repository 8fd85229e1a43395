package web

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// The engine's records hold JSON-shaped values; these functions turn them
// into the text a page shows. They return plain strings, which templates
// escape: no user content is ever marked as safe HTML.

// str is a text value, or "" for none.
func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// values are the values of a multi-valued field: e-mails and phones are
// objects with a value, tags and URLs plain strings.
func values(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		switch x := item.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			if s := str(x["value"]); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// linked are the ids of the records a relation links to: one id, or the
// links of a many-to-many relation.
func linked(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []records.LinkRef:
		out := make([]string, 0, len(x))
		for _, r := range x {
			out = append(out, r.ID)
		}
		return out
	}
	return nil
}

// address joins the parts of a postal address into one line.
func address(v any) string {
	m, _ := v.(map[string]any)
	var parts []string
	for _, k := range []string{"street", "postal_code", "city", "region", "country"} {
		if s := strings.TrimSpace(str(m[k])); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// location is the signed-in user's time zone.
func (v *visit) location() *time.Location {
	if v.user != nil {
		if loc, err := time.LoadLocation(v.user.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// dateTime formats a stored timestamp in the user's language and zone.
func (v *visit) dateTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return v.moment(t)
}

// moment formats a time in the user's language and zone: every date and
// time a page shows goes through it, or through day for lists.
func (v *visit) moment(t time.Time) string {
	return v.p.DateTime(t, v.location())
}

// day formats the day of a stored timestamp in the user's language and
// zone, for lists, where the time of day is noise.
func (v *visit) day(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return v.p.Date(t, v.location())
}

// date formats a stored date (YYYY-MM-DD) in the user's language.
func (v *visit) date(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return v.p.Date(t, time.UTC)
}

// field is the text of a record's field: the name of the record an
// activity is about, or the field's value.
func (v *visit) field(f *records.Field, rec records.Record, n names) []string {
	if f.Name == "record_id" {
		return nonEmpty(n.records[str(rec["record_type"])][str(rec["record_id"])])
	}
	return v.show(f, rec[f.Name], n)
}

// show is the text of any field's value, one string per value.
func (v *visit) show(f *records.Field, val any, n names) []string {
	if val == nil {
		return nil
	}
	switch f.Type {
	case records.Address:
		if a := address(val); a != "" {
			return []string{a}
		}
		return nil
	case records.Date:
		return []string{v.date(str(val))}
	case records.DateTime:
		return []string{v.dateTime(str(val))}
	case records.User:
		return nonEmpty(n.users[str(val)])
	case records.Relation, records.Relations:
		var out []string
		for _, id := range linked(val) {
			out = append(out, n.records[f.Target][id])
		}
		slices.Sort(out)
		return nonEmpty(out...)
	case records.Money:
		m, _ := val.(map[string]any)
		return []string{v.p.Money(locale.Decimal(m["amount"], str(m["currency"])), str(m["currency"]))}
	case records.Phone:
		return phones(val)
	case records.Select:
		return []string{v.option(f.Name, str(val))}
	case records.Boolean:
		if b, _ := val.(bool); b {
			return []string{v.p.T("web.value.yes")}
		}
		return []string{v.p.T("web.value.no")}
	}
	switch x := val.(type) {
	case string:
		return nonEmpty(x)
	case []any:
		return values(x)
	case float64, int64, int:
		return []string{fmt.Sprint(x)}
	}
	return []string{fmt.Sprint(val)}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// option is the label of a value of a select field: the catalogue's for
// the standard sources and a deal's states, the value itself for options that users
// define.
func (v *visit) option(field, value string) string {
	p := v.p
	if field == "forecast_category" {
		return forecastCategoryLabel(p, value)
	}
	if field == "status" {
		switch value {
		case "open":
			return p.T("web.status.open")
		case "won":
			return p.T("web.status.won")
		case "lost":
			return p.T("web.status.lost")
		}
		return value
	}
	if field == "type" {
		switch value {
		case "call":
			return p.T("web.task_type.call")
		case "meeting":
			return p.T("web.task_type.meeting")
		case "email":
			return p.T("web.task_type.email")
		case "follow_up":
			return p.T("web.task_type.follow_up")
		case "other":
			return p.T("web.task_type.other")
		}
		return value
	}
	if field == "rfm_segment" { // value
		return segmentLabel(p, value)
	}
	if field != "source" {
		return value
	}
	switch value {
	case "web_form":
		return p.T("web.source.web_form")
	case "email":
		return p.T("web.source.email")
	case "phone_call":
		return p.T("web.source.phone_call")
	case "chat":
		return p.T("web.source.chat")
	case "referral":
		return p.T("web.source.referral")
	case "event":
		return p.T("web.source.event")
	case "advertising":
		return p.T("web.source.advertising")
	case "social":
		return p.T("web.source.social")
	case "import":
		return p.T("web.source.import")
	case "api":
		return p.T("web.source.api")
	case "other":
		return p.T("web.source.other")
	}
	return value
}

// phones writes valid numbers in the international format ("+44 20 7946
// 0958"), which reads the same to a colleague in any country, and others
// as they were typed.
func phones(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		m, _ := item.(map[string]any)
		value, typed := str(m["value"]), str(m["typed"])
		if n, err := phonenumbers.Parse(value, ""); err == nil && strings.HasPrefix(value, "+") {
			out = append(out, phonenumbers.Format(n, phonenumbers.INTERNATIONAL))
		} else if typed != "" {
			out = append(out, typed)
		} else if value != "" {
			out = append(out, value)
		}
	}
	return out
}
