package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/testenv"
)

// Placeholders in fuzz inputs, replaced by the values of the fuzz process's
// own database (each fuzz worker starts an app of its own, so the seeds
// cannot hold real IDs).
// The large inputs are placeholders too, expanded before each request, so
// that the corpus stays small and the fuzzer can move them around.
const (
	fuzzTokenPH   = "$TOKEN"
	fuzzUserPH    = "$USER"
	fuzzDevicePH  = "$DEVICE"
	fuzzPadPH     = "$PAD"     // 1 MiB of spaces
	fuzzOpenPH    = "$OPEN"    // 5000 [
	fuzzClosePH   = "$CLOSE"   // 5000 ]
	fuzzAliasesPH = "$ALIASES" // 1000 aliased fields
	fuzzFragsPH   = "$FRAGS"   // 30 fragments that each spread the next twice
	fuzzReFragsPH = "$REFRAGS" // the same, spread again through 29 more fragments
	fuzzNestPH    = "$NEST"    // a where 20 levels deep, as JSON
	fuzzOrsPH     = "$ORS"     // an or of 2000 filters, as JSON
)

// fuzzLeaks are fragments of driver, ORM and runtime text that must never
// reach a client (unless the client sent them and they are echoed back).
var fuzzLeaks = []string{"pq:", "sqlite", "SQLITE", "ent:", "sql:", "runtime error", "goroutine", "constraint failed", "violates"}

var fuzzStatuses = map[int]bool{200: true, 400: true, 401: true, 405: true, 413: true, 415: true, 422: true}

// FuzzHandler sends arbitrary requests to the whole HTTP handler of one
// SQLite-backed app: no input may panic it, answer with an unexpected
// status, show internal text, or write rows without a clean success. The
// seeds include fragment spreads (30 that each spread the next twice),
// nested and long input values and cursors the server did not issue.
func FuzzHandler(f *testing.F) {
	// Warnings and errors only: with a healthy database no request may
	// cause one (a panic recovered by gqlgen is logged at ERROR).
	logs := &testenv.Buffer{}
	e := testenv.Start(f, filepath.Join(f.TempDir(), "fuzz.db"), testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelWarn)))
	acme := e.Account("Acme")
	var u struct {
		CreateUser struct{ User struct{ ID string } }
	}
	e.MustDo(acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada", "email": "ada@example.com"}}, &u)
	dev := string(e.Devices(acme, 1, "UTC")[0])
	handler := e.App.Handler()

	const (
		jsonCT = "application/json"
		bearer = "Bearer " + fuzzTokenPH
	)
	gql := func(query string, vars map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return b
	}
	var aliases strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&aliases, " a%d: viewer { role }", i)
	}
	deep := "{ users { edges { node { " + strings.Repeat("permissions { edges { node { device { ", 8) + "id" + strings.Repeat(" } } } }", 8) + " } } } }"
	grantVars := map[string]any{"input": map[string]any{"userID": fuzzUserPH, "deviceIDs": []string{fuzzDevicePH}}}
	multipart := "--XyZ\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ viewer { role } }\"}\r\n--XyZ--\r\n"

	seeds := []struct {
		method, rawQuery, contentType, auth, accept string
		body                                        []byte
	}{
		{"POST", "", jsonCT, bearer, "application/json", gql(`{ viewer { role account { name } } }`, nil)},
		{"POST", "", jsonCT, bearer, "application/graphql-response+json", gql(`{ users(first: 5) { totalCount edges { node { id name } } } }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(createUser, map[string]any{"input": map[string]any{"name": "Bob", "email": "bob@example.com"}})},
		{"POST", "", jsonCT, bearer, "*/*", gql(`mutation { createDevice(input: {name: "Gate", timeZone: "Europe/Berlin"}) { device { id } } }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(grant, grantVars)},
		{"POST", "", jsonCT, bearer, "", gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": fuzzUserPH})},
		{"POST", "", jsonCT, bearer, "", gql(`mutation { createUser(input: {name: "", email: "not-an-email"}) { user { id } } }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(`mutation { a: createUser(input: {name: "C", email: "c@example.com"}) { user { id } } b: createUser(input: {name: "C", email: "c@example.com"}) { user { id } } }`, nil)},
		{"POST", "", jsonCT, "", "", gql(`mutation { redeemInvitation(code: "ABCD-EFGH-JKLM") { token } }`, nil)},
		{"POST", "", jsonCT, "Bearer lk_wrong", "", gql(`{ viewer { role } }`, nil)},
		{"POST", "", jsonCT, "", "", gql(createUser, map[string]any{"input": map[string]any{"name": "Eve", "email": "eve@example.com"}})},
		{"POST", "", jsonCT, "Basic Zm9vOmJhcg==", "", gql(`{ viewer { role } }`, nil)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "{ viewer { role } }"`)},
		{"POST", "", jsonCT, bearer, "", []byte(`[{"query": "{ viewer { role } }"}]`)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": 42, "variables": "x"}`)},
		{"POST", "", jsonCT, bearer, "", []byte(`{}`)},
		{"POST", "", jsonCT, bearer, "", nil},
		{"POST", "", jsonCT, bearer, "", []byte("{\"query\": \"{ viewer { role \xff\xfe } }\"}")},
		{"POST", "", jsonCT, bearer, "", gql("{"+fuzzAliasesPH+" }", nil)},
		{"POST", "", jsonCT, bearer, "", gql(deep, nil)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "query($v: String) { viewer { role } }", "variables": {"v": $OPEN$OPEN$OPEN$CLOSE$CLOSE$CLOSE}}`)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "query($v: String) { viewer { role } }", "variables": {"v": $OPEN$CLOSE}}`)},
		{"POST", "", jsonCT, bearer, "", gql(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": map[string]any{"x": 1}})},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "query A { viewer { role } } query B { viewer { role } }", "operationName": "C"}`)},
		{"POST", "", jsonCT, bearer, "", gql(`{ __schema { types { name } } }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(`{ users(first: 100000, where: {nameContains: "sql:"}) { totalCount } }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(`query { ...Q } fragment Q on Query { viewer { role } users(first: 2) { edges { node { ...U } } } } fragment U on User { id permissions { edges { node { id device { ...D } } } } } fragment D on Device { id name }`, nil)},
		{"POST", "", jsonCT, bearer, "", gql(fuzzFragsPH, nil)},
		{"POST", "", jsonCT, "", "", gql(fuzzReFragsPH, nil)},
		{"POST", "", jsonCT, bearer, "", gql(`{ users(where: {or: [{not: {not: {hasPermissionsWith: [{hasDeviceWith: [{nameContains: "a"}]}]}}}], idIn: ["a", "b"]}) { totalCount } }`, nil)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "query($w: UserWhereInput) { users(where: $w) { totalCount } }", "variables": {"w": $NEST}}`)},
		{"POST", "", jsonCT, bearer, "", []byte(`{"query": "query($w: UserWhereInput) { users(where: {and: [$w]}) { totalCount } }", "variables": {"w": $ORS}}`)},
		{"POST", "", jsonCT, bearer, "", gql(`query($c: Cursor) { users(first: 2, after: $c) { edges { node { permissions(last: 1, before: "abc") { totalCount } } } } }`, map[string]any{"c": "gaFpoA"})},
		{"POST", "", "application/json; charset=latin1", bearer, "", gql(`{ viewer { role } }`, nil)},
		{"POST", "", "multipart/form-data; boundary=XyZ", bearer, "", []byte(multipart)},
		{"POST", "", "application/x-www-form-urlencoded", bearer, "", []byte("query=%7B+viewer+%7B+role+%7D+%7D")},
		{"POST", "", "text/plain", bearer, "", gql(`mutation { createDevice(input: {name: "X", timeZone: "UTC"}) { device { id } } }`, nil)},
		{"POST", "", "", bearer, "", gql(`{ viewer { role } }`, nil)},
		{"POST", "", jsonCT, bearer, "", []byte(fuzzPadPH + "{}")},
		{"GET", "query=" + url.QueryEscape(`{ viewer { role } }`), "", bearer, "application/graphql-response+json", nil},
		{"GET", "query=" + url.QueryEscape(`query($n: Int) { users(first: $n) { totalCount } }`) + "&variables=" + url.QueryEscape(`{"n": 2}`), "", bearer, "", nil},
		{"GET", "query=" + url.QueryEscape(`mutation { createDevice(input: {name: "X", timeZone: "UTC"}) { device { id } } }`), "", bearer, "", nil},
		{"GET", "query=%zz&variables=%7B", "", bearer, "", nil},
		{"GET", "", "", "", "text/html", nil},
		{"OPTIONS", "", "", "", "", nil},
		{"PUT", "", jsonCT, bearer, "", gql(`{ viewer { role } }`, nil)},
		{"DELETE", "", "", bearer, "", nil},
		{"HEAD", "", "", bearer, "", nil},
	}
	for _, s := range seeds {
		f.Add(s.method, s.rawQuery, s.contentType, s.auth, s.accept, s.body)
	}

	nestedWhere := strings.Repeat(`{"not": `, 20) + `{"name": "x"}` + strings.Repeat("}", 20)
	ors := `{"or": [` + strings.TrimSuffix(strings.Repeat(`{"nameContains": "a"}, `, 2000), ", ") + `]}`

	replacer := strings.NewReplacer(fuzzTokenPH, acme.Token, fuzzUserPH, u.CreateUser.User.ID, fuzzDevicePH, dev)
	expand := strings.NewReplacer(fuzzPadPH, strings.Repeat(" ", 1<<20), fuzzOpenPH, strings.Repeat("[", 5000),
		fuzzClosePH, strings.Repeat("]", 5000), fuzzAliasesPH, aliases.String(),
		fuzzReFragsPH, graph.Doubling(30, true, "viewer { role }"), fuzzFragsPH, graph.Doubling(30, false, "viewer { role }"), fuzzNestPH, nestedWhere, fuzzOrsPH, ors)
	f.Fuzz(func(t *testing.T, method, rawQuery, contentType, authorization, accept string, body []byte) {
		if !fuzzValidRequestLine(rawQuery) || !fuzzValidHeader(contentType) || !fuzzValidHeader(authorization) || !fuzzValidHeader(accept) {
			return // no HTTP/1.1 client can send these
		}
		authorization = replacer.Replace(authorization)
		rawQuery = replacer.Replace(rawQuery)
		body = []byte(replacer.Replace(string(body)))
		if bytes.Contains(body, []byte("$")) && len(body) < 1<<16 {
			body = []byte(expand.Replace(string(body)))
		}
		req, err := http.NewRequest(method, "http://latchkey.test/query", bytes.NewReader(body))
		if err != nil {
			return // not a valid method
		}
		req.URL.RawQuery = rawQuery
		req.RemoteAddr = "192.0.2.10:4321"
		for k, v := range map[string]string{"Content-Type": contentType, "Authorization": authorization, "Accept": accept} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}

		e := e.For(t)
		before := e.Counts()
		logs.Reset()
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req) // a panic fails the fuzz target
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)

		if !fuzzStatuses[res.StatusCode] {
			t.Errorf("status %d for %s ?%q (%q): %.500s", res.StatusCode, method, rawQuery, contentType, out)
		}
		var echo string // computed only when needed
		for _, leak := range fuzzLeaks {
			if !bytes.Contains(out, []byte(leak)) {
				continue
			}
			if echo == "" {
				echo = fuzzEchoable(method, rawQuery, contentType, authorization, accept, body)
			}
			if !strings.Contains(echo, strings.ToLower(leak)) {
				t.Errorf("response leaks %q: %.1000s", leak, out)
			}
		}
		if l := logs.String(); l != "" {
			t.Errorf("the request caused warnings or errors in the log (status %d, body %.300s):\n%.3000s", res.StatusCode, out, l)
		}
		var gr struct {
			Errors json.RawMessage `json:"errors"`
		}
		clean := res.StatusCode == http.StatusOK && json.Unmarshal(out, &gr) == nil && (len(gr.Errors) == 0 || string(gr.Errors) == "null")
		if after := e.Counts(); after != before && !clean && !fuzzRedeemRefused(before, after, out) {
			t.Errorf("rows changed (%+v -> %+v) by a request answered %d: %.1000s", before, after, res.StatusCode, out)
		}
	})
}

// fuzzRedeemRefused reports whether a refused invitation code changed the
// rows as it does on purpose: one failed attempt more, and its address's
// bucket added or seen again.
func fuzzRedeemRefused(before, after testenv.Counts, out []byte) bool {
	if !bytes.Contains(out, []byte(`"code":"INVITATION_INVALID"`)) || after.RedeemBuckets > before.RedeemBuckets+1 {
		return false
	}
	before.RedeemFailures++
	before.RedeemBuckets = after.RedeemBuckets
	return after == before
}

// fuzzValidRequestLine reports whether a raw query can be part of an HTTP
// request line.
func fuzzValidRequestLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// fuzzValidHeader reports whether s can be an HTTP header value.
func fuzzValidHeader(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(s) == s
}

var fuzzUnicodeEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)

// fuzzEchoable returns, in lower case, everything the client sent in every
// form the server may decode it to (URL, JSON and GraphQL escapes), so that
// an echo of the client's own text is not taken for a leak.
func fuzzEchoable(parts ...any) string {
	var b strings.Builder
	add := func(s string) {
		b.WriteString(s)
		b.WriteByte(0)
		b.WriteString(fuzzUnicodeEscape.ReplaceAllStringFunc(s, func(m string) string {
			r, _ := strconv.ParseUint(m[2:], 16, 32)
			return string(rune(r))
		}))
		b.WriteByte(0)
		if u, err := url.QueryUnescape(s); err == nil {
			b.WriteString(u)
			b.WriteByte(0)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case map[string]any:
			for k, x := range v {
				add(k)
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, p := range parts {
		s := fmt.Sprint(p)
		if bs, ok := p.([]byte); ok {
			s = string(bs)
		}
		add(s)
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			walk(v)
		}
		if q, err := url.ParseQuery(s); err == nil {
			for k, vs := range q {
				add(k)
				for _, x := range vs {
					add(x)
					if json.Unmarshal([]byte(x), &v) == nil {
						walk(v)
					}
				}
			}
		}
	}
	return strings.ToLower(b.String())
}

// TestUndecodableParams: a POST body that is a JSON object but not GraphQL
// request parameters (a number as the query, a string as the variables) is
// the client's mistake: it must answer 400 with a client error code, and
// must not panic on the way.
func TestUndecodableParams(t *testing.T) {
	logs := &testenv.Buffer{}
	e := testenv.Start(t, filepath.Join(t.TempDir(), "latchkey.db"), testenv.WithLogger(observe.NewLogger(logs, true, slog.LevelInfo)))
	acme := e.Account("Acme")
	for _, body := range []string{
		`{"query": 42}`,
		`{"query": "mutation { createDevice(input: {name: \"X\", timeZone: \"UTC\"}) { device { id } } }", "variables": "x"}`,
		`{"query": "{ viewer { role } }", "operationName": ["a"]}`,
	} {
		before := e.Counts()
		logs.Reset()
		status, out, err := faultRawBody(e.Server.Client(), e.Server.URL, acme.Token, body)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusBadRequest || faultCode(out) == "" || faultCode(out) == "INTERNAL" {
			t.Errorf("%s: status %d, body %s; want 400 with a client error code", body, status, out)
		}
		if l := logs.String(); strings.Contains(l, "panic") {
			t.Errorf("%s: the server panicked:\n%.2000s", body, l)
		}
		if after := e.Counts(); after != before {
			t.Errorf("%s: rows changed %+v -> %+v", body, before, after)
		}
	}
}
