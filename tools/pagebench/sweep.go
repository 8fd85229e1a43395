package main

import (
	"net/url"
	"regexp"
	"strings"
)

// sortLink finds the links of a list's sortable headings.
var sortLink = regexp.MustCompile(`<th scope="col"[^>]*>\s*<a href="([^"]+)"`)

// sortsOf are the fields a list page offers to sort by, in the order of
// its columns.
func sortsOf(body string) []string {
	var out []string
	seen := map[string]bool{}
	head, _, _ := strings.Cut(body, "</thead>")
	for _, m := range sortLink.FindAllStringSubmatch(head, -1) {
		u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
		if err != nil {
			continue
		}
		f := strings.TrimPrefix(u.Query().Get("sort"), "-")
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// sweepLists measures, on every list, every sort its headings offer,
// both ways: the first page, and the second as the list asks for it when
// it scrolls (the loader row's address, with htmx).
func sweepLists(c *client, o options) []result {
	var out []result
	for _, list := range lists {
		body, m := c.get("/"+list, false)
		if m.Status != 200 {
			out = append(out, result{Name: list, Path: "/" + list, Skipped: "the list answers " + itoa(m.Status)})
			continue
		}
		for _, field := range sortsOf(body) {
			for _, sort := range []string{field, "-" + field} {
				out = append(out, sweepSort(c, list, sort, o)...)
			}
		}
	}
	return out
}

// sweepSort measures one sort of a list: its first page, and its next
// page when there is one.
func sweepSort(c *client, list, sort string, o options) []result {
	path := "/" + list + "?" + url.Values{"sort": {sort}}.Encode()
	first := measure(c, list+" sort="+sort, path, false, o.warm, o.runs)
	o.progress(first)
	out := []result{first}
	if first.Skipped != "" {
		return out
	}
	body, _ := c.get(path, false)
	if more := moreLink(body); more != "" {
		next := measure(c, list+" sort="+sort+" · next page", more, true, o.warm, o.runs)
		o.progress(next)
		out = append(out, next)
	}
	return out
}
