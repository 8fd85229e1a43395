package linkage

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

func TestCompareCases(t *testing.T) {
	m := Default(KindContact)
	for _, c := range []struct {
		name string
		a, b Record
		want string
	}{
		{"same e-mail and name",
			Record{ID: "1", FirstName: "Ivan", LastName: "Petrov", Emails: []string{"Ivan.Petrov@gmail.com"}},
			Record{ID: "2", FirstName: "Иван", LastName: "Петров", Emails: []string{"ivanpetrov+crm@gmail.com"}}, DecisionDuplicate},
		{"nickname, same birthday and phone",
			Record{ID: "1", FirstName: "Aleksandr", LastName: "Smirnov", Birthday: "1980-03-04", Phones: []string{"+79161234567"}},
			Record{ID: "2", FirstName: "Sasha", LastName: "Smirnov", Birthday: "1980-04-03", Phones: []string{"89161234567"}}, DecisionDuplicate},
		{"a first name only",
			Record{ID: "1", FirstName: "Anna"}, Record{ID: "2", FirstName: "Anna"}, DecisionDistinct},
		{"same address in another town",
			Record{ID: "1", AddressLines: []string{"12 Main Street"}, Town: "Springfield", Postcode: "12345"},
			Record{ID: "2", AddressLines: []string{"12 Main St"}, Town: "Shelbyville", Postcode: "54321"}, DecisionDistinct},
		{"different people at one company",
			Record{ID: "1", FirstName: "John", LastName: "Smith", Companies: []string{"Acme Inc"}},
			Record{ID: "2", FirstName: "Jane", LastName: "Doe", Companies: []string{"ACME LLC"}}, DecisionDistinct},
		{"info@ shared",
			Record{ID: "1", FirstName: "John", LastName: "Smith", Emails: []string{"info@acme.example"}},
			Record{ID: "2", FirstName: "Jane", LastName: "Doe", Emails: []string{"info@acme.example"}}, DecisionDistinct},
	} {
		a, b := Prepare(c.a), Prepare(c.b)
		r := m.Compare(a, b)
		if got := m.Decide(r); got != c.want {
			t.Errorf("%s: %q (%.3f, %+v), want %q", c.name, got, r.Probability, r.Contributions, c.want)
		}
		if back := m.Compare(b, a); !reflect.DeepEqual(back, r) {
			t.Errorf("%s: not symmetric", c.name)
		}
	}
}

func TestProfileJSON(t *testing.T) {
	p := Prepare(Record{ID: "1", FirstName: "Łukasz", LastName: "Żółć", Emails: []string{"l@x.example"},
		Birthday: "1990-01-02", AddressLines: []string{"ul. Długa 5"}, Town: "Kraków", Postcode: "31-147",
		Identifiers: map[string]string{"NIP": "123-456-32-18"}})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Profile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, &q) {
		t.Errorf("round trip: %+v, want %+v", q, *p)
	}
	if !reflect.DeepEqual(p.Blocks(), q.Blocks()) {
		t.Error("blocks differ after a round trip")
	}
	t.Logf("%s %v", b, p.Blocks())
}

func TestCompanyNames(t *testing.T) {
	for _, c := range [][2]string{
		{"ООО «Ромашка»", "Romashka LLC"},
		{"АО \"Вектор\"", "Vektor"},
		{"ТОО Алем", "Alem LLP"},
		{"АҚ Алем", "Alem"},
		{"Baltic Amber UAB", "UAB „Baltic Amber“"},
		{"Dom Sp. z o.o.", "DOM Sp.z o.o."},
		{"Acme S.R.L.", "ACME SRL"},
		{"Müller GmbH & Co. KG", "Muller"},
	} {
		a := Prepare(Record{ID: "a", Kind: KindCompany, Name: c[0]})
		b := Prepare(Record{ID: "b", Kind: KindCompany, Name: c[1]})
		if a.name != b.name || a.name == "" {
			t.Errorf("%q is %q, %q is %q", c[0], a.name, c[1], b.name)
		}
	}
}

func TestNormalising(t *testing.T) {
	p := Prepare(Record{ID: "1", FirstName: "Юлия", LastName: "Петр0ва", Emails: []string{"Info@Acme.example", "J.U.L.I.A+crm@GoogleMail.com"},
		Phones: []string{"+7 (916) 123-45-67", "0000000", "1234567"}, Birthday: "1900-01-01", Town: "n/a"})
	if p.given != "iuliia" || p.family != "petrova" {
		t.Errorf("names %q %q", p.given, p.family)
	}
	if len(p.Emails) != 1 || p.Emails[0] != "julia@gmail.com" {
		t.Errorf("e-mails %v", p.Emails)
	}
	if len(p.Phones) != 1 || p.Phones[0] != "79161234567" {
		t.Errorf("phones %v", p.Phones)
	}
	if p.Birthday != "" || p.Town != "" {
		t.Errorf("placeholders kept: %q %q", p.Birthday, p.Town)
	}
	for _, pair := range [][2]string{{"aleksandr", "alexander"}, {"sergey", "sergei"}, {"yuri", "iurii"}, {"schmidt", "shmidt"}} {
		if phonetic(pair[0]) != phonetic(pair[1]) {
			t.Errorf("%s sounds %s, %s %s", pair[0], phonetic(pair[0]), pair[1], phonetic(pair[1]))
		}
	}
	for _, pair := range [][2]string{{"sasha", "aleksandr"}, {"bill", "william"}, {"vova", "vladimir"}, {"kasia", "katarzyna"}} {
		if canonicalName(pair[0]) != canonicalName(pair[1]) {
			t.Errorf("%s is not %s", pair[0], pair[1])
		}
	}
	if canonicalName("lukasz") == canonicalName("alexander") {
		t.Error("Łukasz taken for Alexander")
	}
}

func TestEstimateWithLabels(t *testing.T) {
	var ps []*Profile
	for i := range 60 {
		ps = append(ps, Prepare(Record{ID: fmt.Sprint(i), FirstName: fmt.Sprint("N", i%7), LastName: fmt.Sprint("Family", i%11),
			Emails: []string{fmt.Sprintf("p%d@x.example", i/2)}}))
	}
	if _, err := Estimate(ps[:10], nil, EstimateOptions{}); err != ErrTooFew {
		t.Errorf("10 records: %v", err)
	}
	m, err := Estimate(ps, []Label{{A: "0", B: "1", Same: true}, {A: "2", B: "5", Same: false}, {A: "x", B: "0"}}, EstimateOptions{RandomPairs: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if m.Prior <= 0 || m.Prior >= 1 || len(m.Comparisons) == 0 {
		t.Errorf("model %+v", m)
	}
}
