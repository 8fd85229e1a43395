package cell

import (
	"strings"

	"github.com/bojanz/currency"
)

// Money is an amount in minor units of a currency, as the engine stores
// money.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// localSigns are the ways people write currencies that CLDR's symbols
// (below) lack: words and abbreviations of the languages Rapport speaks.
var localSigns = map[string]string{
	"руб": "RUB", "руб.": "RUB", "р.": "RUB", "₽": "RUB",
	"тг": "KZT", "тг.": "KZT", "тенге": "KZT", "₸": "KZT",
	"zł": "PLN", "zl": "PLN", "lei": "RON", "leu": "RON",
	"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₴": "UAH", "грн": "UAH",
}

// signs maps currency symbols to codes: CLDR's symbol of every currency
// in each of Rapport's languages (through bojanz/currency) where only one
// currency has it, and localSigns.
var signs = currencySigns()

func currencySigns() map[string]string {
	found := map[string]map[string]bool{}
	for _, code := range currency.GetCurrencyCodes() {
		for _, lang := range []string{"en", "ru", "pl", "lt", "ro", "kk"} {
			if sym, ok := currency.GetSymbol(code, currency.NewLocale(lang)); ok && sym != code {
				if found[sym] == nil {
					found[sym] = map[string]bool{}
				}
				found[sym][code] = true
			}
		}
	}
	out := map[string]string{}
	for sym, codes := range found {
		if len(codes) == 1 {
			for code := range codes {
				out[strings.ToLower(sym)] = code
			}
		}
	}
	for sign, code := range localSigns {
		out[strings.ToLower(sign)] = code
	}
	return out
}

// ParseMoney reads an amount with an optional currency before or after
// it, as a code (EUR 12,50; 12.50 USD) or a sign ($12.50; 1 234,56 ₽;
// 5000 тг; 12 zł). fallback is the currency of an amount that names none
// (the workspace's base currency); mark is the decimal mark as for
// Number. An amount with more decimals than its currency has is an
// error, not rounded.
func ParseMoney(s string, mark rune, fallback string) (Money, error) {
	text := strings.TrimSpace(s)
	number, code := splitCurrency(text)
	if code == "" {
		code = strings.ToUpper(fallback)
	}
	if code == "" {
		return Money{}, invalid("%q names no currency", s)
	}
	if unknown, ok := strings.CutPrefix(code, "?"); ok {
		return Money{}, invalid("%q: %q is not a currency sign or code Rapport knows", s, unknown)
	}
	if !currency.IsValid(code) {
		return Money{}, invalid("%q: %s is not an ISO 4217 currency code", s, code)
	}
	n, err := Number(number, mark)
	if err != nil {
		return Money{}, err
	}
	digits, _ := currency.GetDigits(code)
	if _, frac, ok := strings.Cut(n, "."); ok && len(strings.TrimRight(frac, "0")) > int(digits) {
		return Money{}, invalid("%q has more decimals than %s has (%d)", s, code, digits)
	}
	a, err := currency.NewAmount(n, code)
	if err != nil {
		return Money{}, invalid("%q is not an amount", s)
	}
	minor, err := a.Int64()
	if err != nil {
		return Money{}, invalid("%q is too large an amount", s)
	}
	return Money{Amount: minor, Currency: code}, nil
}

// splitCurrency takes a currency code or sign off either end of text.
func splitCurrency(text string) (number, code string) {
	lower := strings.ToLower(text)
	for i, r := range lower {
		if r >= '0' && r <= '9' || r == '-' || r == '+' || r == '−' || r == '.' || r == ',' {
			if i == 0 {
				break
			}
			if c := codeOf(strings.TrimSpace(lower[:i])); c != "" {
				return strings.TrimSpace(text[i:]), c
			}
			return text, ""
		}
	}
	end := strings.LastIndexFunc(lower, func(r rune) bool { return r >= '0' && r <= '9' })
	if end < 0 || end == len(lower)-1 {
		return text, ""
	}
	if c := codeOf(strings.TrimSpace(lower[end+1:])); c != "" {
		return strings.TrimSpace(text[:end+1]), c
	}
	return text, ""
}

func codeOf(sign string) string {
	if sign == "" {
		return ""
	}
	if code, ok := signs[sign]; ok {
		return code
	}
	if up := strings.ToUpper(sign); len(up) == 3 && currency.IsValid(up) {
		return up
	}
	return "?" + sign
}
