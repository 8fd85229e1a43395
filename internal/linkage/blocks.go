package linkage

import (
	"slices"
	"strconv"
)

// MaxBlock is the most records a block may gather before it is ignored
// as too common to tell records apart (every "J" in one big town); the
// store enforces it, and Estimate and Pairs use it. With it, scoring one
// record compares it with at most MaxBlock others per block.
const MaxBlock = 200

// maxKey bounds a key's length so that it fits an index entry.
const maxKey = 120

// Blocks returns the profile's blocking keys, "rule:value", sorted and
// without repeats. Each is computed from this profile alone; two records
// are compared only when they share a key. The rules, so that a true pair
// meets in at least one even when most of its fields are corrupted:
//
//	e:  each e-mail
//	el: each e-mail's mailbox name (five characters or more)
//	p:  each phone's last seven digits
//	nb: each of the family and given names' sound codes with the birth year
//	nn: the nickname-canonical sound codes of the given and family names,
//	    in either order
//	a:  postcode and house number
//	as: house number and a street word's sound code
//	ft: first letter of the given name and the town
//	fi: the family name's sound code and the given name's first letter
//	bd: the birthday and the first letter of the family name
//	c:  a company's name, first eight letters; each name word's sound
//	    code with the postcode or town
//	ca: a contact's company, first eight letters, with the family name's
//	    sound code
//	d:  a company's domain
//	id: each identifying field's value
func (p *Profile) Blocks() []string {
	var keys []string
	add := func(rule string, parts ...string) {
		k := rule + ":"
		for i, s := range parts {
			if s == "" {
				return
			}
			if i > 0 {
				k += "|"
			}
			k += s
		}
		if len(k) > maxKey {
			k = k[:maxKey]
		}
		keys = append(keys, k)
	}
	for i, e := range p.Emails {
		add("e", e)
		if len(p.locals[i]) >= 5 {
			add("el", p.locals[i])
		}
	}
	for _, ph := range p.Phones {
		add("p", ph[len(ph)-7:])
	}
	year := ""
	if p.year > 0 {
		year = strconv.Itoa(p.year)
	}
	add("nb", p.famCode, year)
	add("nb", p.givenCode, year)
	if p.givenCanon != "" && p.famCanon != "" {
		x, y := p.givenCanon, p.famCanon
		if y < x {
			x, y = y, x
		}
		add("nn", x, y)
	}
	add("a", p.Postcode, p.House)
	for _, w := range p.Street {
		if len(w) >= 3 {
			add("as", p.House, phonetic(w))
		}
	}
	if p.given != "" {
		add("ft", p.given[:1], p.Town)
		add("fi", p.famCode, p.given[:1])
	}
	if p.family != "" {
		add("bd", p.Birthday, p.family[:1])
	}
	if p.name != "" {
		add("c", prefix(p.name, 8))
		place := p.Postcode
		if place == "" {
			place = p.Town
		}
		for _, w := range p.Name {
			if len(w) >= 3 {
				add("c", phonetic(w), place)
			}
		}
	}
	for _, c := range p.Companies {
		add("ca", prefix(c, 8), p.famCode)
	}
	add("d", p.Domain)
	for k, v := range p.Identifiers {
		add("id", k, v)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Pairs returns the candidate pairs among ps: the indexes i < j of every
// two profiles that share a block of at most maxBlock members (MaxBlock
// when 0), each pair once, in order.
func Pairs(ps []*Profile, maxBlock int) [][2]int {
	if maxBlock <= 0 {
		maxBlock = MaxBlock
	}
	blocks := map[string][]int32{}
	for i, p := range ps {
		for _, k := range p.Blocks() {
			blocks[k] = append(blocks[k], int32(i))
		}
	}
	seen := map[[2]int32]bool{}
	for _, members := range blocks {
		if len(members) < 2 || len(members) > maxBlock {
			continue
		}
		for x, i := range members {
			for _, j := range members[x+1:] {
				seen[[2]int32{min(i, j), max(i, j)}] = true
			}
		}
	}
	out := make([][2]int, 0, len(seen))
	for p := range seen {
		out = append(out, [2]int{int(p[0]), int(p[1])})
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}
