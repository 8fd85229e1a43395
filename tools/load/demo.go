package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// demoData prepares the scenarios that need demo records: it reads a
// sample of them through the API first, unmeasured, and probes the
// endpoint, so that a server without it is skipped rather than measured.
type demoData struct {
	c          *client
	maxContact int64
	region     string
}

// errMissing says an endpoint answered 404 to a request about a record
// that exists: the server does not have it (yet).
func errMissing(endpoint string) error {
	return fmt.Errorf("%s answered 404: the server has no such endpoint", endpoint)
}

// probe sends one request that must succeed on a server with the
// endpoint.
func (d *demoData) probe(endpoint, path string) error {
	s := d.c.do("GET", path, nil)
	switch {
	case s.err != nil:
		return s.err
	case s.status == http.StatusNotFound:
		return errMissing(endpoint)
	case s.status != http.StatusOK:
		return fmt.Errorf("%s answered %d", endpoint, s.status)
	}
	return nil
}

// contact is what the scenarios read of a contact.
type contact struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phones    []struct {
		Value string `json:"value"`
	} `json:"phones"`
}

// sampleContacts reads up to n random contacts; deleted ones are passed
// over.
func (d *demoData) sampleContacts(n int) ([]contact, error) {
	r := rand.New(rand.NewPCG(7, 7))
	var out []contact
	for try := 0; len(out) < n && try < 4*n; try++ {
		var c contact
		status, err := d.c.get(fmt.Sprintf("/api/v1/contacts/%d", 1+r.Int64N(d.maxContact)), &c)
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no contacts could be read")
	}
	return out, nil
}

// lookup looks up the phones of random contacts, typed as people type
// them.
func (d *demoData) lookup() (func(*rand.Rand) sample, error) {
	contacts, err := d.sampleContacts(300)
	if err != nil {
		return nil, err
	}
	var typed []string
	for _, c := range contacts {
		for _, p := range c.Phones {
			typed = append(typed, d.spellings(p.Value)...)
		}
	}
	if len(typed) == 0 {
		return nil, errors.New("the sampled contacts have no phones")
	}
	if err := d.probe("GET /api/v1/lookup/phone", "/api/v1/lookup/phone?number="+url.QueryEscape(typed[0])); err != nil {
		return nil, err
	}
	return func(r *rand.Rand) sample {
		return d.c.do("GET", "/api/v1/lookup/phone?number="+url.QueryEscape(pick(r, typed)), nil)
	}, nil
}

// spellings writes an E.164 number the ways people type it: +CC with
// spaces or dashes, 00CC, digits only, and in the national format when it
// is a number of the server's region (a national number of another
// country would name someone else).
func (d *demoData) spellings(e164 string) []string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return nil
	}
	intl := phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	out := []string{e164, intl, strings.ReplaceAll(intl, " ", "-"), "00" + strings.TrimPrefix(intl, "+")}
	if phonenumbers.GetRegionCodeForNumber(n) == d.region {
		national := phonenumbers.Format(n, phonenumbers.NATIONAL)
		out = append(out, national, national, strings.ReplaceAll(national, " ", "-"))
	}
	return out
}

// search searches for demo names: prefixes of 2, 3 and 4 letters, and
// whole first and last names.
func (d *demoData) search() (func(*rand.Rand) sample, error) {
	contacts, err := d.sampleContacts(200)
	if err != nil {
		return nil, err
	}
	var terms []string
	for _, c := range contacts {
		for _, name := range []string{c.FirstName, c.LastName} {
			if name == "" {
				continue
			}
			for _, k := range []int{2, 3, 4} {
				if utf8.RuneCountInString(name) > k {
					terms = append(terms, string([]rune(name)[:k]))
				}
			}
			terms = append(terms, name)
		}
	}
	if len(terms) == 0 {
		return nil, errors.New("the sampled contacts have no names")
	}
	if err := d.probe("GET /api/v1/search", "/api/v1/search?q="+url.QueryEscape(terms[0])); err != nil {
		return nil, err
	}
	return func(r *rand.Rand) sample {
		return d.c.do("GET", "/api/v1/search?q="+url.QueryEscape(pick(r, terms)), nil)
	}, nil
}

// board reads the board of a random pipeline.
func (d *demoData) board() (func(*rand.Rand) sample, error) {
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if _, err := d.c.get("/api/v1/pipelines?limit=100", &page); err != nil {
		return nil, err
	}
	if len(page.Data) == 0 {
		return nil, errors.New("no pipelines (run rapport demo first)")
	}
	var ids []string
	for _, p := range page.Data {
		ids = append(ids, p.ID)
	}
	if err := d.probe("GET /api/v1/pipelines/{id}/board", "/api/v1/pipelines/"+ids[0]+"/board"); err != nil {
		return nil, err
	}
	return func(r *rand.Rand) sample {
		return d.c.do("GET", "/api/v1/pipelines/"+pick(r, ids)+"/board", nil)
	}, nil
}

// timeline reads the timeline of a random contact.
func (d *demoData) timeline() (func(*rand.Rand) sample, error) {
	contacts, err := d.sampleContacts(1)
	if err != nil {
		return nil, err
	}
	if err := d.probe("GET /api/v1/contacts/{id}/timeline", "/api/v1/contacts/"+contacts[0].ID+"/timeline"); err != nil {
		return nil, err
	}
	return func(r *rand.Rand) sample {
		return d.c.do("GET", fmt.Sprintf("/api/v1/contacts/%d/timeline", 1+r.Int64N(d.maxContact)), nil)
	}, nil
}

// stage is what move reads of a stage.
type stage struct {
	ID       string   `json:"id"`
	Pipeline string   `json:"pipeline_id"`
	Position int      `json:"position"`
	Required []string `json:"required_fields"`
}

// move moves a random open deal to the next stage of its pipeline (the
// first after the last), passing over stages whose required fields the
// deal lacks. Reading the deal is not measured, only the PATCH.
func (d *demoData) move() (func(*rand.Rand) sample, error) {
	var page struct {
		Data []stage `json:"data"`
	}
	status, err := d.c.get("/api/v1/stages?limit=500", &page)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound {
		return nil, errMissing("GET /api/v1/stages")
	}
	pipelines := map[string][]stage{}
	for _, s := range page.Data {
		pipelines[s.Pipeline] = append(pipelines[s.Pipeline], s)
	}
	for _, list := range pipelines {
		slices.SortFunc(list, func(a, b stage) int { return a.Position - b.Position })
	}
	maxDeal, err := d.c.maxID("deals")
	if err != nil {
		return nil, err
	}
	m := &mover{c: d.c, maxDeal: maxDeal, pipelines: pipelines}
	if _, _, err := m.openDeal(rand.New(rand.NewPCG(1, 1))); err != nil {
		return nil, err
	}
	return m.next, nil
}

type mover struct {
	c         *client
	maxDeal   int64
	pipelines map[string][]stage
}

// next moves one deal and measures the PATCH.
func (m *mover) next(r *rand.Rand) sample {
	deal, target, err := m.openDeal(r)
	if err != nil {
		return sample{err: err}
	}
	body, _ := json.Marshal(map[string]any{"stage_id": target, "version": deal["version"]})
	return m.c.do("PATCH", "/api/v1/deals/"+deal["id"].(string), body)
}

// openDeal reads random deals until one is open in a known pipeline with
// a stage it may move to, and returns it with that stage's id.
func (m *mover) openDeal(r *rand.Rand) (map[string]any, string, error) {
	for range 50 {
		var deal map[string]any
		status, err := m.c.get("/api/v1/deals/"+strconv.FormatInt(1+r.Int64N(m.maxDeal), 10), &deal)
		if err != nil {
			return nil, "", err
		}
		if status != http.StatusOK || deal["status"] != "open" {
			continue
		}
		pipeline, _ := deal["pipeline_id"].(string)
		stageID, _ := deal["stage_id"].(string)
		if target := nextStage(m.pipelines[pipeline], stageID, deal); target != "" {
			return deal, target, nil
		}
	}
	return nil, "", errors.New("no open deal with a stage to move to among 50 random deals")
}

// nextStage is the id of the first stage after current, going round,
// whose required fields deal has; "" when there is none.
func nextStage(list []stage, current string, deal map[string]any) string {
	at := slices.IndexFunc(list, func(s stage) bool { return s.ID == current })
	if at < 0 {
		return ""
	}
	for k := 1; k < len(list); k++ {
		s := list[(at+k)%len(list)]
		if slices.IndexFunc(s.Required, func(f string) bool { return deal[f] == nil || deal[f] == "" }) < 0 {
			return s.ID
		}
	}
	return ""
}
