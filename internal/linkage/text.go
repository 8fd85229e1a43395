package linkage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// cyrillic spells the Cyrillic letters of Russian, Ukrainian, Belarusian
// and Kazakh in Latin, close to the passport romanisation (ICAO 9303), so
// that "Дмитрий Иванов" and "Dmitrii Ivanov" compare as one spelling; the
// other romanisations ("Dmitry", "Dmitriy") are left to the phonetic code.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "iu", 'я': "ia",
	// Ukrainian and Belarusian
	'є': "ie", 'і': "i", 'ї': "i", 'ґ': "g", 'ў': "u",
	// Kazakh
	'ә': "a", 'ғ': "g", 'қ': "k", 'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h",
}

// latin spells the Latin letters that do not decompose into a base letter
// and a mark.
var latin = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ß': "ss", 'ł': "l", 'đ': "d", 'þ': "th", 'ı': "i",
}

// fold returns a transformer that strips diacritics ("Zoë" becomes "Zoe",
// "Łukasz" keeps its ł for the table above). Each use needs its own: a
// chained transformer keeps state between calls.
func fold() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// bases maps the precomposed Latin letters (Latin-1 Supplement, Extended
// A and B, Extended Additional) to their base letter, computed once from
// their canonical decomposition.
var bases = func() map[rune]rune {
	m := map[rune]rune{}
	for _, block := range [][2]rune{{0xC0, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := block[0]; r <= block[1]; r++ {
			d := norm.NFD.String(string(r))
			if first, size := utf8.DecodeRuneInString(d); size < len(d) && first < utf8.RuneSelf {
				m[r] = first
			}
		}
	}
	return m
}()

// foldMarks strips diacritics from precomposed Latin letters by table,
// and from anything else through Unicode decomposition.
func foldMarks(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
		} else if base, ok := bases[r]; ok {
			b.WriteByte(byte(base))
		} else if unicode.Is(unicode.Mn, r) {
			continue
		} else if d := norm.NFD.String(string(r)); d != string(r) {
			if f, _, err := transform.String(fold(), d); err == nil {
				b.WriteString(f)
			}
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// words splits s into normalised words: lower case, Cyrillic spelt in
// Latin, diacritics folded, apostrophes and dots dropped ("O'Brien" is
// "obrien", "St." is "st"), any other character that is not a letter or
// digit a separator.
func words(s string) []string {
	if ascii(s) {
		return asciiWords(s)
	}
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if t, ok := cyrillic[r]; ok {
			b.WriteString(t)
		} else if t, ok := latin[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	s = b.String()
	if !ascii(s) {
		s = foldMarks(s)
	}
	return anyWords(s)
}

// anyWords splits s, transliterated and folded, into words.
func anyWords(s string) []string {
	return strings.FieldsFunc(strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’' || r == '.' || r == '`':
			return -1
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			return unicode.ToLower(r)
		}
		return ' '
	}, s), func(r rune) bool { return r == ' ' })
}

// asciiWords is anyWords for a string of ASCII characters, most names,
// e-mails and addresses: the same words in one pass and two allocations,
// as every record is prepared again at each rescore.
func asciiWords(s string) []string {
	buf := make([]byte, 0, len(s))
	n := 0 // words
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '.' || c == '`':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		default:
			if len(buf) > 0 && buf[len(buf)-1] != ' ' {
				buf = append(buf, ' ')
			}
			continue
		}
		if len(buf) == 0 || buf[len(buf)-1] == ' ' {
			n++
		}
		buf = append(buf, c)
	}
	if n == 0 {
		return nil
	}
	all, out := string(buf), make([]string, 0, n)
	for w := range strings.FieldsSeq(all) {
		out = append(out, w)
	}
	return out
}

// phonetic is a short sound code of a normalised word, a simplification of
// the Metaphone family written for the names Rapport meets (English and
// romanised Slavic, Baltic and Romanian): letters that sound alike are
// merged (ph=f, w=v, x=ks, q/c/ck=k, z=s, j/y=i, kh/h dropped, sh/sch/ch/
// zh/cz/sz=s), doubled letters collapse, and vowels after the first letter
// are dropped; the first letter stays (a leading vowel reads "a"). So
// "Aleksandr" and "Alexander", "Sergey" and "Sergei", "Yuri" and "Iurii",
// "Schmidt" and "Shmidt" share a code. Digits are kept as they are.
var sounds = strings.NewReplacer(
	"shch", "s", "sch", "s", "tch", "c", "sh", "s", "sz", "s", "cz", "c", "ch", "c", "zh", "s", "kh", "",
	"ph", "f", "ck", "k", "x", "ks", "q", "k", "w", "v", "z", "s", "j", "i", "y", "i", "ts", "c", "tz", "c",
	"dt", "t", "th", "t", "gh", "g", "h", "",
)

func phonetic(w string) string {
	if w == "" || !ascii(w) {
		return w // letters outside Latin (Greek, Georgian, CJK…) are their own code
	}
	s := w
	if strings.ContainsAny(w, "hwxqjyzc") || strings.Contains(w, "ts") || strings.Contains(w, "dt") || strings.Contains(w, "sz") {
		s = sounds.Replace(w)
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'c':
			// c before e/i sounds s, elsewhere k
			if i+1 < len(s) && (s[i+1] == 'e' || s[i+1] == 'i') {
				c = 's'
			} else {
				c = 'k'
			}
		case 'e', 'i', 'o', 'u', 'a':
			if len(b) > 0 {
				continue
			}
			c = 'a'
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	if len(b) == 0 {
		return w[:1]
	}
	return string(b)
}
