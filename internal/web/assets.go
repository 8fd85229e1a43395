package web

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// dist holds the bundles that tools/assets builds. In a fresh clone it
// holds only a README, and the pages say that the assets are missing.
//
//go:embed static/dist
var dist embed.FS

// assetNames are the hashed file names of the bundles, as the layout links
// them.
type assetNames struct {
	JS, CSS string
	Missing bool // the bundles were not built
}

// assets serves the bundles.
type assets struct {
	built bool
	names assetNames
	files map[string]bool // the hashed names that may be served
}

// loadAssets reads the manifest that tools/assets wrote. Without one the
// server still runs, its pages unstyled and saying so.
func loadAssets() (*assets, error) {
	data, err := dist.ReadFile("static/dist/manifest.json")
	if errors.Is(err, fs.ErrNotExist) {
		return &assets{names: assetNames{Missing: true}, files: map[string]bool{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var manifest map[string]string
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, errors.New("web: static/dist/manifest.json: " + err.Error())
	}
	a := &assets{built: true, files: map[string]bool{}}
	a.names = assetNames{JS: "/static/" + manifest["app.js"], CSS: "/static/" + manifest["app.css"]}
	for _, f := range manifest {
		if _, err := dist.Open("static/dist/" + f); err != nil {
			return nil, errors.New("web: the manifest names " + f + ", which is not built; run go run ./tools/assets again")
		}
		a.files[f] = true
	}
	return a, nil
}

// serve answers a bundle, gzipped when the browser takes it. Its name
// changes with its content, so browsers may keep it for a year without
// asking again.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !a.files[name] {
		http.NotFound(w, r)
		return
	}
	data, err := dist.ReadFile("static/dist/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		if gz, err := dist.ReadFile("static/dist/" + name + ".gz"); err == nil {
			w.Header().Set("Content-Encoding", "gzip")
			data = gz
		}
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+name+`"`)
	if r.Header.Get("If-None-Match") == `"`+name+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(data)
}
