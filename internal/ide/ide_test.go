package ide

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	Mount(mux, "/query")
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// plainTransport leaves Accept-Encoding and Content-Encoding to the tests.
var plainTransport = &http.Transport{DisableCompression: true}

func get(t *testing.T, rawURL string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := plainTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

var (
	refPattern = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)
	urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>)]*`)
)

func wantContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}

func TestPageAndAssetsAreServed(t *testing.T) {
	srv := newServer(t)
	pageURL, _ := url.Parse(srv.URL + "/")

	resp, body := get(t, pageURL.String(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	page := string(body)
	csp := resp.Header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`data-style-nonce="([A-Za-z0-9]{16,})"`).FindStringSubmatch(page)
	if nonce == nil {
		t.Fatal("page has no style nonce")
	}
	for _, directive := range []string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce[1] + "'",
		"connect-src 'self'",
	} {
		if !strings.Contains(csp, directive+";") {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
	}
	if _, again := get(t, pageURL.String(), nil); bytes.Contains(again, []byte(nonce[1])) {
		t.Error("two page loads got the same nonce")
	}

	// No absolute http(s) URL to another host, anywhere in the page.
	for _, u := range urlPattern.FindAllString(page, -1) {
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host != pageURL.Host {
			t.Errorf("page refers to %q, on another host", u)
		}
	}
	// No inline script: everything the page runs comes from its own files.
	if n := strings.Count(page, "<script"); n != strings.Count(page, "<script defer src=") {
		t.Errorf("page has %d scripts, not all external", n)
	}
	if !strings.Contains(page, `data-endpoint="/query"`) {
		t.Error("page does not name the endpoint /query")
	}
	m := regexp.MustCompile(`data-default-query="([^"]*)"`).FindStringSubmatch(page)
	if m == nil || html.UnescapeString(m[1]) != DefaultQuery {
		t.Error("page does not carry DefaultQuery")
	}

	var scripts, styles int
	for _, m := range refPattern.FindAllStringSubmatch(page, -1) {
		ref := html.UnescapeString(m[1])
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		u, err := pageURL.Parse(ref)
		if err != nil {
			t.Errorf("reference %q: %v", ref, err)
			continue
		}
		if u.Host != pageURL.Host {
			t.Errorf("reference %q is on another host", ref)
			continue
		}
		if !strings.HasPrefix(u.Path, AssetsPath) {
			t.Errorf("reference %q is outside %s", ref, AssetsPath)
		}
		switch path.Ext(u.Path) {
		case ".js":
			scripts++
		case ".css":
			styles++
		}
		resp, body := get(t, u.String(), nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", ref, resp.StatusCode)
			continue
		}
		if ct, want := resp.Header.Get("Content-Type"), wantContentType(u.Path); ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", ref, ct, want)
		}
		if len(body) == 0 {
			t.Errorf("GET %s: empty", ref)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("GET %s: Cache-Control %q for a versioned URL", ref, cc)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", ref)
		}
	}
	if scripts != 4 || styles != 2 {
		t.Errorf("page refers to %d scripts and %d stylesheets, want 4 and 2", scripts, styles)
	}
}

func TestLicensesAreServed(t *testing.T) {
	srv := newServer(t)
	for _, pkg := range []string{"graphiql", "react", "react-dom"} {
		resp, body := get(t, srv.URL+AssetsPath+"vendor/"+pkg+"/LICENSE", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("MIT License")) {
			t.Errorf("%s LICENSE: status %d, %d bytes", pkg, resp.StatusCode, len(body))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("%s LICENSE: Content-Type %q", pkg, ct)
		}
	}
}

func TestAssetRevalidationAndGzip(t *testing.T) {
	srv := newServer(t)
	u := srv.URL + AssetsPath + "vendor/graphiql/graphiql.min.js"
	want, err := embedded.ReadFile("assets/vendor/graphiql/graphiql.min.js")
	if err != nil {
		t.Fatal(err)
	}

	resp, body := get(t, u, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
		t.Fatalf("plain: status %d, %d bytes, want %d", resp.StatusCode, len(body), len(want))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("unversioned URL: Cache-Control %q, want no-cache", cc)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, _ = get(t, u, http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}

	resp, body = get(t, u, http.Header{"Accept-Encoding": {"br, gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if len(body) >= len(want) {
		t.Errorf("gzipped body is %d bytes, the file %d", len(body), len(want))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, want) {
		t.Errorf("gunzipped body differs from the file (err %v)", err)
	}
	if resp.Header.Get("ETag") == etag {
		t.Error("gzipped and plain responses share an ETag")
	}

	resp, _ = get(t, u, http.Header{"Accept-Encoding": {"gzip;q=0"}})
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		AssetsPath + "missing.js",
		AssetsPath + "vendor/graphiql/index.umd.js.map",
		AssetsPath,
		"/ide/",
		"/ide/page.html",
		"/elsewhere",
	} {
		if resp, _ := get(t, srv.URL+p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}

	h := Handler("/query")
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /: status %d, want 405", method, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD /: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestHandlerServesPageWhereMounted(t *testing.T) {
	mux := http.NewServeMux()
	h := Handler("/api/graphql")
	mux.Handle("GET /graphiql", h)
	mux.Handle("GET /ide/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, body := get(t, srv.URL+"/graphiql", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`data-endpoint="/api/graphql"`)) {
		t.Errorf("GET /graphiql: status %d", resp.StatusCode)
	}
}

func TestHandlerRejectsEndpointsOnOtherOrigins(t *testing.T) {
	for _, endpoint := range []string{"https://example.com/query", "//example.com/query", "query", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic", endpoint)
				}
			}()
			Handler(endpoint)
		}()
	}
}
