package ide_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey/internal/demo"
	"github.com/latchkey/latchkey/internal/ide"
	"github.com/latchkey/latchkey/internal/testenv"
)

// requireBrowserEnv, when set, makes a missing Chromium fail the browser test
// instead of skipping it (CI sets it and installs Debian's chromium).
const requireBrowserEnv = "LATCHKEY_REQUIRE_BROWSER"

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// requests records what the page asks the real server: "<operation>
// <Authorization header>", "(introspection)" for a schema fetch.
type requests struct {
	next http.Handler

	mu  sync.Mutex
	log []string
}

func (r *requests) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/query" && req.Method == http.MethodPost {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body = io.NopCloser(bytes.NewReader(body))
		var q struct {
			Query         string `json:"query"`
			OperationName string `json:"operationName"`
		}
		_ = json.Unmarshal(body, &q)
		op := q.OperationName
		if strings.Contains(q.Query, "__schema") {
			op = "(introspection)"
		}
		r.mu.Lock()
		r.log = append(r.log, op+" "+req.Header.Get("Authorization"))
		r.mu.Unlock()
	}
	r.next.ServeHTTP(w, req)
}

func (r *requests) count(request string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.log {
		if l == request {
			n++
		}
	}
	return n
}

func (r *requests) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// watchCSP is run in every document before the page's own scripts; it keeps
// the Content-Security-Policy violations the page causes.
const watchCSP = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});`

// Expressions the test polls. CodeMirror 5 keeps its editor object on its
// wrapper element.
const (
	queryEditorValue  = `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()`
	resultEditorValue = `document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()`
	docsError         = `(document.querySelector('.graphiql-doc-explorer-error') || {textContent: ''}).textContent`
)

// TestBrowserRunsExampleQuery drives GraphiQL in a headless Chromium
// against the real server, on each database: the page loads with no error,
// its documentation explorer shows the schema the server introspects (and
// fails the test with the error it shows instead), and the example query
// runs with the token typed into the page.
func TestBrowserRunsExampleQuery(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if _, required := os.LookupEnv(requireBrowserEnv); required {
			t.Fatalf("no chromium binary found, and %s is set (install it with: apt-get install -y chromium)", requireBrowserEnv)
		}
		t.Skipf("no chromium binary found (apt-get install -y chromium); set %s to make this a failure", requireBrowserEnv)
	}
	testenv.Each(t, func(t *testing.T, db string) { browse(t, chromium, db) })
}

func browse(t *testing.T, chromium, db string) {
	start := time.Now()
	e := testenv.Start(t, db)
	testToken, err := demo.Seed(context.Background(), e.App.Client, "Acme", demo.Shape{Users: 3, Devices: 2, PermissionsPerUser: 2}, e.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := e.Do(testToken, ide.DefaultQuery, nil)
	if len(want.Errors) > 0 || !strings.Contains(string(want.Data), `"totalCount":3`) {
		t.Fatalf("the example query, sent directly: %s", want.Body)
	}
	api := &requests{next: e.App.Handler()}
	srv := httptest.NewServer(api)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()

	// Every URL the page requests, from the start of the tab.
	var (
		mu   sync.Mutex
		urls []string
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(t.Logf),
		chromedp.WithListener(func(ev any) {
			if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				urls = append(urls, ev.Request.URL)
				mu.Unlock()
			}
		}),
	)
	defer cancelBrowser()

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		began := time.Now()
		if err := chromedp.Do(browserCtx, actions...); err != nil {
			t.Fatalf("%s: %v (the server saw %q)", name, err, api.all())
		}
		t.Logf("%s: %v", name, time.Since(began).Round(time.Millisecond))
	}
	// waitFor polls a JavaScript condition in the page.
	waitFor := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(() => { try { return !!(`+expr+`); } catch (e) { return false; } })()`,
			chromedp.WithPollingInterval(50*time.Millisecond))
	}
	eval := func(name, expr string) string {
		t.Helper()
		v, err := chromedp.Run(browserCtx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}

	step("start chromium", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: watchCSP})
		return err
	}))
	// Console messages, uncaught exceptions and browser log entries (such as
	// a blocked request) of the page.
	var messages []string
	consoleDone := make(chan struct{})
	consoleCtx, stopConsole := context.WithCancel(browserCtx)
	go func() {
		defer close(consoleDone)
		for m, err := range chromedp.Console(consoleCtx) {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, fmt.Sprintf("%s (%s %s)", m, m.Source, m.URL))
			mu.Unlock()
		}
	}()

	step("open the IDE",
		chromedp.Navigate(srv.URL+"/"),
		waitFor(queryEditorValue+`.includes('query Overview')`),
	)
	// The documentation explorer lists the root types once GraphiQL has built
	// the schema from the introspection result (fetched without a token), or
	// shows why it could not ("Error fetching schema").
	step("open the documentation explorer",
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)),
		waitFor(`document.querySelector('.graphiql-doc-explorer-root-type') || document.querySelector('.graphiql-doc-explorer-error')`),
	)
	if msg := eval("read the documentation explorer", docsError); msg != "" {
		t.Fatalf("the documentation explorer shows an error: %s (the server saw %q)", msg, api.all())
	}
	roots := eval("read the root types", `[...document.querySelectorAll('.graphiql-doc-explorer-root-type')].map(e => e.parentElement.textContent).join(', ')`)
	if roots != "query: Query, mutation: Mutation, subscription: Subscription" {
		t.Errorf("the documentation explorer lists the root types %q", roots)
	}
	if msg := eval("read the result pane", resultEditorValue); msg != "" {
		t.Errorf("the result pane shows, before any query ran: %s", msg)
	}
	if query := eval("read the query editor", queryEditorValue); strings.TrimSpace(query) != strings.TrimSpace(ide.DefaultQuery) {
		t.Errorf("query editor holds %q, want DefaultQuery", query)
	}

	step("enter the token",
		chromedp.SendKeys(chromedp.ID("ide-token"), testToken),
		chromedp.Click(chromedp.ID("ide-token-use")),
		waitFor(`document.getElementById('ide-token-status').textContent === 'token in use'`),
	)
	step("run the query with the run button",
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		waitFor(resultEditorValue+`.includes('"totalCount"')`),
	)
	result := eval("read the result", resultEditorValue)
	// The answers' data must be equal; their cost reports differ, as the
	// budget was spent in between.
	var got, wanted struct{ Data any }
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("result pane holds no JSON: %v\n%s", err, result)
	}
	_ = json.Unmarshal(want.Body, &wanted)
	if got.Data == nil || !reflect.DeepEqual(got.Data, wanted.Data) {
		t.Errorf("result pane holds\n%s\nwant\n%s", result, want.Body)
	}
	if n := api.count("Overview Bearer " + testToken); n != 1 {
		t.Errorf("the server got %d Overview requests with the token, want 1 (log %q)", n, api.all())
	}
	if n := api.count("(introspection) Bearer " + testToken); n != 1 {
		t.Errorf("the schema was fetched %d times with the token, want once (log %q)", n, api.all())
	}

	step("reload, keeping the token",
		chromedp.Reload(),
		waitFor(queryEditorValue+`.includes('query Overview')`),
		waitFor(`document.getElementById('ide-token').value === '`+testToken+`'`),
	)
	step("run the query with Ctrl-Enter",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.focus()`),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		waitFor(resultEditorValue+`.includes('"totalCount"')`),
	)
	if n := api.count("Overview Bearer " + testToken); n != 2 {
		t.Errorf("the server got %d Overview requests with the token, want 2 (log %q)", n, api.all())
	}

	// The modal dialog locks the page's scrolling with a <style> element of
	// its own, which only the page's style nonce lets in.
	step("open the settings dialog",
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Open settings dialog"]`)),
		waitFor(`document.querySelector('.graphiql-dialog')`),
		waitFor(`getComputedStyle(document.body).overflow === 'hidden'`),
	)

	// LATCHKEY_IDE_SCREENSHOT=/tmp/ide.png saves what the page looks like now.
	if path := os.Getenv("LATCHKEY_IDE_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(browserCtx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(path, png, 0o644)
		}
		if err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}

	violations, err := chromedp.Run(browserCtx, chromedp.Evaluate[[]string](`window.__cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("Content-Security-Policy violation: %s", v)
	}
	stopConsole()
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "warning") {
			t.Errorf("page reported %s", m)
		} else {
			t.Logf("page said %s", m)
		}
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s, outside its origin %s", u, srv.URL)
		}
	}
	t.Logf("the page made %d requests, all to %s; whole test %v", len(urls), srv.URL, time.Since(start).Round(time.Millisecond))
}
