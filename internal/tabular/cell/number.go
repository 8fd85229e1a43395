package cell

import (
	"strconv"
	"strings"
)

// groupMarks separate thousands besides the point or comma that is not
// the decimal mark: spaces (1 234,56; Excel writes a no-break space) and
// apostrophes (1'234.56).
const groupMarks = " \u00a0\u202f\u2009'’"

// Number reads a number written with either decimal mark and grouped
// thousands: 1 234,56; 1,234.56; 1.234,56; 1'234.56; -12; 1.5E+06. mark
// is the decimal mark, ',' or '.', or 0 to tell it from the number: the
// later of a point and a comma, a mark that occurs more than once groups
// thousands, and a single mark followed by three digits (1,234) is
// ambiguous. The result is the number with a point and no grouping,
// which the engine's decimal fields take.
func Number(s string, mark rune) (string, error) {
	text := strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(text, "-"), strings.HasPrefix(text, "−"):
		neg, text = true, strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(text, "-"), "−"), " ")
	case strings.HasPrefix(text, "+"):
		text = strings.TrimPrefix(text, "+")
	}
	if text == "" {
		return "", invalid("%q is not a number", s)
	}
	if strings.ContainsAny(text, "eE") {
		return scientific(s, text, neg)
	}
	if mark == 0 {
		var err error
		if mark, err = decimalMark(s, text); err != nil {
			return "", err
		}
	}
	whole, frac, found := strings.Cut(text, string(mark))
	if found && !digitsOnly(frac) {
		return "", invalid("%q is not a number", s)
	}
	group := groupMarks + string(other(mark))
	digits, err := ungroup(s, whole, group)
	if err != nil {
		return "", err
	}
	out := digits
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, nil
}

func other(mark rune) rune {
	if mark == ',' {
		return '.'
	}
	return ','
}

// decimalMark tells the decimal mark of one number, or 0 when it has none.
func decimalMark(s, text string) (rune, error) {
	lastPoint, lastComma := strings.LastIndex(text, "."), strings.LastIndex(text, ",")
	points, commas := strings.Count(text, "."), strings.Count(text, ",")
	switch {
	case points > 0 && commas > 0 && lastPoint > lastComma:
		return '.', nil
	case points > 0 && commas > 0:
		return ',', nil
	case points+commas == 0:
		return '.', nil
	case points > 1:
		return ',', nil // only grouping points: 1.234.567
	case commas > 1:
		return '.', nil
	}
	mark, at := '.', lastPoint
	if commas == 1 {
		mark, at = ',', lastComma
	}
	whole, frac := text[:at], text[at+1:]
	bare := strings.TrimLeft(whole, groupMarks)
	if len(frac) == 3 && bare != "0" && bare != "" && !strings.ContainsAny(whole, groupMarks) {
		return 0, ambiguous("%q could be %s thousand or a fraction; say which is the decimal mark", s, strings.TrimSpace(whole))
	}
	return mark, nil
}

// ungroup removes the group marks from the whole part of a number,
// checking that they fall every three digits.
func ungroup(s, whole, group string) (string, error) {
	parts := strings.FieldsFunc(whole, func(r rune) bool { return strings.ContainsRune(group, r) })
	if len(parts) == 0 {
		return "0", nil
	}
	for i, p := range parts {
		if !digitsOnly(p) || p == "" {
			return "", invalid("%q is not a number", s)
		}
		if i > 0 && len(p) != 3 || i == 0 && len(parts) > 1 && len(p) > 3 {
			return "", invalid("%q has its thousands separators in the wrong places", s)
		}
	}
	if strings.ContainsAny(whole[len(whole)-1:], group) || strings.ContainsAny(whole[:1], group) {
		return "", invalid("%q is not a number", s)
	}
	return strings.Join(parts, ""), nil
}

func scientific(s, text string, neg bool) (string, error) {
	f, err := strconv.ParseFloat(strings.Replace(text, ",", ".", 1), 64)
	if err != nil {
		return "", invalid("%q is not a number", s)
	}
	if neg {
		f = -f
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// DecimalMark decides a column's decimal mark from the values that tell
// it (1,5 or 1.234,56); values like 1,234 alone leave it unknown and are
// reported as ambiguous. A column with both marks is an error.
func DecimalMark(values []string) (rune, error) {
	var comma, point, unsure string
	for _, v := range values {
		text := strings.TrimSpace(v)
		if strings.ContainsAny(text, "eE") || !strings.ContainsAny(text, ".,") {
			continue
		}
		mark, err := decimalMark(v, text)
		switch {
		case err != nil && unsure == "":
			unsure = v
		case err != nil:
		case mark == ',' && comma == "":
			comma = v
		case mark == '.' && point == "":
			point = v
		}
	}
	switch {
	case comma != "" && point != "":
		return 0, invalid("the column mixes decimal commas (%q) with decimal points (%q)", comma, point)
	case comma != "":
		return ',', nil
	case point != "":
		return '.', nil
	case unsure != "":
		return 0, ambiguous("no number in the column says whether %q is a decimal or grouped thousands; choose the decimal mark", unsure)
	}
	return 0, nil
}
