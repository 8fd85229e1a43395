package analysis

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// Chart is what a chart draws: one figure per point, each in a series
// (the second grouping, when there is one) and at a category (the
// first). The SVG is drawn on the server with a title and a description
// for screen readers; the table beside it says the same in words.
type Chart struct {
	Kind, Title, Desc string
	Points            []Point
}

// Point is one figure of a chart; Text is its wording.
type Point struct {
	Category, Series string
	Value            float64
	Text             string
}

// The chart's frame, in the units of its viewBox; it scales to the
// width of its box, a phone's included.
const (
	chartW = 640
	chartH = 320
	padL   = 16
	padB   = 56
	padT   = 16
)

// palette holds the series' colours, as attributes (a PNG drawn from the
// SVG has no stylesheet).
var palette = []string{"#2563eb", "#d97706", "#059669",
	"#db2777", "#7c3aed", "#0891b2"}

func colour(i int) string { return palette[i%len(palette)] }

// SVG draws the chart; a chart without points is an empty frame (the
// page says why).
func (c Chart) SVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="builder-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`, esc(c.Title), esc(c.Desc))
	if len(c.Points) > 0 {
		switch c.Kind {
		case "line":
			c.line(&b)
		case "pie":
			c.pie(&b)
		case "funnel":
			c.funnel(&b)
		case "table":
		default:
			c.bar(&b)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// short clips a label to fit under a bar.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (c Chart) categories() []string {
	var out []string
	for _, p := range c.Points {
		if !slices.Contains(out, p.Category) {
			out = append(out, p.Category)
		}
	}
	return out
}

func (c Chart) series() []string {
	var out []string
	for _, p := range c.Points {
		if !slices.Contains(out, p.Series) {
			out = append(out, p.Series)
		}
	}
	return out
}

// scale returns the largest and smallest values shown (0 always among
// them).
func (c Chart) scale() (lo, hi float64) {
	for _, p := range c.Points {
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi
}

func (c Chart) bar(b *strings.Builder) {
	cats, series := c.categories(), c.series()
	lo, hi := c.scale()
	plotH := float64(chartH - padB - padT)
	y := func(v float64) float64 { return padT + plotH*(hi-v)/(hi-lo) }
	slot := float64(chartW-2*padL) / float64(len(cats))
	w := slot * 0.8 / float64(len(series))
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity=".4"/>`, padL, chartW-padL, y(0), y(0))
	for _, p := range c.Points {
		ci, si := slices.Index(cats, p.Category), slices.Index(series, p.Series)
		x := padL + slot*float64(ci) + slot*0.1 + w*float64(si)
		top, bottom := y(max(p.Value, 0)), y(min(p.Value, 0))
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
			x, top, math.Max(w-1, 1), math.Max(bottom-top, 0.5), colour(si), esc(pointTitle(p)))
	}
	c.top(b, y)
	c.xLabels(b, cats, slot)
	c.legend(b, series)
}

// top writes the largest figure at the top of the scale, with a faint
// line across, so that the bars' and lines' heights read as amounts.
func (c Chart) top(b *strings.Builder, y func(float64) float64) {
	best := c.Points[0]
	for _, p := range c.Points {
		if p.Value > best.Value {
			best = p
		}
	}
	if best.Value <= 0 {
		return
	}
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity=".15" stroke-dasharray="4 4"/>`,
		padL, chartW-padL, y(best.Value), y(best.Value))
	fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="12" fill="currentColor" fill-opacity=".7">%s</text>`, padL, y(best.Value)-4, esc(best.Text))
}

// pointTitle is a point in words, for its tooltip.
func pointTitle(p Point) string {
	s := p.Category
	if p.Series != "" {
		s += " · " + p.Series
	}
	return s + ": " + p.Text
}

// xLabels writes the categories under the plot, fewer when they crowd.
func (c Chart) xLabels(b *strings.Builder, cats []string, slot float64) {
	every := int(math.Ceil(float64(len(cats)) * 60 / float64(chartW-2*padL)))
	every = max(every, 1)
	n := max(int(slot*float64(every)/7), 4)
	for i, cat := range cats {
		if i%every != 0 {
			continue
		}
		x := padL + slot*float64(i) + slot/2
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12" fill="currentColor">%s</text>`, x, chartH-padB+16, esc(short(cat, n)))
	}
}

// legend names the series when there are several.
func (c Chart) legend(b *strings.Builder, series []string) {
	if len(series) < 2 {
		return
	}
	x := float64(padL)
	for i, s := range series {
		if x > chartW-80 {
			break
		}
		label := short(s, 14)
		fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="10" height="10" fill="%s"/><text x="%.1f" y="%d" font-size="12" fill="currentColor">%s</text>`,
			x, chartH-18, colour(i), x+14, chartH-9, esc(label))
		x += 24 + float64(len([]rune(label)))*7
	}
}

func (c Chart) line(b *strings.Builder) {
	cats, series := c.categories(), c.series()
	lo, hi := c.scale()
	plotH := float64(chartH - padB - padT)
	y := func(v float64) float64 { return padT + plotH*(hi-v)/(hi-lo) }
	slot := float64(chartW-2*padL) / float64(len(cats))
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity=".4"/>`, padL, chartW-padL, y(0), y(0))
	for si, s := range series {
		var pts []string
		for _, p := range c.Points {
			if p.Series != s {
				continue
			}
			x := padL + slot*float64(slices.Index(cats, p.Category)) + slot/2
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(p.Value)))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s</title></circle>`, x, y(p.Value), colour(si), esc(pointTitle(p)))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), colour(si))
	}
	c.top(b, y)
	c.xLabels(b, cats, slot)
	c.legend(b, series)
}

// pie draws the categories' shares of the total of their positive
// values.
func (c Chart) pie(b *strings.Builder) {
	var total float64
	for _, p := range c.Points {
		total += max(p.Value, 0)
	}
	if total == 0 {
		return
	}
	cx, cy, r := 160.0, float64(chartH)/2, float64(chartH)/2-24
	angle := -math.Pi / 2
	for i, p := range c.Points {
		v := max(p.Value, 0)
		if v == 0 {
			continue
		}
		sweep := 2 * math.Pi * v / total
		if sweep >= 2*math.Pi-1e-9 {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s</title></circle>`, cx, cy, r, colour(i), esc(pointTitle(p)))
		} else {
			x1, y1 := cx+r*math.Cos(angle), cy+r*math.Sin(angle)
			x2, y2 := cx+r*math.Cos(angle+sweep), cy+r*math.Sin(angle+sweep)
			large := 0
			if sweep > math.Pi {
				large = 1
			}
			fmt.Fprintf(b, `<path d="M%.1f,%.1f L%.1f,%.1f A%.1f,%.1f 0 %d 1 %.1f,%.1f Z" fill="%s"><title>%s</title></path>`,
				cx, cy, x1, y1, r, r, large, x2, y2, colour(i), esc(pointTitle(p)))
		}
		angle += sweep
	}
	for i, p := range c.Points {
		if i >= 12 {
			break
		}
		label := p.Category
		if p.Series != "" {
			label += " · " + p.Series
		}
		fmt.Fprintf(b, `<rect x="340" y="%d" width="10" height="10" fill="%s"/><text x="356" y="%d" font-size="12" fill="currentColor">%s</text>`,
			24+i*22, colour(i), 33+i*22, esc(short(label, 22)+": "+p.Text))
	}
}

// funnel draws each category as a bar centred on the middle, as wide as
// its share of the largest.
func (c Chart) funnel(b *strings.Builder) {
	_, hi := c.scale()
	n := len(c.Points)
	h := float64(chartH-2*padT) / float64(n)
	for i, p := range c.Points {
		w := float64(chartW-2*padL) * max(p.Value, 0) / hi
		x := (chartW - w) / 2
		y := padT + h*float64(i)
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
			x, y, math.Max(w, 1), math.Max(h-2, 1), colour(0), esc(pointTitle(p)))
		if h >= 14 {
			fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="13" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`,
				chartW/2, y+h/2+4, esc(short(pointTitle(p), 60)))
		}
	}
}
