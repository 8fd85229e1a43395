// Package synth generates synthetic contacts for measuring the matcher:
// clean persons (names in Latin and Cyrillic, birthdays, addresses,
// phones, e-mails) and corrupted copies of some of them, with a fixed
// seed, so that every run produces the same records.
//
// A person has a given and a family name, a birthday, an address, a
// mobile (and a landline in 30% of cases), a personal e-mail and a work
// e-mail, and works at one of 300 companies in half the cases. Every
// record, original or copy, shows what a CRM typically holds, each part
// independently (Shares): in the Rich setting an e-mail with probability
// 0.85 (the work one in a third of those), a phone 0.85 (the landline in
// half of those who have one), a birthday 0.5, an address 0.7, the company
// 0.6; in the Sparse setting 0.7, 0.7, 0.4, 0.6 and 0.5 — so two records
// of one person may share no contact channel, the way a web form and a
// phone call leave different traces.
//
// Each person is copied with probability CopyRate, and a tenth of those
// twice; every copy gets exactly one kind of corruption, chosen uniformly
// from Kinds, and names change case with probability 0.2. Besides,
// RelativeRate of persons have a relative at the same address (same
// family name and landline, other given name, birthday, mobile and
// e-mails), who is a different person: the pairs a matcher must not join.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/linkage"
)

// Kinds of corruption.
const (
	Typo         = "typo"          // one typing slip in each of two fields; the birth year off by one in a third of them
	OCR          = "ocr"           // scanner confusions (o/0, l/1, rn/m, e/c, S/5, B/8) in the family name, street and phone
	Swapped      = "swapped"       // given and family names swapped, address lines in the other order, day and month of birth swapped
	Missing      = "missing"       // each of e-mail, phone, birthday, address and given name dropped with probability 0.5 more
	Nickname     = "nickname"      // given name replaced by a nickname ("Bill", "Саша") or an initial
	ChangedFirst = "changed_first" // another given name (the person goes by a middle name)
	Translit     = "translit"      // Cyrillic names romanised another way ("Дмитрий" as "Dmitriy"), Latin ones without diacritics
	Moved        = "moved"         // another address (street, house, postcode, half the time another town) and half the time another phone
)

// Kinds lists the corruptions.
var Kinds = []string{Typo, OCR, Swapped, Missing, Nickname, ChangedFirst, Translit, Moved}

// Rates of the generator.
const (
	CopyRate     = 0.6
	SecondRate   = 0.1
	RelativeRate = 0.08
)

// Shares are the chances that a record shows each part of a person.
type Shares struct{ Email, Phone, Birthday, Address, Company float64 }

// Settings of the generator.
var (
	Rich   = Shares{Email: 0.85, Phone: 0.85, Birthday: 0.5, Address: 0.7, Company: 0.6}
	Sparse = Shares{Email: 0.7, Phone: 0.7, Birthday: 0.4, Address: 0.6, Company: 0.5}
)

const (
	showWork = 1.0 / 3 // of shown e-mails, the work one when there is one
	employed = 0.5
)

// Record is a generated contact with its truth.
type Record struct {
	linkage.Record
	Person int    // the true person
	Kind   string // the corruption of a copy; "" for an original or a relative
}

type culture struct {
	cyrillic       bool
	given          [][]string // each: full form, then nicknames
	family         []string
	streets        []string
	towns          []string
	country, phone string
	mail           []string
	format         func(street string, house, flat int) []string
}

var cultures = []culture{
	{given: [][]string{{"James", "Jim", "Jimmy"}, {"John", "Jack", "Johnny"}, {"Robert", "Bob", "Rob"}, {"Michael", "Mike"},
		{"William", "Bill", "Will"}, {"David", "Dave"}, {"Richard", "Rick", "Dick"}, {"Joseph", "Joe"}, {"Thomas", "Tom"},
		{"Charles", "Charlie"}, {"Mary"}, {"Patricia", "Pat", "Trish"}, {"Jennifer", "Jen", "Jenny"}, {"Linda"},
		{"Elizabeth", "Liz", "Beth", "Betty"}, {"Barbara"}, {"Susan", "Sue"}, {"Jessica"}, {"Sarah"}, {"Karen"},
		{"Daniel", "Dan", "Danny"}, {"Matthew", "Matt"}, {"Anthony", "Tony"}, {"Christopher", "Chris"},
		{"Margaret", "Maggie", "Peggy"}, {"Catherine", "Kate", "Cathy"}, {"Rebecca", "Becky"}, {"Victoria", "Vicky"},
		{"Samuel", "Sam"}, {"Benjamin", "Ben"}, {"Andrew", "Andy"}, {"Peter", "Pete"}, {"Nicholas", "Nick"},
		{"Timothy", "Tim"}, {"Gregory", "Greg"}, {"Edward", "Ed", "Ted"}, {"Stephen", "Steve"}, {"Deborah", "Debbie"}},
		family: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
			"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
			"Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
			"Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris",
			"Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Howard", "Ward",
			"Richardson", "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Sanders", "Foster", "Fletcher", "Hawkins"},
		streets: []string{"Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Sunset", "Lincoln",
			"Jackson", "Highland", "Franklin", "Jefferson", "Madison", "Ridge", "Church", "Willow", "Meadow"},
		towns:   []string{"Springfield", "Riverside", "Fairview", "Franklin", "Greenville", "Bristol", "Clinton", "Salem", "Madison", "Georgetown"},
		country: "USA", phone: "1", mail: []string{"gmail.com", "yahoo.com", "outlook.com", "aol.com", "comcast.net"},
		format: func(s string, h, f int) []string {
			l := []string{fmt.Sprintf("%d %s Street", h, s)}
			if f > 0 {
				l = append(l, fmt.Sprintf("Apt %d", f))
			}
			return l
		}},
	{cyrillic: true, given: [][]string{{"Александр", "Саша", "Шура"}, {"Алексей", "Алёша", "Лёша"}, {"Дмитрий", "Дима"},
		{"Сергей", "Серёжа"}, {"Андрей", "Андрюша"}, {"Михаил", "Миша"}, {"Николай", "Коля"}, {"Владимир", "Вова", "Володя"},
		{"Иван", "Ваня"}, {"Павел", "Паша"}, {"Евгений", "Женя"}, {"Константин", "Костя"}, {"Юрий", "Юра"}, {"Пётр", "Петя"},
		{"Анна", "Аня"}, {"Мария", "Маша"}, {"Елена", "Лена"}, {"Ольга", "Оля"}, {"Наталья", "Наташа"}, {"Татьяна", "Таня"},
		{"Екатерина", "Катя"}, {"Светлана", "Света"}, {"Юлия", "Юля"}, {"Анастасия", "Настя"}, {"Ирина", "Ира"},
		{"Людмила", "Люда"}, {"Григорий", "Гриша"}, {"Максим"}, {"Артём"}, {"Олег"}},
		family: []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
			"Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов",
			"Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев",
			"Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
			"Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
			"Антонов", "Тарасов", "Жуков", "Шевченко", "Щербаков", "Чернов"},
		streets: []string{"Ленина", "Гагарина", "Мира", "Советская", "Пушкина", "Садовая", "Лесная", "Школьная", "Набережная",
			"Молодёжная", "Центральная", "Чехова", "Кирова", "Некрасова", "Заречная"},
		towns:   []string{"Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург", "Самара", "Тверь", "Пермь"},
		country: "Россия", phone: "7", mail: []string{"mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "rambler.ru"},
		format: func(s string, h, f int) []string {
			l := []string{fmt.Sprintf("ул. %s, д. %d", s, h)}
			if f > 0 {
				l = append(l, fmt.Sprintf("кв. %d", f))
			}
			return l
		}},
	{given: [][]string{{"Piotr", "Piotrek"}, {"Krzysztof", "Krzyś"}, {"Tomasz", "Tomek"}, {"Paweł"}, {"Michał"},
		{"Wojciech", "Wojtek"}, {"Katarzyna", "Kasia"}, {"Małgorzata", "Gosia"}, {"Agnieszka"}, {"Anna", "Ania"},
		{"Jan", "Janek"}, {"Andrzej"}, {"Magdalena", "Magda"}, {"Joanna", "Asia"}},
		family: []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
			"Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski",
			"Grabowski", "Nowakowski", "Pawłowski"},
		streets: []string{"Długa", "Krótka", "Polna", "Leśna", "Słoneczna", "Ogrodowa", "Lipowa", "Kościuszki", "Mickiewicza", "Marszałkowska"},
		towns:   []string{"Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk"},
		country: "Polska", phone: "48", mail: []string{"wp.pl", "onet.pl", "gmail.com", "interia.pl", "o2.pl"},
		format: func(s string, h, f int) []string {
			if f > 0 {
				return []string{fmt.Sprintf("ul. %s %d/%d", s, h, f)}
			}
			return []string{fmt.Sprintf("ul. %s %d", s, h)}
		}},
	{given: [][]string{{"Jonas"}, {"Petras"}, {"Antanas"}, {"Tomas"}, {"Mindaugas"}, {"Ona"}, {"Rūta"}, {"Asta"}, {"Lukas"},
		{"Gintarė"}, {"Darius"}, {"Eglė"}},
		family: []string{"Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas", "Žukauskas", "Butkus",
			"Paulauskas", "Urbonas", "Kavaliauskas", "Navickas", "Ramanauskas"},
		streets: []string{"Gedimino", "Vilniaus", "Kauno", "Laisvės", "Žalgirio", "Savanorių", "Basanavičiaus"},
		towns:   []string{"Vilnius", "Kaunas", "Klaipėda", "Šiauliai"},
		country: "Lietuva", phone: "370", mail: []string{"gmail.com", "inbox.lt", "yahoo.com"},
		format: func(s string, h, f int) []string {
			if f > 0 {
				return []string{fmt.Sprintf("%s g. %d-%d", s, h, f)}
			}
			return []string{fmt.Sprintf("%s g. %d", s, h)}
		}},
	{given: [][]string{{"Andrei"}, {"Mihai"}, {"Ion", "Ionel"}, {"Gheorghe", "Gică"}, {"Elena", "Lenuța"}, {"Ioana"},
		{"Maria", "Mărioara"}, {"Alexandru", "Alex"}, {"Cristina"}, {"Vasile"}},
		family: []string{"Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Stoica", "Munteanu", "Constantin", "Marin",
			"Tudor", "Dobre", "Barbu", "Nistor", "Florea"},
		streets: []string{"Victoriei", "Unirii", "Libertății", "Mihai Eminescu", "Florilor", "Republicii"},
		towns:   []string{"București", "Cluj-Napoca", "Iași", "Timișoara", "Constanța"},
		country: "România", phone: "40", mail: []string{"gmail.com", "yahoo.com", "yahoo.ro"},
		format: func(s string, h, f int) []string {
			l := []string{fmt.Sprintf("Str. %s nr. %d", s, h)}
			if f > 0 {
				l = append(l, fmt.Sprintf("ap. %d", f))
			}
			return l
		}},
	{cyrillic: true, given: [][]string{{"Нұрлан"}, {"Ерлан"}, {"Асқар"}, {"Айгүл"}, {"Динара"}, {"Қайрат"}, {"Бауыржан"}, {"Гүлнар"}},
		family:  []string{"Ахметов", "Омаров", "Сулейменов", "Жумабаев", "Исаев", "Касымов", "Нұрланов", "Байжанов", "Серікбаев"},
		streets: []string{"Абая", "Достык", "Тәуелсіздік", "Сейфуллина", "Жібек жолы"},
		towns:   []string{"Алматы", "Астана", "Шымкент", "Қарағанды"},
		country: "Казахстан", phone: "7", mail: []string{"mail.ru", "gmail.com", "inbox.kz"},
		format: func(s string, h, f int) []string {
			l := []string{fmt.Sprintf("ул. %s, %d", s, h)}
			if f > 0 {
				l = append(l, fmt.Sprintf("кв. %d", f))
			}
			return l
		}},
}

// person is a clean person before corruption: rec holds everything.
type person struct {
	c             *culture
	given, family int
	rec           linkage.Record // Emails: personal, work; Phones: mobile, landline
}

type gen struct {
	r     *rand.Rand
	sh    Shares
	taken map[string]bool // e-mail addresses given out: each belongs to one person
}

// Generate returns n persons' records, copies and relatives, in a fixed
// order for a seed, each record showing parts of its person at the rates
// of sh.
func Generate(n int, seed uint64, sh Shares) []Record {
	g := gen{r: rand.New(rand.NewPCG(seed, seed^0xa5a5a5a5)), sh: sh, taken: map[string]bool{}}
	var out []Record
	for i := 0; i < n; i++ {
		p := g.person(i)
		orig := g.show(p.rec)
		orig.ID = fmt.Sprint(i)
		out = append(out, Record{Record: orig, Person: i})
		if g.r.Float64() < CopyRate {
			copies := 1
			if g.r.Float64() < SecondRate {
				copies = 2
			}
			for k := 0; k < copies; k++ {
				kind := Kinds[g.r.IntN(len(Kinds))]
				c := g.corrupt(p, kind)
				c.ID = fmt.Sprintf("%d-%d", i, k+1)
				out = append(out, Record{Record: c, Person: i, Kind: kind})
			}
		}
		if g.r.Float64() < RelativeRate {
			rel := g.show(g.relative(p))
			rel.ID = fmt.Sprintf("%d-r", i)
			out = append(out, Record{Record: rel, Person: n + i})
		}
	}
	return out
}

func (g gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g gen) person(i int) person {
	c := &cultures[g.r.IntN(len(cultures))]
	p := person{c: c, given: g.r.IntN(len(c.given)), family: g.r.IntN(len(c.family))}
	r := linkage.Record{ID: fmt.Sprint(i), Kind: linkage.KindContact}
	r.FirstName = c.given[p.given][0]
	r.LastName = familyFor(c, c.family[p.family], r.FirstName)
	r.Birthday = fmt.Sprintf("%04d-%02d-%02d", 1950+g.r.IntN(55), 1+g.r.IntN(12), 1+g.r.IntN(28))
	g.address(c, &r)
	r.Phones = []string{g.phone(c)}
	if g.r.Float64() < 0.3 {
		r.Phones = append(r.Phones, g.phone(c))
	}
	r.Emails = []string{g.email(c, r.FirstName, r.LastName), ""}
	if g.r.Float64() < employed {
		co := g.r.IntN(len(companies))
		r.Companies = []string{companies[co]}
		work := strings.ToLower(roman(r.FirstName, 0)) + "." + strings.ToLower(roman(r.LastName, 0))
		r.Emails[1] = work + "@" + companyDomain(co)
		for n := 2; g.taken[r.Emails[1]]; n++ {
			r.Emails[1] = work + fmt.Sprint(n) + "@" + companyDomain(co)
		}
		g.taken[r.Emails[1]] = true
	}
	r.Country = c.country
	p.rec = r
	return p
}

// companies are employers, "Name Form" with a legal form of some country.
var companies = func() []string {
	stems := []string{"Alfa", "Vector", "Polaris", "Nord", "Zenit", "Orion", "Baltic", "Vita", "Astra", "Delta", "Sigma",
		"Tech", "Stroy", "Agro", "Trans", "Med", "Invest", "Logistic", "Energo", "Soft"}
	forms := []string{"LLC", "Inc.", "Ltd", "GmbH", "ООО", "АО", "UAB", "S.R.L.", "Sp. z o.o.", "ТОО"}
	var out []string
	for i := 0; len(out) < 300; i++ {
		a, b := stems[i%len(stems)], stems[(i/len(stems)+i+1)%len(stems)]
		out = append(out, a+b+" "+fmt.Sprint(i/40+1)+" "+forms[i%len(forms)])
	}
	return out
}()

func companyDomain(i int) string {
	return strings.ToLower(strings.Fields(companies[i])[0]) + fmt.Sprint(i) + ".example"
}

// show returns what one record of a person holds.
func (g gen) show(full linkage.Record) linkage.Record {
	r := full
	r.Emails, r.Phones, r.Companies = nil, nil, nil
	if g.r.Float64() < g.sh.Email {
		if full.Emails[1] != "" && g.r.Float64() < showWork {
			r.Emails = []string{full.Emails[1]}
		} else {
			r.Emails = []string{full.Emails[0]}
		}
	}
	if g.r.Float64() < g.sh.Phone {
		r.Phones = []string{full.Phones[0]}
		if len(full.Phones) > 1 && g.r.IntN(2) == 0 {
			r.Phones = []string{full.Phones[1]}
		}
	}
	if g.r.Float64() >= g.sh.Birthday {
		r.Birthday = ""
	}
	if g.r.Float64() >= g.sh.Address {
		r.AddressLines, r.Postcode, r.Town = nil, "", ""
	}
	if len(full.Companies) > 0 && g.r.Float64() < g.sh.Company {
		r.Companies = full.Companies
	}
	return r
}

// familyFor gives Russian and Kazakh family names their feminine form for
// women (given names ending in a or я).
func familyFor(c *culture, family, given string) string {
	if !c.cyrillic {
		return family
	}
	last, _ := utf8.DecodeLastRuneInString(given)
	if last != 'а' && last != 'я' && given != "Айгүл" && given != "Гүлнар" {
		return family
	}
	if strings.HasSuffix(family, "ов") || strings.HasSuffix(family, "ев") || strings.HasSuffix(family, "ёв") ||
		strings.HasSuffix(family, "ин") {
		return family + "а"
	}
	return family
}

func (g gen) address(c *culture, r *linkage.Record) {
	flat := 0
	if g.r.Float64() < 0.5 {
		flat = 1 + g.r.IntN(120)
	}
	r.AddressLines = c.format(g.pick(c.streets), 1+g.r.IntN(150), flat)
	town := g.r.IntN(len(c.towns))
	r.Town = c.towns[town]
	r.Postcode = fmt.Sprintf("%d%04d", 1+town, g.r.IntN(10000))
}

func (g gen) phone(c *culture) string {
	d := 10 - len(c.phone) + 2
	var b strings.Builder
	b.WriteString("+" + c.phone)
	b.WriteByte(byte('2' + g.r.IntN(8)))
	for i := 1; i < d; i++ {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g gen) email(c *culture, given, family string) string {
	gw, fw := roman(given, 0), roman(family, 0)
	local := ""
	switch g.r.IntN(4) {
	case 0:
		local = gw + "." + fw
	case 1:
		local = gw[:1] + fw
	case 2:
		local = fw + fmt.Sprint(g.r.IntN(100))
	default:
		local = gw + fw[:1] + fmt.Sprint(1950+g.r.IntN(60))
	}
	dom := g.pick(c.mail)
	e := strings.ToLower(local) + "@" + dom
	for n := 2; g.taken[e]; n++ {
		e = strings.ToLower(local) + fmt.Sprint(n) + "@" + dom
	}
	g.taken[e] = true
	return e
}

// romanisations: 0 is a common e-mail spelling, 1 an alternative one
// ("Dmitriy", "Yuliya"), different from the matcher's table.
var romanTables = [2]map[rune]string{
	{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'й': "y",
		'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
		'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
		'ә': "a", 'ғ': "g", 'қ': "k", 'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'і': "i"},
	{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "j", 'з': "z", 'и': "i", 'й': "i",
		'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
		'х': "h", 'ц': "c", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "i", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
		'ә': "ae", 'ғ': "gh", 'қ': "q", 'ң': "ng", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'і': "i"},
}

var latinFold = strings.NewReplacer("ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z",
	"ż", "z", "Ł", "L", "Ś", "S", "Ż", "Z", "Ź", "Z", "č", "c", "š", "s", "ž", "z", "ū", "u", "ė", "e", "į", "i",
	"ų", "u", "Č", "C", "Š", "S", "Ž", "Z", "ă", "a", "â", "a", "î", "i", "ș", "s", "ț", "t", "Ș", "S", "Ț", "T")

// roman spells s in Latin with the given table, keeping capitals.
func roman(s string, table int) string {
	var b strings.Builder
	for _, r := range s {
		lr := unicode.ToLower(r)
		if t, ok := romanTables[table][lr]; ok {
			if lr != r && t != "" {
				t = strings.ToUpper(t[:1]) + t[1:]
			}
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return latinFold.Replace(b.String())
}

func (g gen) corrupt(p person, kind string) linkage.Record {
	r := p.rec
	r.Phones = append([]string(nil), r.Phones...)
	r.Emails = append([]string(nil), r.Emails...)
	r.AddressLines = append([]string(nil), r.AddressLines...)
	switch kind {
	case Typo:
		fields := []*string{&r.FirstName, &r.LastName, &r.AddressLines[0], &r.Emails[0], &r.Emails[1]}
		i := g.r.IntN(len(fields))
		j := (i + 1 + g.r.IntN(len(fields)-1)) % len(fields)
		*fields[i] = g.typo(*fields[i])
		*fields[j] = g.typo(*fields[j])
		if g.r.IntN(3) == 0 {
			y := r.Birthday[:4]
			r.Birthday = fmt.Sprintf("%04d", atoi(y)+1-2*g.r.IntN(2)) + r.Birthday[4:]
		}
	case OCR:
		r.LastName = g.ocr(r.LastName)
		r.AddressLines[0] = g.ocr(r.AddressLines[0])
		r.Phones[0] = g.ocrDigits(r.Phones[0])
	case Swapped:
		r.FirstName, r.LastName = r.LastName, r.FirstName
		if len(r.AddressLines) > 1 {
			r.AddressLines[0], r.AddressLines[1] = r.AddressLines[1], r.AddressLines[0]
		}
		if d := r.Birthday[8:]; atoi(d) <= 12 {
			r.Birthday = r.Birthday[:5] + d + "-" + r.Birthday[5:7]
		}
	case Missing:
		if g.r.IntN(2) == 0 {
			r.FirstName = ""
		}
	case Nickname:
		forms := p.c.given[p.given]
		if len(forms) > 1 {
			r.FirstName = forms[1+g.r.IntN(len(forms)-1)]
		} else {
			r.FirstName = string([]rune(r.FirstName)[:1]) + "."
		}
	case ChangedFirst:
		other := (p.given + 1 + g.r.IntN(len(p.c.given)-1)) % len(p.c.given)
		r.FirstName = p.c.given[other][0]
	case Translit:
		r.FirstName, r.LastName = roman(r.FirstName, 1), roman(r.LastName, 1)
		r.Town = roman(r.Town, 1)
		for i, l := range r.AddressLines {
			r.AddressLines[i] = roman(l, 1)
		}
	case Moved:
		g.address(p.c, &r)
		if g.r.IntN(2) == 0 {
			r.Postcode = p.rec.Postcode[:1] + r.Postcode[1:]
			r.Town = p.rec.Town
		}
		if g.r.IntN(2) == 0 {
			r.Phones[0] = g.phone(p.c)
		}
	}
	r = g.show(r)
	if kind == Missing {
		if g.r.IntN(2) == 0 {
			r.Emails = nil
		}
		if g.r.IntN(2) == 0 {
			r.Phones = nil
		}
		if g.r.IntN(2) == 0 {
			r.Birthday = ""
		}
		if g.r.IntN(2) == 0 {
			r.AddressLines, r.Postcode, r.Town = nil, "", ""
		}
	}
	if g.r.Float64() < 0.2 {
		r.FirstName, r.LastName = strings.ToUpper(r.FirstName), strings.ToUpper(r.LastName)
	}
	return r
}

func (g gen) relative(p person) linkage.Record {
	r := p.rec
	r.ID = ""
	other := (p.given + 1 + g.r.IntN(len(p.c.given)-1)) % len(p.c.given)
	r.FirstName = p.c.given[other][0]
	r.LastName = familyFor(p.c, p.c.family[p.family], r.FirstName)
	r.Birthday = fmt.Sprintf("%04d-%02d-%02d", 1950+g.r.IntN(55), 1+g.r.IntN(12), 1+g.r.IntN(28))
	r.Phones = []string{g.phone(p.c)}
	if len(p.rec.Phones) > 1 {
		r.Phones = append(r.Phones, p.rec.Phones[1]) // the home landline
	}
	r.Emails = []string{g.email(p.c, r.FirstName, r.LastName), ""}
	r.Companies = nil
	return r
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// typo makes one slip: a letter left out, doubled, replaced by a
// neighbour, or two swapped.
func (g gen) typo(s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s
	}
	i := 1 + g.r.IntN(len(rs)-2)
	switch g.r.IntN(4) {
	case 0:
		return string(append(rs[:i:i], rs[i+1:]...))
	case 1:
		return string(append(rs[:i+1:i+1], rs[i:]...))
	case 2:
		rs[i] = rs[i-1]
		return string(rs)
	}
	rs[i], rs[i+1] = rs[i+1], rs[i]
	return string(rs)
}

var ocrPairs = [][2]string{{"o", "0"}, {"l", "1"}, {"i", "1"}, {"m", "rn"}, {"e", "c"}, {"S", "5"}, {"B", "8"}, {"о", "0"},
	{"З", "3"}, {"б", "6"}, {"и", "н"}}

func (g gen) ocr(s string) string {
	for _, k := range g.r.Perm(len(ocrPairs)) {
		if strings.Contains(s, ocrPairs[k][0]) {
			return strings.Replace(s, ocrPairs[k][0], ocrPairs[k][1], 1)
		}
	}
	return s
}

// ocrDigits misreads one digit of a phone (8 for 3, 1 for 7, 5 for 6).
func (g gen) ocrDigits(s string) string {
	b := []byte(s)
	for _, i := range g.r.Perm(len(b)) {
		if i < 4 {
			continue // the country code
		}
		switch b[i] {
		case '3':
			b[i] = '8'
			return string(b)
		case '7':
			b[i] = '1'
			return string(b)
		case '6':
			b[i] = '5'
			return string(b)
		}
	}
	return s
}
