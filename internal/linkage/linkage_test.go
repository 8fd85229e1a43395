package linkage

import (
	"encoding/json"
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
