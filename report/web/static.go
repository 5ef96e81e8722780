package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

// assets are the page's template, stylesheet and script: everything the
// browser loads comes from the binary.
//
//go:embed assets
var assets embed.FS

// pageTemplate is parsed once, on first use (not at package
// initialisation, which every srvmon process pays for, record included);
// html/template escapes every value put into it (label values included) for
// the context it lands in.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(assets, "assets/page.html"))
})

// assetVersion is a digest of the static files, put in their URLs so that
// browsers may cache them and still fetch them again after an upgrade.
var assetVersion = sync.OnceValue(func() string {
	h := sha256.New()
	fs.WalkDir(assets, "assets/static", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := assets.ReadFile(path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// staticHandler serves /static/ from the embedded assets: files only, no
// directory listings, cacheable for a day.
func staticHandler() http.Handler {
	sub, err := fs.Sub(assets, "assets/static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if fi, err := fs.Stat(sub, name); name == "" || err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
