package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

// setPasswordDocument is the page's one operation. The server trusts it
// as its own (Documents), so that the page works where only a manifest's
// documents run; the page names it by its hash.
const setPasswordDocument = "mutation SetPassword($input: SetAdminPasswordInput!) { setAdminPassword(input: $input) { email } }"

// setPasswordScript sends the form's password with the link's code to
// setAdminPassword and shows the answer. It is allowed by its hash alone.
var setPasswordScript = strings.Replace(`const f = document.getElementById("f"), out = document.getElementById("out");
f.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (f.password.value !== f.repeat.value) { out.textContent = "The two passwords differ."; return; }
  f.send.disabled = true;
  out.textContent = "Saving…";
  try {
    const res = await fetch("/query", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({
      documentId: "DOCUMENT_ID",
      variables: {input: {code: f.dataset.code, password: f.password.value}}})});
    const body = await res.json();
    if (body.data && body.data.setAdminPassword) {
      f.hidden = true;
      out.textContent = "Your password is set. Sign in as " + body.data.setAdminPassword.email + ".";
      return;
    }
    out.textContent = (body.errors || []).map((e) => e.message).join(" ") || "The password was not set.";
  } catch (e) {
    out.textContent = "The server could not be reached; please try again.";
  }
  f.send.disabled = false;
});`, "DOCUMENT_ID", hashOf(setPasswordDocument), 1)

var setPasswordCSP = func() string {
	sum := sha256.Sum256([]byte(setPasswordScript))
	return "default-src 'none'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; base-uri 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var setPasswordTmpl = template.Must(template.New("set-password").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Set your Latchkey password</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin:.8rem 0}input{display:block;width:100%;font-size:1rem;padding:.4rem}</style></head>
<body><h1>Set your password</h1>
<form id="f" data-code="{{.Code}}">
<p>Choose a password of 12 to 256 characters; a long passphrase is a good one.</p>
<label>Password <input name="password" type="password" autocomplete="new-password" minlength="12" maxlength="256" required></label>
<label>Repeat it <input name="repeat" type="password" autocomplete="new-password" minlength="12" maxlength="256" required></label>
<button name="send">Set password</button>
</form>
<p id="out" role="status"></p>
<script>{{.Script}}</script>
</body></html>`))

// SetPasswordPage is where set-password links (admin invitations and the
// reset-password command) lead. Opening it changes nothing, as mail
// scanners follow links; the form calls setAdminPassword, which judges the
// code.
func SetPasswordPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", setPasswordCSP)
	_ = setPasswordTmpl.Execute(w, struct {
		Code   string
		Script template.JS
	}{r.PathValue("code"), template.JS(setPasswordScript)})
}
