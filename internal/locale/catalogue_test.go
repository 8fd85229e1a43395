package locale_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// dynamicPrefixes are the key prefixes that code builds at run time, so
// no literal key under them appears in the source:
//   - error.<code>: FieldError looks up the code of an engine field error;
//   - object.<plural>.*: pages name an object from its metadata;
//   - language.<lang>: Name and the language picker go through Languages.
var dynamicPrefixes = []string{"error.", "object.", "language."}

// englishOnly are field error codes that only an API client meets (JSON
// syntax, cursors, sorts, filter trees, query cost, headers): their
// English messages are precise instructions to a developer, which a
// generic translation would only blur, so they have no error.<code> key.
var englishOnly = []string{"content_type", "cost", "cursor", "depth", "field", "json",
	"mismatch", "op", "shape", "sort", "sortable", "without_password"}

// catalogue is one language's file as a test reads it: each key's text,
// or its plural forms.
type catalogue map[string]any

func readCatalogue(t *testing.T, lang string) catalogue {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("messages", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var c catalogue
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return c
}

// texts returns every text of a message: the string, or each plural form.
func texts(v any) map[string]string {
	switch v := v.(type) {
	case string:
		return map[string]string{"": v}
	case map[string]any:
		out := map[string]string{}
		for form, text := range v {
			s, _ := text.(string)
			out[form] = s
		}
		return out
	}
	return nil
}

func TestEveryKeyIsInEveryLanguage(t *testing.T) {
	en := readCatalogue(t, "en")
	for _, lang := range locale.Languages {
		c := readCatalogue(t, lang)
		for key := range en {
			if _, ok := c[key]; !ok {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
		for key, v := range c {
			if _, ok := en[key]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, key)
			}
			for form, text := range texts(v) {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s %q %s is empty", lang, key, form)
				}
			}
		}
	}
}

// cldrForms returns the plural forms that CLDR's rules give lang, found by
// asking x/text about whole numbers and decimals with up to two fraction
// digits: the forms a catalogue needs so that every count finds its text.
func cldrForms(lang string) []string {
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	tag := language.MustParse(lang)
	seen := map[string]bool{}
	for i := 0; i <= 1000; i++ {
		seen[names[plural.Cardinal.MatchPlural(tag, i, 0, 0, 0, 0)]] = true
		for f := 0; f < 100; f++ {
			// f/100 with two visible fraction digits, and t (w digits)
			// as f without trailing zeros.
			t, w := f, 2
			for t > 0 && t%10 == 0 {
				t, w = t/10, w-1
			}
			if t == 0 {
				w = 0
			}
			seen[names[plural.Cardinal.MatchPlural(tag, i, 2, w, f, t)]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func TestPluralKeysHaveTheFormsOfTheirLanguage(t *testing.T) {
	want := map[string][]string{ // what the brief of each language says CLDR gives
		"en": {"one", "other"}, "ru": {"few", "many", "one", "other"},
		"pl": {"few", "many", "one", "other"}, "lt": {"few", "many", "one", "other"},
		"ro": {"few", "one", "other"}, "kk": {"one", "other"},
	}
	for _, lang := range locale.Languages {
		forms := cldrForms(lang)
		if !slices.Equal(forms, want[lang]) {
			t.Errorf("CLDR gives %s the forms %v, want %v", lang, forms, want[lang])
		}
		for key, v := range readCatalogue(t, lang) {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, forms) {
				t.Errorf("%s %q has the forms %v, want %v", lang, key, got, forms)
			}
		}
	}
}

func TestPluralKeysArePluralInEveryLanguage(t *testing.T) {
	en := readCatalogue(t, "en")
	for _, lang := range locale.Languages {
		c := readCatalogue(t, lang)
		for key, v := range en {
			_, enPlural := v.(map[string]any)
			_, plural := c[key].(map[string]any)
			if c[key] != nil && plural != enPlural {
				t.Errorf("%s %q: plural is %v, in English %v", lang, key, plural, enPlural)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func placeholders(text string) []string {
	return slices.Compact(slices.Sorted(slices.Values(placeholder.FindAllString(text, -1))))
}

func TestPlaceholdersAreTheSameAsInEnglish(t *testing.T) {
	en := readCatalogue(t, "en")
	for _, lang := range locale.Languages {
		for key, v := range readCatalogue(t, lang) {
			want := placeholders(texts(en[key])[""] + texts(en[key])["other"])
			for form, text := range texts(v) {
				if got := placeholders(text); !slices.Equal(got, want) {
					t.Errorf("%s %q %s has placeholders %v, English %v", lang, key, form, got, want)
				}
			}
		}
	}
}

func TestEveryObjectHasItsNames(t *testing.T) {
	objects := []string{"lists"} // the definitions of a workspace's own lists
	for _, o := range records.StandardObjects() {
		objects = append(objects, o.Plural)
	}
	en := readCatalogue(t, "en")
	for _, o := range objects {
		for _, part := range []string{"name", "one", "count"} {
			if _, ok := en["object."+o+"."+part]; !ok {
				t.Errorf("the catalogue lacks object.%s.%s", o, part)
			}
		}
	}
}

// source walks the files of internal/ and cmd/ that may name keys, other
// than this package's tests, which name missing keys on purpose.
func source(t *testing.T, visit func(path, text string)) {
	t.Helper()
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".go", ".html", ".tmpl", ".gohtml":
			default:
				return nil
			}
			if filepath.Dir(path) == "../../internal/locale" && strings.HasSuffix(path, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			visit(path, string(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// keyUses find a whole literal key in Go (p.T("key", p.N("key") and in
// templates ({{t "key", {{- n "key", (t "key"), with the function that
// uses it; a literal that code extends, p.T("language." + lang), is a
// prefix and no key.
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`\.([TN])\(\s*"([^"]+)"\s*[,)]`),
	regexp.MustCompile(`(?:\{\{-?|\()\s*([tn])\s+"([^"]+)"`),
}

// use is where a key is used, and whether by N (counted) or T.
type use struct {
	path    string
	counted bool
}

func usedKeys(t *testing.T) map[string][]use {
	used := map[string][]use{}
	source(t, func(path, text string) {
		for _, re := range keyUses {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				used[m[2]] = append(used[m[2]], use{path, strings.EqualFold(m[1], "n")})
			}
		}
	})
	return used
}

func TestEveryKeyUsedExists(t *testing.T) {
	en := readCatalogue(t, "en")
	used := usedKeys(t)
	if _, ok := used["format.datetime"]; !ok {
		t.Fatal("the scan of the source found no use of format.datetime, which DateTime uses")
	}
	for key, uses := range used {
		v, ok := en[key]
		if !ok {
			t.Errorf("%q, used in %s, is not in the catalogue", key, uses[0].path)
			continue
		}
		_, counted := v.(map[string]any)
		for _, u := range uses {
			if u.counted != counted {
				t.Errorf("%q is used by %s in %s, but it is a %s", key,
					map[bool]string{true: "N", false: "T"}[u.counted], u.path,
					map[bool]string{true: "counted key (N)", false: "text (T)"}[counted])
			}
		}
	}
}

func TestEveryKeyIsUsed(t *testing.T) {
	used := usedKeys(t)
	for key := range readCatalogue(t, "en") {
		dynamic := slices.ContainsFunc(dynamicPrefixes, func(p string) bool { return strings.HasPrefix(key, p) })
		if _, ok := used[key]; !ok && !dynamic {
			t.Errorf("%q is used nowhere in internal/ or cmd/", key)
		}
	}
}

func TestEveryLanguageIsNamed(t *testing.T) {
	en := readCatalogue(t, "en")
	for _, lang := range locale.Languages {
		if _, ok := en["language."+lang]; !ok {
			t.Errorf("the catalogue lacks language.%s", lang)
		}
	}
}

// fieldErrorCodes find the codes of field errors in the engine's source.
var fieldErrorCodes = []*regexp.Regexp{
	regexp.MustCompile(`(?:fault\.Field|\.Add|\bbad)\([^,\n]*,\s*"([a-z_]+)"`),
	regexp.MustCompile(`Code:\s*"([a-z_]+)"`),
}

func TestEveryFieldErrorCodeIsTranslatedOrKeptInEnglish(t *testing.T) {
	en := readCatalogue(t, "en")
	codes := map[string]string{}
	source(t, func(path, text string) {
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return
		}
		for _, re := range fieldErrorCodes {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				codes[m[1]] = path
			}
		}
	})
	if codes["required"] == "" {
		t.Fatal("the scan of the source found no field error code \"required\"")
	}
	for code, path := range codes {
		_, keyed := en["error."+code]
		if !keyed && !slices.Contains(englishOnly, code) {
			t.Errorf("field error code %q (%s) has no key error.%s and is not kept in English", code, path, code)
		}
	}
	for _, code := range englishOnly {
		if _, keyed := en["error."+code]; keyed {
			t.Errorf("%q is kept in English but has a key error.%s", code, code)
		}
	}
}

// TestFilesAreSortedByKey keeps each language's file in key order (as
// `jq -S --indent 2` writes it), so that keys added for different pages
// land in different places of the file and merge without conflicts, and
// a reader finds a page's keys together.
func TestFilesAreSortedByKey(t *testing.T) {
	for _, lang := range locale.Languages {
		b, err := os.ReadFile(filepath.Join("messages", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		if _, err := dec.Token(); err != nil { // the opening brace
			t.Fatal(err)
		}
		last := ""
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%s.json: %v", lang, err)
			}
			key, _ := tok.(string)
			if key < last {
				t.Errorf("%s.json: %q comes after %q; sort the file with jq -S --indent 2", lang, key, last)
			}
			last = key
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("%s.json: %v", lang, err)
			}
		}
	}
}
