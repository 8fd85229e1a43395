package mailbox

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy makes a message's HTML safe to show inside the page: no
// scripts, styles, forms or frames; links open in a new tab without
// telling the target where they came from.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("align", "bgcolor", "width", "height", "border", "cellpadding", "cellspacing").Globally()
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}()

// inlineImage matches the address of an image the message carries
// (rewritten from cid: before sanitising).
var inlineImage = regexp.MustCompile(`^/mail/[0-9]+/attachments/[0-9]+$`)

// cidRef finds the cid: references of inline images.
var cidRef = regexp.MustCompile(`(?i)(src\s*=\s*["']?)cid:([^"'\s>]+)`)

// Sanitise returns the HTML of a message as safe to put in a page.
// inline maps the Content-IDs of the message's parts to their addresses.
// Remote images stay out unless allowRemote, since loading one tells the
// sender that, when and where the letter was read; held reports whether
// some were held back.
func Sanitise(body string, inline map[string]string, allowRemote bool) (out string, held bool) {
	body = cidRef.ReplaceAllStringFunc(body, func(m string) string {
		sub := cidRef.FindStringSubmatch(m)
		if href, ok := inline[sub[2]]; ok {
			return sub[1] + href
		}
		return sub[1]
	})
	clean := policy.Sanitize(body)
	if allowRemote {
		return clean, false
	}
	// The sanitised HTML is well formed: its img tags are rewritten
	// token by token, keeping only the sources the message carries.
	var b bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		if (tt == html.StartTagToken || tt == html.SelfClosingTagToken) && tok.Data == "img" {
			kept := tok.Attr[:0]
			for _, a := range tok.Attr {
				if a.Key == "src" && !inlineImage.MatchString(a.Val) {
					held = true
					continue
				}
				kept = append(kept, a)
			}
			tok.Attr = kept
		}
		b.WriteString(tok.String())
	}
	return b.String(), held
}
