package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// discover finds, as the signed-in user, the values the pages' paths are
// filled with: the first record of each object the user sees, a pipeline,
// a phone number and a name to search for (from the first contact), and
// the address of each list's second page.
func discover(c *client) map[string]string {
	v := map[string]string{}
	for key, plural := range map[string]string{"contact": "contacts", "company": "companies", "deal": "deals",
		"task": "tasks", "product": "products", "pipeline": "pipelines"} {
		rec := firstRecord(c, plural)
		if rec == nil {
			continue
		}
		v[key] = fmt.Sprint(rec["id"])
		if key == "contact" {
			v["q"] = searchTerm(rec)
			v["phone"] = firstPhone(rec["phones"])
		}
	}
	for _, list := range lists {
		body, m := c.get("/"+list, false)
		if m.Status == 200 {
			if more := moreLink(body); more != "" {
				v["more:"+list] = more
			}
		}
	}
	return v
}

// firstRecord is the first record of the object's API list, or nil.
func firstRecord(c *client, plural string) map[string]any {
	var page struct {
		Data []map[string]any `json:"data"`
	}
	if err := c.api("/api/v1/"+plural+"?limit=1", &page); err != nil || len(page.Data) == 0 {
		return nil
	}
	return page.Data[0]
}

// searchTerm is what a user would type to find the contact: its last
// name, else its first.
func searchTerm(rec map[string]any) string {
	for _, f := range []string{"last_name", "first_name", "full_name"} {
		if s, ok := rec[f].(string); ok && len([]rune(strings.TrimSpace(s))) >= 2 {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// firstPhone is the first of a record's phones, which the API gives as
// strings or as objects with a value.
func firstPhone(v any) string {
	phones, _ := v.([]any)
	for _, p := range phones {
		switch p := p.(type) {
		case string:
			return p
		case map[string]any:
			if s, ok := p["value"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// moreLink is the address of the next page that a list's loader row asks
// for as it scrolls into view, or "".
func moreLink(body string) string {
	return attr(body, `<tr class="more" hx-get="`)
}

var placeholder = regexp.MustCompile(`\{([a-z:]+)\}`)

// fill puts the discovered values into path, each escaped for a query
// string; missing names the first placeholder with no value.
func fill(path string, values map[string]string) (filled, missing string) {
	filled = placeholder.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := values[name]
		if !ok || v == "" {
			if missing == "" {
				missing = name
			}
			return m
		}
		if strings.HasPrefix(name, "more:") {
			return v // already an address
		}
		return url.QueryEscape(v)
	})
	return filled, missing
}
