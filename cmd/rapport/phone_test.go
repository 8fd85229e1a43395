package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// phoneSystem is a small simulator of a phone system: it reports the
// events of calls to Rapport's call-event API with its integration's
// token, as Asterisk's dialplan or a cloud phone system's webhooks would.
type phoneSystem struct {
	t     *testing.T
	base  string
	token string
}

// event reports one event and returns the status and the answer.
func (p phoneSystem) event(ev map[string]any) (int, map[string]any) {
	p.t.Helper()
	body, _ := json.Marshal(ev)
	req, _ := http.NewRequest("POST", p.base+"/api/v1/calls/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		p.t.Fatalf("call event %v: %d %s", ev, resp.StatusCode, raw)
	}
	return resp.StatusCode, m
}

// play reports a call's events in turn, each expected to be taken.
func (p phoneSystem) play(events ...map[string]any) map[string]any {
	p.t.Helper()
	var last map[string]any
	for _, ev := range events {
		status, body := p.event(ev)
		if status != 200 {
			p.t.Fatalf("call event %v: %d %v", ev, status, body)
		}
		last = body
	}
	return last
}

// inbound is the sequence of an inbound call from number on ext: rings,
// is answered and ends after talk seconds; talk 0 makes it a missed call.
func inbound(id, number, ext string, talk int) []map[string]any {
	ring := map[string]any{"event": "ringing", "call_id": id, "direction": "inbound", "caller": number, "callee": "+442070000000", "extension": ext}
	if talk == 0 {
		return []map[string]any{ring, {"event": "missed", "call_id": id}}
	}
	return []map[string]any{ring, {"event": "answered", "call_id": id, "extension": ext},
		{"event": "ended", "call_id": id, "duration_seconds": talk, "recording_url": "https://pbx.example.com/rec/" + id + ".mp3"}}
}

func field(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

// phoneSetup makes an integration mapping extension 101 to the token's
// user (Ada), a ring group 600 of Ada and Lin, and a customer, Grace Hopper of Hopper Labs, with one open
// deal; it returns the simulator and the ids of Ada, Grace and the deal.
func phoneSetup(t *testing.T, s *server, token string) (phoneSystem, string, string, string) {
	_, users := s.call(t, token, "GET", "/api/v1/users", "")
	ada := users["data"].([]any)[0].(map[string]any)["id"].(string)
	status, lin := s.call(t, token, "POST", "/api/v1/users", `{"email": "lin@example.com", "name": "Lin Wei",
		"password": "correct horse battery", "role": "salesperson", "language": "ru"}`)
	if status != 201 {
		t.Fatalf("user: %d %v", status, lin)
	}
	status, in := s.call(t, token, "POST", "/api/v1/phone-integrations", `{"name": "Office PBX", "extensions": {"101": "`+ada+`"},
		"ring_groups": {"600": ["`+ada+`", "`+lin["id"].(string)+`"]}}`)
	if status != 201 || in["token"] == nil {
		t.Fatalf("integration: %d %v", status, in)
	}
	status, company := s.call(t, token, "POST", "/api/v1/companies", `{"name": "Hopper Labs"}`)
	if status != 201 {
		t.Fatalf("company: %d %v", status, company)
	}
	status, grace := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Grace", "last_name": "Hopper",
		"phones": ["+44 20 7946 0123"], "companies": ["`+company["id"].(string)+`"]}`)
	if status != 201 {
		t.Fatalf("contact: %d %v", status, grace)
	}
	status, pipe := s.call(t, token, "POST", "/api/v1/pipelines", `{"name": "Sales"}`)
	if status != 201 {
		t.Fatalf("pipeline: %d %v", status, pipe)
	}
	if status, body := s.call(t, token, "POST", "/api/v1/stages", `{"pipeline_id": "`+pipe["id"].(string)+`", "name": "Talks"}`); status != 201 {
		t.Fatalf("stage: %d %v", status, body)
	}
	status, deal := s.call(t, token, "POST", "/api/v1/deals", `{"title": "Compiler support", "contacts": ["`+grace["id"].(string)+`"]}`)
	if status != 201 {
		t.Fatalf("deal: %d %v", status, deal)
	}
	// The caller lookup reads the search index, which follows the
	// records a moment behind.
	waitFor(t, func() (bool, string) {
		_, found := s.call(t, token, "GET", "/api/v1/lookup/phone?number=%2B442079460123", "")
		contacts, _ := found["contacts"].([]any)
		return len(contacts) == 1, fmt.Sprint(found)
	})
	return phoneSystem{t: t, base: s.base, token: in["token"].(string)}, ada, grace["id"].(string), deal["id"].(string)
}

// TestPhoneCalls plays call sequences against the real binary: a known
// customer's answered call, an event sent twice, an "ended" before its
// "ringing", two calls at once, a missed call, an unknown caller, and the
// bad input a phone system may send; then the calls report counts them.
func TestPhoneCalls(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--name", "Ada Lovelace",
				"--role", "administrator", "--password", "analytical-engine"}, db...)...)
			token := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "pbx"}, db...)...)))
			s := startServer(t, db)
			pbx, ada, grace, deal := phoneSetup(t, s, token)
			calls := func(filter string) []any {
				t.Helper()
				status, body := s.call(t, token, "GET", "/api/v1/calls?"+filter, "")
				if status != 200 {
					t.Fatalf("calls: %d %v", status, body)
				}
				list, _ := body["data"].([]any)
				return list
			}

			// A known customer: the call is logged on her one open deal.
			done := pbx.play(inbound("c1", "+44 20 7946 0123", "101", 95)...)
			call := done["call"].(map[string]any)
			if call["result"] != "answered" || call["deal_id"] != deal || call["contact_id"] != grace || call["user_id"] != ada {
				t.Errorf("the known customer's call: %v", call)
			}
			logged := calls("record_id=" + deal)
			if len(logged) != 1 {
				t.Fatalf("calls on the deal: %v", logged)
			}
			act := logged[0].(map[string]any)
			if act["duration_seconds"] != float64(95) || act["call_result"] != "answered" || act["recording_url"] != "https://pbx.example.com/rec/c1.mp3" ||
				act["owner_id"] != ada || act["direction"] != "inbound" {
				t.Errorf("the logged call: %v", act)
			}

			// The same event again is applied once: nothing new is logged.
			for _, ev := range inbound("c1", "+44 20 7946 0123", "101", 95) {
				if status, body := pbx.event(ev); status != 200 || body["applied"] != false {
					t.Errorf("a repeated %v: %d %v", ev["event"], status, body)
				}
			}
			if n := len(calls("record_id=" + deal)); n != 1 {
				t.Errorf("after repeated events the deal has %d calls", n)
			}

			// Out of order: "ended" first still makes one call, logged once;
			// its late "ringing" pops nothing and logs nothing.
			ended := pbx.play(map[string]any{"event": "ended", "call_id": "c2", "caller": "+44 20 7946 0123", "extension": "101",
				"duration_seconds": 30}, map[string]any{"event": "answered", "call_id": "c2"})
			if c := ended["call"].(map[string]any); c["result"] != "answered" || c["logged_at"] == nil {
				t.Errorf("an ended-first call: %v", c)
			}
			late := pbx.play(map[string]any{"event": "ringing", "call_id": "c2", "caller": "+44 20 7946 0123", "extension": "101"})
			if late["applied"] != true {
				t.Errorf("the late ringing: %v", late)
			}
			if n := len(calls("record_id=" + deal)); n != 2 {
				t.Errorf("after the out-of-order call the deal has %d calls, want 2", n)
			}

			// Two calls at once, their events interleaved, do not mix.
			var wg sync.WaitGroup
			for i, talk := range []int{41, 73} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pbx.play(inbound(fmt.Sprintf("par%d", i), "+44 20 7946 0123", "101", talk)...)
				}()
			}
			wg.Wait()
			got := map[float64]bool{}
			for _, c := range calls("record_id=" + deal) {
				got[c.(map[string]any)["duration_seconds"].(float64)] = true
			}
			if len(got) != 4 || !got[41] || !got[73] {
				t.Errorf("durations logged on the deal: %v", got)
			}

			// A missed call on the ring group leaves a call-back task for
			// the group's member with the fewest open tasks: Ada has one,
			// so it is Lin's; the next one, with both at one, is Ada's,
			// the first listed.
			if status, body := s.call(t, token, "POST", "/api/v1/tasks", `{"title": "Send the contract", "owner_id": "`+ada+`"}`); status != 201 {
				t.Fatalf("Ada's task: %d %v", status, body)
			}
			_, users := s.call(t, token, "GET", "/api/v1/users", "")
			lin := ""
			for _, u := range users["data"].([]any) {
				if u := u.(map[string]any); u["email"] == "lin@example.com" {
					lin = u["id"].(string)
				}
			}
			// Each task is in its owner's language: Lin reads Russian.
			titles := map[string]string{lin: "Перезвонить +442079460123", ada: "Call back +442079460123"}
			for i, want := range []string{lin, ada} {
				missed := pbx.play(inbound(fmt.Sprint("c3-", i), "+44 20 7946 0123", "600", 0)...)["call"].(map[string]any)
				if missed["result"] != "missed" || missed["task_id"] == nil {
					t.Fatalf("the missed call: %v", missed)
				}
				status, task := s.call(t, token, "GET", "/api/v1/tasks/"+missed["task_id"].(string), "")
				if status != 200 || task["owner_id"] != want || task["record_id"] != deal || task["title"] != titles[want] {
					t.Errorf("call-back task %d: %d %v, want it for %s", i, status, task, want)
				}
			}

			// An unknown caller lands in the inbox, and is logged on nobody.
			unknown := pbx.play(inbound("c4", "+1 212 555 0199", "101", 12)...)["call"].(map[string]any)
			if unknown["request_id"] == nil || unknown["contact_id"] != nil {
				t.Errorf("the unknown caller's call: %v", unknown)
			}
			status, req := s.call(t, token, "GET", "/api/v1/inbox/"+fmt.Sprint(unknown["request_id"]), "")
			if status != 200 || req["channel"] != "phone_call" || req["phone"] != "+12125550199" {
				t.Errorf("the inbox request: %d %v", status, req)
			}

			// Bad input gets a 4xx naming the field.
			for _, c := range []struct {
				ev     map[string]any
				status int
				field  string
			}{
				{map[string]any{"event": "ringing", "call_id": "b1", "caller": "+44 20 7946 0123", "extension": "999"}, 400, "extension"},
				{map[string]any{"event": "ringing", "call_id": "b2", "caller": "not a number", "extension": "101"}, 400, "caller"},
				{map[string]any{"event": "answered", "call_id": "never-rang"}, 400, "call_id"},
				{map[string]any{"event": "hung_up", "call_id": "b3", "caller": "+44 20 7946 0123", "extension": "101"}, 400, "event"},
				{map[string]any{"event": "ended", "call_id": "b4", "caller": "+44 20 7946 0123", "extension": "101", "duration_seconds": -1}, 400, "duration_seconds"},
				{map[string]any{"event": "ended", "call_id": "b5", "caller": "+44 20 7946 0123", "extension": "101", "recording_url": "javascript:alert(1)"}, 400, "recording_url"},
			} {
				status, body := pbx.event(c.ev)
				if status != c.status || field(body) != c.field {
					t.Errorf("%v: %d %v, want %d naming %s", c.ev, status, body, c.status, c.field)
				}
			}
			if status, _ := (phoneSystem{t: t, base: s.base, token: "rpt_wrong"}).event(inbound("x", "+44 20 7946 0123", "101", 1)[0]); status != 401 {
				t.Errorf("a wrong token: %d", status)
			}

			// Click-to-call: the phone system on loopback is refused until
			// the integration allows its range, then rings Ada's extension.
			asked := make(chan string, 1)
			pbxHTTP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				asked <- string(raw)
			}))
			t.Cleanup(pbxHTTP.Close)
			_, list := s.call(t, token, "GET", "/api/v1/phone-integrations", "")
			integ := list["data"].([]any)[0].(map[string]any)["id"].(string)
			settings := `{"name": "Office PBX", "extensions": {"101": "` + ada + `"}, "originate_url": "` + pbxHTTP.URL + `/originate"`
			if status, body := s.call(t, token, "PUT", "/api/v1/phone-integrations/"+integ, settings+`}`); status != 200 {
				t.Fatalf("originate URL: %d %v", status, body)
			}
			if status, body := s.call(t, token, "POST", "/api/v1/phone/originate", `{"number": "+44 20 7946 0123"}`); status != 409 ||
				!strings.Contains(fmt.Sprint(body["detail"]), "loopback") {
				t.Errorf("originate to loopback: %d %v", status, body)
			}
			if status, body := s.call(t, token, "PUT", "/api/v1/phone-integrations/"+integ, settings+`, "originate_allow_private": ["127.0.0.0/8"]}`); status != 200 {
				t.Fatalf("allowance: %d %v", status, body)
			}
			if status, body := s.call(t, token, "POST", "/api/v1/phone/originate", `{"number": "+44 20 7946 0123"}`); status != 202 {
				t.Errorf("originate: %d %v", status, body)
			}
			if req := <-asked; req != `{"extension":"101","number":"+442079460123"}` {
				t.Errorf("the phone system was asked %s", req)
			}
			if status, body := s.call(t, token, "POST", "/api/v1/phone/originate", `{"number": "nobody"}`); status != 400 || field(body) != "number" {
				t.Errorf("originate a bad number: %d %v", status, body)
			}

			// The calls report: Ada's day.
			status, rep := s.call(t, token, "GET", "/api/v1/phone/report", "")
			rows, _ := rep["data"].([]any)
			if status != 200 || len(rows) != 1 {
				t.Fatalf("report: %d %v", status, rep)
			}
			row := rows[0].(map[string]any)
			if row["user_id"] != ada || row["inbound"] != float64(7) || row["answered"] != float64(5) || row["missed"] != float64(2) ||
				row["talk_seconds"] != float64(95+30+41+73+12) {
				t.Errorf("report row: %v", row)
			}
			if status, body := s.call(t, token, "GET", "/api/v1/phone/report?from=yesterday", ""); status != 400 || field(body) != "from" {
				t.Errorf("a bad report day: %d %v", status, body)
			}
		})
	}
}

// TestBrowserPhone: a simulated call from a known customer pops her card
// on the open page, then logs itself on her deal; a missed call becomes a
// task. In English and in Russian.
func TestBrowserPhone(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
		pbx, _, grace, deal := phoneSetup(t, s, token)
		b.do("a page, its stream live", chromedp.Navigate(s.base+"/deals"), chromedp.WaitVisible(css(`#bell[data-live="true"]`)))
		pbx.play(inbound("b1", "+44 20 7946 0123", "101", 95)[0])
		b.do("the card pops", chromedp.WaitVisible(css(`#call-pop .caller-name`)))
		pop := b.text(`#call-pop`)
		for _, want := range []string{"Grace Hopper", "Hopper Labs", "Compiler support"} {
			if !strings.Contains(pop, want) {
				t.Errorf("the pop lacks %q: %q", want, pop)
			}
		}
		b.shoot("phone-pop")
		pbx.play(inbound("b1", "+44 20 7946 0123", "101", 95)[1:]...)
		b.do("the call on the deal", chromedp.Navigate(s.base+"/deals/"+deal), chromedp.WaitVisible(css(`#main`)))
		if page := b.text(`#main`); !strings.Contains(page, "pbx.example.com/rec/b1.mp3") && !strings.Contains(page, "Office PBX") {
			t.Errorf("the deal's page does not show the call: %.500q", page)
		}
		b.shoot("phone-logged")

		// A missed call from her becomes a call-back task.
		pbx.play(inbound("b2", "+44 20 7946 0123", "101", 0)...)
		b.do("the tasks", chromedp.Navigate(s.base+"/tasks"), chromedp.WaitVisible(css(`#main`)))
		if page := b.text(`#main`); !strings.Contains(page, "Call back +442079460123") {
			t.Errorf("the tasks lack the call-back: %.500q", page)
		}
		b.shoot("phone-task")

		// Her number on her page is a tel: link.
		b.do("her page", chromedp.Navigate(s.base+"/contacts/"+grace), chromedp.WaitVisible(css(`#main`)))
		if !b.eval(`!!document.querySelector('a.tel[href="tel:+442079460123"]')`) {
			t.Error("the contact's phone is not a tel: link")
		}

		// In Russian, an unknown caller pops "new caller: create contact".
		b.do("Russian", chromedp.Navigate(s.base+"/deals"), chromedp.WaitVisible(css(`#lang-pick`)),
			chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] #bell[data-live="true"]`)))
		pbx.play(inbound("b3", "+1 212 555 0199", "101", 10)[0])
		b.do("the unknown caller pops", chromedp.WaitVisible(css(`#call-pop .empty a.primary`)))
		if got := b.text(`#call-pop h2`); !strings.Contains(got, "Входящий звонок") {
			t.Errorf("the Russian pop reads %q", got)
		}
		b.shoot("phone-pop-unknown-ru")
		b.do("the calls report", chromedp.Navigate(s.base+"/reports/calls"), chromedp.WaitVisible(css(`.calls-report`)))
		b.shoot("phone-report-ru")
		b.do("the phone settings", chromedp.Navigate(s.base+"/settings/phone"), chromedp.WaitVisible(css(`#phone-name`)))
		b.shoot("phone-settings-ru")
	})
}
