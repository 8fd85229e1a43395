package locale

import (
	"embed"
	"encoding/json"
	"fmt"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

//go:embed messages/*.json
var files embed.FS

// entry is one message of the catalogue: a text, or for a key counted with
// N, a text per CLDR plural form.
type entry struct {
	text  string
	forms map[plural.Form]string
}

// formNames are the CLDR plural categories as the catalogue spells them.
var formNames = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

func (m *entry) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &m.text); err == nil {
		return nil
	}
	var forms map[string]string
	if err := json.Unmarshal(b, &forms); err != nil {
		return fmt.Errorf("a message is a string or an object of plural forms: %w", err)
	}
	m.forms = map[plural.Form]string{}
	for name, text := range forms {
		f, ok := formNames[name]
		if !ok {
			return fmt.Errorf("%q is not a CLDR plural form", name)
		}
		m.forms[f] = text
	}
	if _, ok := m.forms[plural.Other]; !ok {
		return fmt.Errorf("plural forms lack \"other\"")
	}
	return nil
}

// readCatalogue reads the embedded messages of one language.
func readCatalogue(lang string) (map[string]entry, error) {
	b, err := files.ReadFile("messages/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	var messages map[string]entry
	if err := json.Unmarshal(b, &messages); err != nil {
		return nil, fmt.Errorf("messages/%s.json: %w", lang, err)
	}
	return messages, nil
}

// loadPrinters builds the printer of every supported language. The
// catalogue is part of the binary, so a broken file is a build defect:
// it stops the program at start, where every test sees it.
func loadPrinters() map[string]*Printer {
	printers := make(map[string]*Printer, len(Languages))
	for _, lang := range Languages {
		messages, err := readCatalogue(lang)
		if err != nil {
			panic("locale: " + err.Error())
		}
		tag := language.MustParse(lang)
		printers[lang] = &Printer{lang: lang, tag: tag, messages: messages, format: newFormats(lang, tag)}
	}
	return printers
}
