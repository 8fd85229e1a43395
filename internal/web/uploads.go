package web

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
)

// uploads keeps the files uploaded to the import screen while the user
// checks how they read, maps their columns and tries a dry run, so that
// each step does not send the file again. A file is the uploader's alone
// and is passed on when its import starts in the background (which then
// owns it), or removed after uploadLife. The files are the importer's,
// in its directory, whose sweep removes those a stopped server left.
type uploads struct {
	mu    sync.Mutex
	files map[string]*upload
}

// upload is one file of the import screen.
type upload struct {
	file      *importer.File
	name      string
	workspace int64
	user      int64
	at        time.Time
}

// uploadLife is how long an upload is kept without being imported.
const uploadLife = 2 * time.Hour

func newUploads() *uploads { return &uploads{files: map[string]*upload{}} }

// add keeps u and returns its token, removing the uploads that expired.
func (s *uploads) add(u *upload) string {
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	s.mu.Lock()
	for t, old := range s.files {
		if time.Since(old.at) > uploadLife {
			old.file.Remove()
			delete(s.files, t)
		}
	}
	s.mu.Unlock()
	s.put(token, u)
	return token
}

// put keeps u under token.
func (s *uploads) put(token string, u *upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[token] = u
}

// get returns the upload of token if it is the user's.
func (s *uploads) get(token string, workspace, user int64) *upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.files[token]
	if u == nil || u.workspace != workspace || u.user != user {
		return nil
	}
	return u
}

// take removes the upload of token from the store and returns it, if
// it is the user's; the caller owns its file. Of two takes at once, one
// gets it.
func (s *uploads) take(token string, workspace, user int64) *upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.files[token]
	if u == nil || u.workspace != workspace || u.user != user {
		return nil
	}
	delete(s.files, token)
	return u
}
