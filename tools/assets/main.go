// Command assets bundles the web app's JavaScript and CSS with esbuild
// into internal/web/static/dist: files named by a hash of their content,
// and manifest.json, which maps each entry's plain name to its hashed one.
// Run it after `npm ci`, from the module's root:
//
//	go run ./tools/assets
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const (
	src  = "internal/web/static/src"
	dist = "internal/web/static/dist"
)

// entries are the bundles the pages load.
var entries = []string{"app.js", "app.css"}

func main() {
	if err := build(); err != nil {
		fmt.Fprintln(os.Stderr, "assets:", err)
		os.Exit(1)
	}
}

func build() error {
	if _, err := os.Stat("node_modules/htmx.org"); err != nil {
		return fmt.Errorf("node_modules/htmx.org is missing: run `npm ci` first")
	}
	if err := clean(); err != nil {
		return err
	}
	var points []string
	for _, e := range entries {
		points = append(points, filepath.Join(src, e))
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:       points,
		Outdir:            dist,
		EntryNames:        "[name]-[hash]",
		Bundle:            true,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Target:            api.ES2020,
		Metafile:          true,
		Write:             true,
		LogLevel:          api.LogLevelWarning,
	})
	if len(res.Errors) > 0 {
		return fmt.Errorf("esbuild: %s", res.Errors[0].Text)
	}
	manifest, err := manifestOf(res.Metafile)
	if err != nil {
		return err
	}
	for _, f := range manifest {
		if err := compress(filepath.Join(dist, f)); err != nil {
			return err
		}
	}
	out, _ := json.MarshalIndent(manifest, "", "  ")
	if err := os.WriteFile(filepath.Join(dist, "manifest.json"), append(out, '\n'), 0o644); err != nil {
		return err
	}
	names := make([]string, 0, len(manifest))
	for k, v := range manifest {
		names = append(names, k+" -> "+v)
	}
	sort.Strings(names)
	fmt.Println("assets:", strings.Join(names, ", "))
	return nil
}

// clean removes earlier bundles, keeping the README that lets the embed
// pattern match in a fresh clone.
func clean() error {
	files, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Name() != "README.md" {
			if err := os.Remove(filepath.Join(dist, f.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// compress writes a gzipped copy of a bundle beside it, which the server
// sends to browsers that take gzip: a third of the bytes, compressed once.
func compress(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path+".gz", buf.Bytes(), 0o644)
}

// manifestOf reads esbuild's metafile for the output of each entry point.
func manifestOf(metafile string) (map[string]string, error) {
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for out, o := range meta.Outputs {
		if o.EntryPoint == "" {
			continue
		}
		m[filepath.Base(o.EntryPoint)] = filepath.Base(out)
	}
	if len(m) != len(entries) {
		return nil, fmt.Errorf("esbuild wrote %d bundles, want %d", len(m), len(entries))
	}
	return m, nil
}
