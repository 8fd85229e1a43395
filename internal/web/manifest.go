package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"strings"
)

// icons are the app's icons, which tools/icons draws.
//
//go:embed static/icons
var icons embed.FS

// iconTypes are the icons that may be served, with their content types.
var iconTypes = map[string]string{
	"icon.svg":             "image/svg+xml",
	"icon-192.png":         "image/png",
	"icon-512.png":         "image/png",
	"apple-touch-icon.png": "image/png",
}

// iconCache is how long a browser keeps an icon: a month, as its address
// does not change with it; the ETag makes asking again after that cheap.
const iconCache = "public, max-age=2592000"

// themeColor and backgroundColor are the app's accent and its page
// background, as app.css has them.
const (
	themeColor      = "#2952cc"
	backgroundColor = "#f7f7f5"
)

// manifest is the web app manifest, which makes Rapport installable: it
// opens on My day in a window of its own.
var manifest = mustJSON(map[string]any{
	"name":             "Rapport",
	"short_name":       "Rapport",
	"id":               "/",
	"start_url":        "/",
	"scope":            "/",
	"display":          "standalone",
	"theme_color":      themeColor,
	"background_color": backgroundColor,
	"icons": []map[string]string{
		{"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
		{"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
		{"src": "/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
	},
})

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// serveManifest answers the web app manifest, which browsers fetch
// without credentials: it holds nothing of anyone's.
func serveManifest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(manifest)
}

// serveIcon answers one of the icons.
func serveIcon(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("file"))
	kind, ok := iconTypes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := icons.ReadFile("static/icons/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(data)
	tag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("Content-Type", kind)
	w.Header().Set("Cache-Control", iconCache)
	w.Header().Set("ETag", tag)
	if strings.Contains(r.Header.Get("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(data)
}
