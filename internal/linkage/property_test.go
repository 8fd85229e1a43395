package linkage_test

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/linkage/synth"
)

var small struct {
	once sync.Once
	recs []synth.Record
	ps   []*linkage.Profile
	m    *linkage.Model
	err  error
}

// synthModel returns profiles of a small synthetic set (600 persons) and
// a model estimated from them, made once for all tests.
func synthModel(t testing.TB) ([]synth.Record, []*linkage.Profile, *linkage.Model) {
	t.Helper()
	small.once.Do(func() {
		small.recs, small.ps, small.m, small.err = estimateSynth(600)
	})
	if small.err != nil {
		t.Fatal(small.err)
	}
	return small.recs, small.ps, small.m
}

func estimateSynth(persons int) ([]synth.Record, []*linkage.Profile, *linkage.Model, error) {
	recs := synth.Generate(persons, 7, synth.Rich)
	ps := make([]*linkage.Profile, len(recs))
	for i, r := range recs {
		ps[i] = linkage.Prepare(r.Record)
	}
	m, err := linkage.Estimate(ps, nil, linkage.EstimateOptions{})
	return recs, ps, m, err
}

// TestSymmetric compares every candidate pair both ways, with an
// estimated and with the default model, and after a JSON round trip of
// the model and the profiles.
func TestSymmetric(t *testing.T) {
	_, ps, m := synthModel(t)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back linkage.Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, model := range []*linkage.Model{m, linkage.Default(linkage.KindContact), &back} {
		for _, p := range linkage.Pairs(ps, 0) {
			x, y := ps[p[0]], ps[p[1]]
			ab, ba := model.Compare(x, y), model.Compare(y, x)
			if !reflect.DeepEqual(ab, ba) {
				t.Fatalf("%s and %s: %+v one way, %+v the other", x.ID, y.ID, ab, ba)
			}
		}
	}
	for _, p := range linkage.Pairs(ps, 0)[:200] {
		x, y := roundTrip(t, ps[p[0]]), roundTrip(t, ps[p[1]])
		if got, want := back.Compare(x, y), m.Compare(ps[p[0]], ps[p[1]]); !reflect.DeepEqual(got, want) {
			t.Fatalf("after a round trip: %+v, want %+v", got, want)
		}
	}
}

func roundTrip(t *testing.T, p *linkage.Profile) *linkage.Profile {
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q linkage.Profile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	return &q
}

// TestUnrelatedRecordChangesNothing adds records of new persons to a set
// and checks, with the model fixed, that every pair decided before is
// still a candidate with the same decision.
func TestUnrelatedRecordChangesNothing(t *testing.T) {
	_, ps, m := synthModel(t)
	before := map[[2]string]string{}
	for _, p := range linkage.Pairs(ps, 0) {
		before[[2]string{ps[p[0]].ID, ps[p[1]].ID}] = m.Decide(m.Compare(ps[p[0]], ps[p[1]]))
	}
	for i, r := range synth.Generate(20, 99, synth.Rich) {
		if r.Kind != "" {
			continue
		}
		r.ID = "new" + r.ID
		more := append(ps[:len(ps):len(ps)], linkage.Prepare(r.Record))
		after := map[[2]string]bool{}
		for _, p := range linkage.Pairs(more, 0) {
			a, b := more[p[0]], more[p[1]]
			key := [2]string{a.ID, b.ID}
			after[key] = true
			if d, ok := before[key]; ok && d != m.Decide(m.Compare(a, b)) {
				t.Fatalf("record %d changed the decision on %v", i, key)
			}
		}
		for key := range before {
			if !after[key] {
				t.Fatalf("record %d took the pair %v out of the candidates", i, key)
			}
		}
	}
}

// TestSameAddressElsewhere: the same street and house number in another
// town is not a duplicate by address alone, with an estimated model too.
func TestSameAddressElsewhere(t *testing.T) {
	_, _, est := synthModel(t)
	for _, m := range []*linkage.Model{linkage.Default(linkage.KindContact), est} {
		a := linkage.Prepare(linkage.Record{ID: "a", FirstName: "Anna", LastName: "Kowalska",
			AddressLines: []string{"ul. Długa 5"}, Postcode: "00-238", Town: "Warszawa"})
		b := linkage.Prepare(linkage.Record{ID: "b", FirstName: "Jan", LastName: "Nowak",
			AddressLines: []string{"ul. Długa 5"}, Postcode: "31-147", Town: "Kraków"})
		c := linkage.Prepare(linkage.Record{ID: "c", AddressLines: []string{"ul. Długa 5"}, Town: "Kraków"})
		d := linkage.Prepare(linkage.Record{ID: "d", AddressLines: []string{"Długa 5"}, Town: "Warszawa"})
		for _, pair := range [][2]*linkage.Profile{{a, b}, {c, d}} {
			if r := m.Compare(pair[0], pair[1]); m.Decide(r) != linkage.DecisionDistinct {
				t.Errorf("%s and %s: %v (%.3f)", pair[0].ID, pair[1].ID, r.Contributions, r.Probability)
			}
		}
	}
}

// TestFirstNameAlone: records with nothing but one first name are never
// flagged, whatever the model says of first names.
func TestFirstNameAlone(t *testing.T) {
	_, _, est := synthModel(t)
	for _, m := range []*linkage.Model{linkage.Default(linkage.KindContact), est} {
		a := linkage.Prepare(linkage.Record{ID: "a", FirstName: "Zbigniew"})
		b := linkage.Prepare(linkage.Record{ID: "b", Name: "Zbigniew"})
		if r := m.Compare(a, b); r.Probability > m.Prior*1.0001 {
			t.Errorf("a first name alone weighs %v (%.6f)", r.Contributions, r.Probability)
		}
	}
}
