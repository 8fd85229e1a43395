package dav

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds a request's body as Rapport keeps it: a vCard without
// its pictures, an iCalendar item, a REPORT. It is the max-resource-size
// the collections announce.
const maxBody = 1 << 20

// maxCard bounds the bytes of a vCard read from the wire, pictures
// included: a phone sends a contact's photo inline (base64), and a photo
// from a camera is several megabytes. Rapport keeps no pictures, so they
// are dropped as they are read, and only maxBody of the rest is held.
const maxCard = 32 << 20

// pictures are the vCard properties that carry a file Rapport does not
// keep.
var pictures = []string{"PHOTO", "LOGO", "SOUND"}

var errTooLarge = errors.New("too large")

// readBody reads a request's body before it is served, so that one too
// large is refused with 413 and a reason rather than half parsed: a vCard
// without its pictures up to maxBody (of maxCard in all), anything else
// up to maxBody.
func (s *Server) readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var data []byte
		var err error
		if r.Method == http.MethodPut && (ct == "text/vcard" || ct == "text/x-vcard") {
			data, err = withoutPictures(http.MaxBytesReader(w, r.Body, maxCard))
		} else {
			data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody+1))
			if err == nil && len(data) > maxBody {
				err = errTooLarge
			}
		}
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, errTooLarge) || errors.As(err, &mbe):
			why := "the body is larger than " + megabytes(maxBody) + "; Rapport keeps no larger item"
			if ct == "text/vcard" || ct == "text/x-vcard" {
				why = "the vCard is larger than " + megabytes(maxBody) + " without its photo, or " + megabytes(maxCard) +
					" with it; Rapport keeps no photos, and no larger contact"
			}
			http.Error(w, why, http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "the body could not be read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.ContentLength = int64(len(data))
		next.ServeHTTP(w, r)
	})
}

func megabytes(n int) string { return strconv.Itoa(n>>20) + " MB" }

// withoutPictures reads a vCard, leaving out its pictures (each a
// property and its folded lines, which may run to megabytes), and
// refuses with errTooLarge what is left beyond maxBody. A line is read a
// buffer at a time, never whole.
func withoutPictures(r io.Reader) ([]byte, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out bytes.Buffer
	skipping, lineStart := false, true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart {
				folded := chunk[0] == ' ' || chunk[0] == '\t'
				blank := len(bytes.TrimRight(chunk, "\r\n")) == 0
				// A blank line ends a vCard 2.1 picture; it is left out
				// with it.
				if !folded && !(skipping && blank) {
					skipping = isPicture(chunk)
				}
			}
			if !skipping {
				if out.Len()+len(chunk) > maxBody {
					return nil, errTooLarge
				}
				out.Write(chunk)
			}
			lineStart = chunk[len(chunk)-1] == '\n'
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return out.Bytes(), nil
		case err != nil:
			return nil, err
		}
	}
}

// isPicture reports whether line starts a picture property, with or
// without a group (item1.PHOTO).
func isPicture(line []byte) bool {
	end := bytes.IndexAny(line, ";:")
	if end < 0 {
		return false
	}
	name := string(line[:end])
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	for _, p := range pictures {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}
