package graph_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

var (
	pageScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	pageCode   = regexp.MustCompile(`data-code="([^"]*)"`)
	pageQuery  = regexp.MustCompile(`query: "([^"]*)"`)
)

// TestSetPasswordPage: the link of an admin invitation and of the
// reset-password command opens a page (it was a 404), which changes
// nothing when opened (mail scanners follow links); its script, the only
// one its Content-Security-Policy allows, sends the link's code and the
// password to setAdminPassword, and the admin can then sign in.
func TestSetPasswordPage(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		code := codeFor(e, newAdmin(e, acme, "Grace", "grace@example.com", enum.AdminAdmin, ""))

		before := e.Snapshot()
		res, err := http.Get(e.Server.URL + "/admin/set-password/" + code)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body := string(b)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET the set-password link: %d %s %s", res.StatusCode, res.Header, body)
		}
		if e.Snapshot() != before {
			t.Error("opening the set-password page changed data")
		}
		script := pageScript.FindStringSubmatch(body)
		if script == nil {
			t.Fatalf("no script in\n%s", body)
		}
		sum := sha256.Sum256([]byte(script[1]))
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("the policy %q does not allow the page's script and its request", csp)
		}
		if m := pageCode.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != code {
			t.Fatalf("the form does not carry the code %q:\n%s", code, body)
		}
		q := pageQuery.FindStringSubmatch(script[1])
		if q == nil {
			t.Fatalf("no query in the script:\n%s", script[1])
		}
		// What the script sends, sent here without a token, as the page does.
		var set struct{ SetAdminPassword struct{ Email string } }
		pw := "a page-set passphrase"
		e.MustDo("", q[1], map[string]any{"input": map[string]any{"code": code, "password": pw}}, &set)
		if set.SetAdminPassword.Email != "grace@example.com" {
			t.Errorf("setAdminPassword answered %+v", set)
		}
		if tok := sessionOf(e, "grace@example.com", pw); !strings.HasPrefix(tok, "lk_") {
			t.Errorf("no session after the page set the password: %q", tok)
		}

		// A link that is no code still opens the page; the mutation judges it.
		res, err = http.Get(e.Server.URL + "/admin/set-password/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.Count(string(b), "<script>") != 1 {
			t.Errorf("a crafted link: %d\n%s", res.StatusCode, b)
		}
	})
}
