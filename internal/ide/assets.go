package ide

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// asset is one embedded file with what is needed to serve it.
type asset struct {
	data        []byte
	contentType string
	version     string // a prefix of the content's SHA-256, in hex
	compress    bool   // worth gzipping for clients that accept it

	gzipOnce sync.Once
	gzipped  []byte // nil when gzip does not make it smaller
}

// contentTypes maps the extensions of the embedded files to their types. It
// is fixed here rather than taken from the mime package, whose answers depend
// on the system's mime.types.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	"":     "text/plain; charset=utf-8", // LICENSE, PACKAGES
}

// assets maps a name below AssetsPath ("ide.js", "vendor/react/LICENSE") to
// its file.
var assets = func() map[string]*asset {
	m := map[string]*asset{}
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("%s: no content type for its extension", p)
		}
		data, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m[strings.TrimPrefix(p, "assets/")] = &asset{
			data:        data,
			contentType: ct,
			version:     hex.EncodeToString(sum[:8]),
			compress:    !strings.HasPrefix(ct, "text/plain"),
		}
		return nil
	})
	if err != nil {
		panic("ide: embedded assets: " + err.Error())
	}
	return m
}()

// assetURL returns the URL by which the page refers to the asset name. The
// ?v= parameter changes with the content, so such URLs can be cached for good.
func assetURL(name string) (string, error) {
	a, ok := assets[name]
	if !ok {
		return "", fmt.Errorf("no embedded asset %q", name)
	}
	return AssetsPath + name + "?v=" + a.version, nil
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	if r.URL.Query().Get("v") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	data, etag := a.data, `"`+a.version+`"`
	if a.compress {
		hdr.Add("Vary", "Accept-Encoding")
		if gz := a.gzip(); gz != nil && acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			data, etag = gz, `"`+a.version+`-gzip"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// gzip returns the file gzipped, compressing it on first use.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.data)
		if zw.Close() == nil && buf.Len() < len(a.data) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, field := range r.Header.Values("Accept-Encoding") {
		for coding := range strings.SplitSeq(field, ",") {
			name, params, _ := strings.Cut(coding, ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
