// Package ide serves a GraphiQL IDE for the GraphQL API that works without
// internet access: the page, its bootstrap code and the GraphiQL and React
// browser builds are embedded in the binary (see update-assets.sh for where
// the vendored files come from) and served from the same origin.
//
// The page opens with DefaultQuery, has a field for an API token that is kept
// in the browser's localStorage and sent as "Authorization: Bearer <token>"
// with every request, and is served with a Content-Security-Policy that lets
// it load scripts and styles and send requests to its own origin only (plus
// one style element that carries the page's nonce).
//
// Wiring it into a server is one line:
//
//	ide.Mount(mux, "/query")
package ide

import (
	"bytes"
	"crypto/rand"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AssetsPath is the path under which the page's scripts and styles are
// served. The page refers to them by absolute path, so a Handler must be
// reachable at AssetsPath on the page's origin (Mount arranges that).
const AssetsPath = "/ide/assets/"

// DefaultQuery is the query the IDE opens with when the browser has no saved
// editor tabs yet: an overview of the users with their permissions.
const DefaultQuery = `query Overview {
  users(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name email language
        permissions(first: 20) {
          totalCount
          edges {
            node {
              id status remoteAllowed
              device { id name type timeZone }
              restrictions { validFrom validUntil weekdays dailyFrom dailyUntil }
              invitation { id status expiresAt }
            }
          }
        }
      }
    }
  }
}
`

// contentSecurityPolicy is sent with the page, with a fresh nonce in place
// of %s. Scripts, styles and requests are limited to the page's own origin;
// data: is allowed for the fonts that GraphiQL's stylesheet inlines and for
// images (the page's empty favicon). The nonce is for the one <style> element
// that GraphiQL's dialogs add at run time (the scroll lock of the modal
// dialog, whose content depends on the scrollbar); ide.js hands it to that
// code. No inline script is allowed.
const contentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self' 'nonce-%s'; " +
	"connect-src 'self'; " +
	"font-src 'self' data:; " +
	"img-src 'self' data:; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'"

// noncePlaceholder stands for the nonce in the rendered page.
const noncePlaceholder = "LatchkeyIdeNoncePlaceholder"

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// Mount registers the IDE page at GET / and its assets at GET /ide/, both
// talking to the GraphQL endpoint at path endpoint (such as "/query").
func Mount(mux *http.ServeMux, endpoint string) {
	h := Handler(endpoint)
	mux.Handle("GET /{$}", h)
	mux.Handle("GET /ide/", h)
}

// Handler returns a handler that serves the files under AssetsPath, answers
// 404 for other paths under /ide/, and serves the IDE page for any other path
// it is routed (such as "/" or "/graphiql"). The page sends its GraphQL
// requests to endpoint, which must be a path on the same origin ("/query");
// Handler panics otherwise, as the page's Content-Security-Policy would block
// any other host. Only GET and HEAD are answered.
func Handler(endpoint string) http.Handler {
	if err := checkEndpoint(endpoint); err != nil {
		panic("ide: " + err.Error())
	}
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct {
		Endpoint     string
		DefaultQuery string
		Nonce        string
		Asset        func(string) (string, error)
	}{endpoint, DefaultQuery, noncePlaceholder, assetURL})
	if err != nil {
		panic("ide: page template: " + err.Error())
	}
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(noncePlaceholder))
	if !ok || bytes.Contains(after, []byte(noncePlaceholder)) {
		panic("ide: page template: want the nonce exactly once")
	}
	return &handler{pageBefore: before, pageAfter: after}
}

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "" || u.Host != "" || !strings.HasPrefix(endpoint, "/") || strings.HasPrefix(endpoint, "//") {
		return fmt.Errorf("endpoint %q is not a path on the page's own origin, like \"/query\"", endpoint)
	}
	return nil
}

// handler serves the page, which is pageBefore + nonce + pageAfter, and the
// assets.
type handler struct {
	pageBefore, pageAfter []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if name, ok := strings.CutPrefix(r.URL.Path, AssetsPath); ok {
		serveAsset(w, r, name)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/ide/") {
		http.NotFound(w, r)
		return
	}
	nonce := rand.Text()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", fmt.Sprintf(contentSecurityPolicy, nonce))
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(h.pageBefore)+len(nonce)+len(h.pageAfter)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(slices.Concat(h.pageBefore, []byte(nonce), h.pageAfter))
}

// embedded holds the files served under AssetsPath: the bootstrap code and
// styles of the page, and the vendored builds in assets/vendor/.
//
//go:embed assets
var embedded embed.FS
