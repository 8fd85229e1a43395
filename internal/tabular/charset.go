package tabular

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	xunicode "golang.org/x/text/encoding/unicode"
)

// charset is a text encoding with the name Settings show.
type charset struct {
	name string
	enc  encoding.Encoding // nil for UTF-8, which is read as it is
	bom  int               // bytes of byte order mark to skip
}

// singleByte are the legacy charsets detection weighs, in the order that
// breaks ties: the Windows code page before the ISO one that reads the
// same text the same way.
var singleByte = []charset{
	{name: "windows-1251", enc: charmap.Windows1251},
	{name: "koi8-r", enc: charmap.KOI8R},
	{name: "iso-8859-5", enc: charmap.ISO8859_5},
	{name: "windows-1250", enc: charmap.Windows1250},
	{name: "iso-8859-2", enc: charmap.ISO8859_2},
	{name: "windows-1257", enc: charmap.Windows1257},
	{name: "iso-8859-13", enc: charmap.ISO8859_13},
	{name: "iso-8859-16", enc: charmap.ISO8859_16},
	{name: "windows-1252", enc: charmap.Windows1252},
}

// alphabets are the letters beyond ASCII of the languages Rapport speaks
// and their neighbours, lower case; a decoding whose letters belong to one
// of them reads as real text.
var alphabets = []string{
	"абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіїєґ", // Russian, Kazakh, Ukrainian
	"ąćęłńóśźż", // Polish
	"ąčęėįšųūž", // Lithuanian
	"ăâîșțşţ",   // Romanian (comma and cedilla)
	"àâäçéèêëîïôöùûüÿñßáíóúæøåœ", // Western European
}

// frequent are the most common Russian letters: among Cyrillic decodings,
// which all yield letters, the right one yields these most.
const frequent = "оеаинтсрвлк"

// harmless are the punctuation marks beyond ASCII that real text holds.
const harmless = "«»„“”‘’–—…№·°€§"

// detectCharset reads the byte order mark, else takes UTF-8 when the
// sample is valid UTF-8, else the single-byte charset whose reading of
// the sample scores best.
func detectCharset(sample []byte, complete bool) charset {
	switch {
	case bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")):
		return charset{name: "utf-8", bom: 3}
	case bytes.HasPrefix(sample, []byte("\xFF\xFE")):
		return charset{name: "utf-16le", enc: xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), bom: 2}
	case bytes.HasPrefix(sample, []byte("\xFE\xFF")):
		return charset{name: "utf-16be", enc: xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), bom: 2}
	}
	if validUTF8(sample, complete) {
		return charset{name: "utf-8"}
	}
	best, bestScore := singleByte[0], 0.0
	for i, c := range singleByte {
		text, _ := c.enc.NewDecoder().Bytes(sample)
		if s := score(string(text)); i == 0 || s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// validUTF8 reports whether sample is UTF-8, allowing a rune cut at the
// end of a sample that is not the whole file.
func validUTF8(sample []byte, complete bool) bool {
	if !complete {
		for i := 1; i < utf8.UTFMax && i <= len(sample); i++ {
			if tail := sample[len(sample)-i:]; utf8.RuneStart(tail[0]) {
				if !utf8.FullRune(tail) {
					sample = sample[:len(sample)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(sample)
}

// score rates how much text looks like words of one language: each letter
// beyond ASCII counts for the alphabet that holds most of them; letters
// of none of the alphabets, undefined bytes, symbols other than common
// punctuation, words mixing scripts and capitals inside lower-case words
// count against.
func score(text string) float64 {
	perAlphabet := make([]float64, len(alphabets))
	penalty := 0.0
	var prev rune
	var wordScripts int // bit 1 Latin, bit 2 Cyrillic
	for _, r := range text {
		if !unicode.IsLetter(r) {
			if wordScripts == 3 {
				penalty += 3
			}
			wordScripts = 0
		} else {
			if unicode.Is(unicode.Cyrillic, r) {
				wordScripts |= 2
			} else if unicode.Is(unicode.Latin, r) {
				wordScripts |= 1
			}
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				penalty += 3
			}
		}
		prev = r
		if r < utf8.RuneSelf {
			continue
		}
		switch {
		case r == utf8.RuneError || r >= 0x80 && r <= 0x9F:
			penalty += 5
		case unicode.IsLetter(r):
			lower := unicode.ToLower(r)
			known := false
			for _, a := range alphabets {
				known = known || strings.ContainsRune(a, lower)
			}
			for i, a := range alphabets {
				switch {
				case strings.ContainsRune(a, lower):
					perAlphabet[i] += 2
				case known:
					perAlphabet[i] += 0.5
				default: // a letter of no language here: Ђ, ŕ, đ, ű
					perAlphabet[i]--
				}
			}
			if strings.ContainsRune(frequent, lower) {
				perAlphabet[0]++
			}
			if lower == 'ș' || lower == 'ț' { // the right Romanian letters, over the cedilla look-alikes
				perAlphabet[3] += 0.25
			}
		case !strings.ContainsRune(harmless, r) && !unicode.IsSpace(r):
			penalty += 2
		}
	}
	best := perAlphabet[0]
	for _, s := range perAlphabet[1:] {
		best = max(best, s)
	}
	return best - penalty
}

// namedCharset looks up an encoding the caller names.
func namedCharset(label string, sample []byte) (charset, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return charset{}, fmt.Errorf("%w: unknown encoding %q", ErrEncoding, label)
	}
	name, _ := htmlindex.Name(enc)
	c := charset{name: name, enc: enc}
	switch name {
	case "utf-8":
		c.enc = nil
		if bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")) {
			c.bom = 3
		}
	case "utf-16le", "utf-16be":
		order := xunicode.LittleEndian
		bom := "\xFF\xFE"
		if name == "utf-16be" {
			order, bom = xunicode.BigEndian, "\xFE\xFF"
		}
		c.enc = xunicode.UTF16(order, xunicode.IgnoreBOM)
		if bytes.HasPrefix(sample, []byte(bom)) {
			c.bom = 2
		}
	}
	return c, nil
}
