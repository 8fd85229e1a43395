package web

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"time"
)

// uploads keeps the files uploaded to the import screen while the user
// checks how they read, maps their columns and tries a dry run, so that
// each step does not send the file again. A file is the uploader's alone
// and is removed when its import starts in the background (which then
// owns it) or after uploadLife.
type uploads struct {
	mu    sync.Mutex
	files map[string]*upload
}

// upload is one file of the import screen.
type upload struct {
	path      string
	name      string
	size      int64
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
	defer s.mu.Unlock()
	for t, old := range s.files {
		if time.Since(old.at) > uploadLife {
			os.Remove(old.path)
			delete(s.files, t)
		}
	}
	s.files[token] = u
	return token
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

// take removes the upload of token from the store and returns it; the
// caller owns its file.
func (s *uploads) take(token string, workspace, user int64) *upload {
	u := s.get(token, workspace, user)
	if u != nil {
		s.mu.Lock()
		delete(s.files, token)
		s.mu.Unlock()
	}
	return u
}
