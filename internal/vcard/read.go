package vcard

import (
	"bytes"
	"errors"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	govcard "github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/rapport-crm/rapport/internal/fault"
)

// MaxCards is the most vCards one import reads.
const MaxCards = 1000

// Read returns the contact of every vCard in data, in order. Data that
// holds no vCard, or a card the library cannot read, is invalid input
// naming the card by its index (cards[0] is the first).
func Read(data []byte) ([]Contact, error) {
	cards, err := Decode(data)
	if err != nil {
		return nil, err
	}
	out := make([]Contact, len(cards))
	for i, card := range cards {
		out[i] = FromCard(card)
	}
	return out, nil
}

// Decode returns the vCards in data as the library reads them, once vCard
// 2.1's bare parameters, quoted-printable values and charsets are turned
// into what vCard 3.0 and 4.0 write: a TYPE or ENCODING parameter and a
// UTF-8 value.
func Decode(data []byte) ([]govcard.Card, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fault.Field("cards", "required", "the file holds no vCard")
	}
	dec := govcard.NewDecoder(strings.NewReader(legacy(data)))
	var cards []govcard.Card
	for {
		card, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		name := "cards[" + strconv.Itoa(len(cards)) + "]"
		if err != nil {
			return nil, fault.Field(name, "vcard", "is not a vCard: %s", strings.TrimPrefix(err.Error(), "vcard: "))
		}
		if len(cards) == MaxCards {
			return nil, fault.Field("cards", "too_many", "a file may hold at most %d vCards", MaxCards)
		}
		decodeValues(card)
		cards = append(cards, card)
	}
	if len(cards) == 0 {
		return nil, fault.Field("cards", "required", "the file holds no vCard")
	}
	return cards, nil
}

// encodings are the bare vCard 2.1 parameters that name an encoding; any
// other bare parameter is a type (TEL;WORK;VOICE).
var encodings = map[string]bool{"QUOTED-PRINTABLE": true, "BASE64": true, "B": true, "8BIT": true, "7BIT": true}

// property is the name and parameters of a content line, before its
// first colon, with no quotes among them.
var property = regexp.MustCompile(`^([A-Za-z0-9.-]+)((?:;[^:;"]*)*):`)

// legacy rewrites what vCard 2.1 writes differently: a bare parameter
// becomes TYPE=… or ENCODING=…, and the soft line breaks of a
// quoted-printable value (a line ending in "=") join its lines, which the
// library would otherwise read as separate properties.
func legacy(data []byte) string {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		m := property.FindStringSubmatchIndex(line)
		if m == nil {
			b.WriteString(line)
			b.WriteString("\r\n")
			continue
		}
		params := strings.Split(line[m[4]:m[5]], ";")[1:]
		qp := false
		for j, p := range params {
			up := strings.ToUpper(strings.TrimSpace(p))
			switch {
			case encodings[up]:
				params[j] = "ENCODING=" + up
			case up != "" && !strings.Contains(up, "="):
				params[j] = "TYPE=" + up
			}
			qp = qp || strings.HasSuffix(up, "QUOTED-PRINTABLE")
		}
		value := line[m[1]:]
		for qp && strings.HasSuffix(value, "=") && i+1 < len(lines) {
			i++
			value = value[:len(value)-1] + strings.TrimLeft(lines[i], " \t")
		}
		b.WriteString(line[:m[3]])
		for _, p := range params {
			if p != "" {
				b.WriteString(";" + p)
			}
		}
		b.WriteString(":" + value + "\r\n")
	}
	return b.String()
}

// decodeValues decodes quoted-printable values and turns values in another
// charset into UTF-8. A value that is not UTF-8 and names no charset is
// read as Windows-1252, which is what old Outlook and phones write.
func decodeValues(card govcard.Card) {
	for _, fields := range card {
		for _, f := range fields {
			if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
				if v, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(f.Value))); err == nil {
					f.Value = string(v)
				}
				delete(f.Params, "ENCODING")
			}
			if cs := f.Params.Get("CHARSET"); cs != "" {
				if enc, err := htmlindex.Get(cs); err == nil {
					if v, err := enc.NewDecoder().String(f.Value); err == nil {
						f.Value = v
					}
				}
				delete(f.Params, "CHARSET")
			}
			if !utf8.ValidString(f.Value) {
				f.Value, _ = charmap.Windows1252.NewDecoder().String(f.Value)
			}
		}
	}
}
