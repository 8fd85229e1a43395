package records

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"github.com/rapport-crm/rapport/internal/fault"
)

// richText is the one policy for the HTML of every long-text field: a
// note's body, a task's result, a deal's loss note, a product's
// description, custom long-text fields of any object. It keeps the
// formatting people write (paragraphs, emphasis, lists, quotes, code,
// tables, links) and drops whatever could run in a reader's browser, fetch
// something when the text is shown, or pass for a part of the page around
// it:
//
//   - scripts, styles, event handlers, forms, frames, objects, SVG, media;
//   - every attribute not named below, so id and name (which clobber the
//     page's own elements and globals), class and style (which borrow the
//     page's look or fetch through url()), data-* and hx-* (which the page's
//     scripts would act on);
//   - images, unless the picture is inside the value as a data: URI of a
//     raster type (PNG, JPEG, GIF, WebP): a remote or relative src would be
//     fetched by every reader's browser, telling its owner who read what
//     and when, or make a request to Rapport itself as the reader;
//   - links other than http, https, mailto and tel, or relative ones
//     starting with /, # or ?; links open in a new tab without a referrer.
//
// See docs/decisions/0014-rich-text.md.
var richText = newRichText()

// dataImage is the only src an image may have.
var dataImage = regexp.MustCompile(`^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$`)

// safeHref is the start of a link target that may be kept. Matched
// against the attribute as written (after entity decoding), so a target
// that only looks harmless once spaces are trimmed is dropped.
var safeHref = regexp.MustCompile(`(?i)^(?:https?:|mailto:|tel:|[/#?])`)

func newRichText() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "div", "span", "blockquote", "pre", "code", "kbd", "samp",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup", "mark", "small", "q", "abbr",
		"ul", "ol", "li", "dl", "dt", "dd",
		"table", "caption", "thead", "tbody", "tfoot", "tr")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowElements("td", "th")

	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	// data: is allowed as a scheme only because img src is matched against
	// dataImage first; safeHref keeps it out of links.
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool { return dataImage.MatchString(u.String()) })
	p.AllowAttrs("href").Matching(safeHref).OnElements("a")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("a", "abbr")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowAttrs("src").Matching(dataImage).OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img")
	return p
}

// richTextValue is the stored form of a long-text value: its HTML cleaned
// by the policy, white space kept as written. A value that holds nothing
// but white space once cleaned is no value.
func richTextValue(f *Field, s string) (any, *fault.FieldError) {
	clean := richText.Sanitize(s)
	if strings.TrimSpace(clean) != "" {
		return clean, nil
	}
	if f.Required {
		if strings.TrimSpace(s) != "" {
			return nil, bad(f.Name, "required", "holds no text once unsafe markup is removed")
		}
		return nil, bad(f.Name, "required", "is required")
	}
	return nil, nil
}

// RichText cleans HTML by the policy of every long-text field, for
// showing a stored value: values written before the policy (or past the
// engine) are shown as safely as new ones.
func RichText(s string) string { return richText.Sanitize(s) }
