package graph_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

var (
	pageScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	pageCode   = regexp.MustCompile(`data-code="([^"]*)"`)
	pageDocID  = regexp.MustCompile(`documentId: "([0-9a-f]{64})"`)
)

// TestSetPasswordPage: the link of an admin invitation and of the
// reset-password command opens a page (it was a 404), which changes
// nothing when opened (mail scanners follow links); its script, the only
// one its Content-Security-Policy allows, sends the link's code and the
// password to setAdminPassword, and the admin can then sign in.
func TestSetPasswordPage(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		t.Run("any documents", func(t *testing.T) {
			e := testenv.Start(t, db)
			email, pw := setPasswordPage(t, e)
			if tok := sessionOf(e, email, pw); !strings.HasPrefix(tok, "lk_") {
				t.Errorf("no session after the page set the password: %q", tok)
			}
		})
		// The page is the server's own: it works on a server that runs only
		// the trusted documents of its manifest, which cannot know the page's.
		manifest := filepath.Join(t.TempDir(), "persisted-documents.json")
		if err := os.WriteFile(manifest, []byte(`{"relay-1": "query Role { viewer { role } }"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run("trusted documents only", func(t *testing.T) {
			setPasswordPage(t, testenv.Start(t, db, func(c *app.Config) { c.TrustedDocuments, c.TrustedDocumentsOnly = manifest, true }))
		})
	})
}

// setPasswordPage opens the page of a new admin's set-password link, sends
// what its script sends, and returns the admin's email and new password.
func setPasswordPage(t *testing.T, e *testenv.Env) (email, pw string) {
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
	id := pageDocID.FindStringSubmatch(script[1])
	if id == nil {
		t.Fatalf("no documentId in the script:\n%s", script[1])
	}
	// What the script sends, sent here without a token, as the page does.
	var set struct{ SetAdminPassword struct{ Email string } }
	pw = "a page-set passphrase"
	r := sendRaw(t, e, "", "", "", map[string]any{"documentId": id[1], "variables": map[string]any{"input": map[string]any{"code": code, "password": pw}}}).one(t)
	if len(r.Errors) > 0 {
		t.Fatalf("the page's request: %s", r.Body)
	}
	_ = json.Unmarshal(r.Data, &set)
	if set.SetAdminPassword.Email != "grace@example.com" {
		t.Errorf("setAdminPassword answered %+v", set)
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
	return set.SetAdminPassword.Email, pw
}
