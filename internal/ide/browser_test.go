package ide

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
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

const testToken = "lk_test_0123456789"

// overviewResult is what the fake endpoint answers the Overview query with.
const overviewResult = `{"data":{"users":{"totalCount":1,` +
	`"pageInfo":{"hasNextPage":false,"endCursor":"cursor-1"},` +
	`"edges":[{"node":{"id":"user-1","name":"Ada Lovelace","email":"ada@example.com","language":"EN",` +
	`"permissions":{"totalCount":1,"edges":[{"node":{"id":"perm-1","status":"ACTIVE","remoteAllowed":true,` +
	`"device":{"id":"device-1","name":"Front door","type":"LOCK","timeZone":"Europe/Berlin"},` +
	`"restrictions":{"validFrom":null,"validUntil":null,"weekdays":["MONDAY","FRIDAY"],"dailyFrom":"08:00","dailyUntil":"18:00"},` +
	`"invitation":{"status":"ACCEPTED","expiresAt":"2030-01-02T03:04:05Z"}}}]}}}]}}}`

// testSchema covers the fields of DefaultQuery, so that the editor shows no
// validation errors for it.
const testSchema = `
scalar Time
scalar Cursor
enum Language { EN DE }
enum PermissionStatus { PENDING ACTIVE REVOKED }
enum DeviceType { LOCK GATE }
enum Weekday { MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY SUNDAY }
enum InvitationStatus { PENDING ACCEPTED EXPIRED REVOKED }
interface Node { id: ID! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: Cursor endCursor: Cursor }
type Query {
  node(id: ID!): Node
  "The users of the account."
  users(first: Int, after: Cursor): UserConnection!
}
type UserConnection { totalCount: Int! pageInfo: PageInfo! edges: [UserEdge] }
type UserEdge { node: User cursor: Cursor! }
type User implements Node {
  id: ID!
  name: String!
  email: String!
  language: Language!
  permissions(first: Int, after: Cursor): PermissionConnection!
}
type PermissionConnection { totalCount: Int! pageInfo: PageInfo! edges: [PermissionEdge] }
type PermissionEdge { node: Permission cursor: Cursor! }
type Permission implements Node {
  id: ID!
  status: PermissionStatus!
  remoteAllowed: Boolean!
  device: Device!
  restrictions: Restrictions!
  invitation: Invitation
}
type Device implements Node { id: ID! name: String! type: DeviceType! timeZone: String! }
type Restrictions { validFrom: Time validUntil: Time weekdays: [Weekday!] dailyFrom: String dailyUntil: String }
type Invitation implements Node { id: ID! status: InvitationStatus! expiresAt: Time! }
`

// fakeAPI is a stand-in for the GraphQL endpoint: it answers introspection
// to anyone (as the real server does) and the Overview query only with the
// test token.
type fakeAPI struct {
	introspection []byte

	mu       sync.Mutex
	requests []string // "<operation> <Authorization header>"
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphql", Input: testSchema})
	if err != nil {
		t.Fatalf("test schema: %v", err)
	}
	data, err := json.Marshal(map[string]any{"data": map[string]any{"__schema": introspect(schema)}})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeAPI{introspection: data}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query         string `json:"query"`
		OperationName string `json:"operationName"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, `{"errors":[{"message":"want a POSTed JSON request"}]}`, http.StatusBadRequest)
		return
	}
	op := req.OperationName
	if strings.Contains(req.Query, "__schema") {
		op = "(introspection)"
	}
	authz := r.Header.Get("Authorization")
	f.mu.Lock()
	f.requests = append(f.requests, op+" "+authz)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.Contains(req.Query, "__schema"):
		_, _ = w.Write(f.introspection)
	case authz != "Bearer "+testToken:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errors":[{"message":"the API token is not valid"}]}`))
	case op == "Overview" && strings.Contains(req.Query, "totalCount"):
		_, _ = w.Write([]byte(overviewResult))
	default:
		_, _ = w.Write([]byte(`{"errors":[{"message":"the fake API only knows the Overview query"}]}`))
	}
}

func (f *fakeAPI) count(request string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r == request {
			n++
		}
	}
	return n
}

func (f *fakeAPI) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
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
)

func TestBrowserRunsExampleQuery(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if _, required := os.LookupEnv(requireBrowserEnv); required {
			t.Fatalf("no chromium binary found, and %s is set (install it with: apt-get install -y chromium)", requireBrowserEnv)
		}
		t.Skipf("no chromium binary found (apt-get install -y chromium); set %s to make this a failure", requireBrowserEnv)
	}
	start := time.Now()

	api := newFakeAPI(t)
	mux := http.NewServeMux()
	Mount(mux, "/query")
	mux.Handle("/query", api)
	srv := httptest.NewServer(mux)
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
			t.Fatalf("%s: %v (fake API saw %q)", name, err, api.log())
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
	// the schema from the introspection result (fetched without a token).
	step("show the schema in the documentation explorer",
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)),
		waitFor(`document.querySelector('.graphiql-doc-explorer-root-type').parentElement.textContent === 'query: Query'`),
	)
	if query := eval("read the query editor", queryEditorValue); strings.TrimSpace(query) != strings.TrimSpace(DefaultQuery) {
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
	var got, want any
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("result pane holds no JSON: %v\n%s", err, result)
	}
	_ = json.Unmarshal([]byte(overviewResult), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result pane holds\n%s\nwant\n%s", result, overviewResult)
	}
	if n := api.count("Overview Bearer " + testToken); n != 1 {
		t.Errorf("fake API got %d Overview requests with the token, want 1 (log %q)", n, api.log())
	}
	if n := api.count("(introspection) Bearer " + testToken); n != 1 {
		t.Errorf("the schema was fetched %d times with the token, want once (log %q)", n, api.log())
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
		t.Errorf("fake API got %d Overview requests with the token, want 2 (log %q)", n, api.log())
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

// introspect renders schema as the __schema field of an introspection
// result, as far as GraphiQL's buildClientSchema needs it.
func introspect(schema *ast.Schema) map[string]any {
	var ref func(t *ast.Type) map[string]any
	ref = func(t *ast.Type) map[string]any {
		switch {
		case t.NonNull:
			inner := *t
			inner.NonNull = false
			return map[string]any{"kind": "NON_NULL", "name": nil, "ofType": ref(&inner)}
		case t.Elem != nil:
			return map[string]any{"kind": "LIST", "name": nil, "ofType": ref(t.Elem)}
		}
		return map[string]any{"kind": string(schema.Types[t.NamedType].Kind), "name": t.NamedType, "ofType": nil}
	}
	deprecation := func(d ast.DirectiveList) (bool, any) {
		dep := d.ForName("deprecated")
		if dep == nil {
			return false, nil
		}
		if arg := dep.Arguments.ForName("reason"); arg != nil {
			return true, arg.Value.Raw
		}
		return true, "No longer supported"
	}
	inputValue := func(name, description string, t *ast.Type, def *ast.Value, d ast.DirectiveList) map[string]any {
		var defaultValue any
		if def != nil {
			defaultValue = def.String()
		}
		isDeprecated, reason := deprecation(d)
		return map[string]any{
			"name": name, "description": description, "type": ref(t), "defaultValue": defaultValue,
			"isDeprecated": isDeprecated, "deprecationReason": reason,
		}
	}
	args := func(list ast.ArgumentDefinitionList) []any {
		out := []any{}
		for _, a := range list {
			out = append(out, inputValue(a.Name, a.Description, a.Type, a.DefaultValue, a.Directives))
		}
		return out
	}
	named := func(names []string) []any {
		out := []any{}
		for _, n := range names {
			out = append(out, ref(&ast.Type{NamedType: n}))
		}
		return out
	}

	types := []any{}
	for _, def := range schema.Types {
		typ := map[string]any{
			"kind": string(def.Kind), "name": def.Name, "description": def.Description,
			"fields": nil, "inputFields": nil, "interfaces": nil, "enumValues": nil, "possibleTypes": nil,
		}
		switch def.Kind {
		case ast.Object, ast.Interface:
			fields := []any{}
			for _, f := range def.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue
				}
				isDeprecated, reason := deprecation(f.Directives)
				fields = append(fields, map[string]any{
					"name": f.Name, "description": f.Description, "args": args(f.Arguments), "type": ref(f.Type),
					"isDeprecated": isDeprecated, "deprecationReason": reason,
				})
			}
			typ["fields"] = fields
			typ["interfaces"] = named(def.Interfaces)
		case ast.InputObject:
			fields := []any{}
			for _, f := range def.Fields {
				fields = append(fields, inputValue(f.Name, f.Description, f.Type, f.DefaultValue, f.Directives))
			}
			typ["inputFields"] = fields
		case ast.Enum:
			values := []any{}
			for _, v := range def.EnumValues {
				isDeprecated, reason := deprecation(v.Directives)
				values = append(values, map[string]any{
					"name": v.Name, "description": v.Description, "isDeprecated": isDeprecated, "deprecationReason": reason,
				})
			}
			typ["enumValues"] = values
		}
		if def.IsAbstractType() {
			var names []string
			for _, p := range schema.GetPossibleTypes(def) {
				names = append(names, p.Name)
			}
			typ["possibleTypes"] = named(names)
		}
		types = append(types, typ)
	}

	directives := []any{}
	for _, d := range schema.Directives {
		locations := []any{}
		for _, l := range d.Locations {
			locations = append(locations, string(l))
		}
		directives = append(directives, map[string]any{
			"name": d.Name, "description": d.Description, "locations": locations,
			"args": args(d.Arguments), "isRepeatable": d.IsRepeatable,
		})
	}
	return map[string]any{
		"description":      nil,
		"queryType":        map[string]any{"name": schema.Query.Name},
		"mutationType":     nil,
		"subscriptionType": nil,
		"types":            types,
		"directives":       directives,
	}
}
