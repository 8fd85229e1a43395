package locale_test

import (
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

func TestNegotiate(t *testing.T) {
	cases := []struct{ header, want string }{
		{"", "en"},
		{"ru", "ru"},
		{"ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"},
		{"de-AT,de;q=0.9,pl;q=0.5", "pl"}, // the first language we have
		{"kk-KZ", "kk"},
		{"lt-LT,en;q=0.5", "lt"},
		{"ro-MD", "ro"},
		{"en-GB", "en"},
		{"en;q=0.5,ru;q=0.9", "ru"}, // by quality, not order
		{"de,fr", "en"},
		{"*", "en"},
		{"not a header;;", "en"},
		{"ru;q=0,pl", "pl"}, // q=0 says "not Russian"
	}
	for _, c := range cases {
		if got := locale.Negotiate(c.header); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestForGivesEnglishToAnUnsupportedLanguage(t *testing.T) {
	for _, lang := range locale.Languages {
		if !locale.Supported(lang) {
			t.Errorf("%s is not supported", lang)
		}
		if got := locale.For(lang).Lang(); got != lang {
			t.Errorf("For(%q).Lang() = %q", lang, got)
		}
	}
	for _, lang := range []string{"", "de", "RU", "en-US"} {
		if locale.Supported(lang) {
			t.Errorf("%q is supported", lang)
		}
		if got := locale.For(lang).Lang(); got != "en" {
			t.Errorf("For(%q).Lang() = %q, want en", lang, got)
		}
	}
}

func TestNameIsTheLanguagesOwnName(t *testing.T) {
	want := map[string]string{"en": "English", "ru": "Русский", "ro": "Română",
		"pl": "Polski", "lt": "Lietuvių", "kk": "Қазақ тілі"}
	for _, lang := range locale.Languages {
		if got := locale.For(lang).Name(); got != want[lang] {
			t.Errorf("For(%q).Name() = %q, want %q", lang, got, want[lang])
		}
	}
}

func TestTFillsPlaceholders(t *testing.T) {
	ru, lt := locale.For("ru"), locale.For("lt")
	cases := []struct {
		name, got, want string
	}{
		{"translated", ru.T("object.deals.name"), "Сделки"},
		{"filled", ru.T("format.datetime", "date", "A", "time", "B"), "A, B"},
		{"the language's own order", lt.T("format.datetime", "date", "A", "time", "B"), "A B"},
		{"integers as numbers", ru.T("format.datetime", "date", 1234, "time", "B"), "1\u00a0234, B"},
		{"an unfilled placeholder shows", ru.T("format.datetime", "date", "A"), "A, {time}"},
		{"a missing key shows", ru.T("no.such.key"), "no.such.key"},
		{"a plural key needs N", ru.T("object.deals.count"), "object.deals.count"},
		{"N needs a plural key", ru.N("object.deals.name", 2), "object.deals.name"},
		{"N of a missing key", ru.N("no.such.key", 2), "no.such.key"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestNPicksThePluralForm(t *testing.T) {
	cases := []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 0, "0 contacts"},
		{"en", 1, "1 contact"},
		{"en", 2, "2 contacts"},
		{"en", 1000, "1,000 contacts"},
		{"ru", 1, "1 контакт"},
		{"ru", 2, "2 контакта"},
		{"ru", 5, "5 контактов"},
		{"ru", 11, "11 контактов"},
		{"ru", 21, "21 контакт"},
		{"ru", 22, "22 контакта"},
		{"ru", 111, "111 контактов"},
		{"ru", 0, "0 контактов"},
		{"ru", -1, "-1 контакт"},
		{"ru", 1001, "1\u00a0001 контакт"},
		{"pl", 1, "1 kontakt"},
		{"pl", 2, "2 kontakty"},
		{"pl", 5, "5 kontaktów"},
		{"pl", 12, "12 kontaktów"},
		{"pl", 22, "22 kontakty"},
		{"pl", 21, "21 kontaktów"},
		{"pl", 0, "0 kontaktów"},
		{"lt", 1, "1 kontaktas"},
		{"lt", 2, "2 kontaktai"},
		{"lt", 9, "9 kontaktai"},
		{"lt", 10, "10 kontaktų"},
		{"lt", 11, "11 kontaktų"},
		{"lt", 21, "21 kontaktas"},
		{"lt", 0, "0 kontaktų"},
		{"ro", 1, "1 contact"},
		{"ro", 2, "2 contacte"},
		{"ro", 19, "19 contacte"},
		{"ro", 20, "20 de contacte"},
		{"ro", 101, "101 contacte"},
		{"kk", 1, "1 контакт"},
		{"kk", 5, "5 контакт"},
	}
	for _, c := range cases {
		if got := locale.For(c.lang).N("object.contacts.count", c.count); got != c.want {
			t.Errorf("%s N(%d) = %q, want %q", c.lang, c.count, got, c.want)
		}
	}
}

func TestFieldError(t *testing.T) {
	ru := locale.For("ru")
	required := fault.FieldError{Field: "name", Code: "required", Message: "is required"}
	if got := ru.FieldError(required); got != "Обязательное поле." {
		t.Errorf("a known code: got %q", got)
	}
	if got := locale.For("en").FieldError(required); got != "This field is required." {
		t.Errorf("a known code in English: got %q", got)
	}
	odd := fault.FieldError{Field: "", Code: "json", Message: "malformed JSON at byte 3"}
	if got := ru.FieldError(odd); got != odd.Message {
		t.Errorf("a code without a key: got %q, want the English message", got)
	}
	if got := ru.FieldError(fault.FieldError{Code: "no_such_code", Message: "m"}); strings.Contains(got, "error.") {
		t.Errorf("an unknown code shows its key: %q", got)
	}
}
