package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// minCompressed is the smallest page worth compressing: below it the
// gzip header and the work cost more than they save.
const minCompressed = 1024

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// compress gzips a page for a browser that takes gzip and asked for it
// itself: from one of Rapport's own pages (Sec-Fetch-Site: same-origin) or
// from its address bar or a bookmark (none). A page carries the session's
// CSRF token, and some repeat what the request asked for (a search); were
// pages compressed for requests another site makes the browser send, that
// site could learn the token from the sizes of the answers (BREACH). It
// returns the body to send and sets the headers that go with it.
func compress(w http.ResponseWriter, r *http.Request, body []byte) []byte {
	w.Header().Add("Vary", "Accept-Encoding, Sec-Fetch-Site")
	site := r.Header.Get("Sec-Fetch-Site")
	if len(body) < minCompressed || site != "same-origin" && site != "none" ||
		!strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		return body
	}
	var buf bytes.Buffer
	gz := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(gz)
	gz.Reset(&buf)
	if _, err := gz.Write(body); err != nil {
		return body
	}
	if err := gz.Close(); err != nil {
		return body
	}
	w.Header().Set("Content-Encoding", "gzip")
	return buf.Bytes()
}
