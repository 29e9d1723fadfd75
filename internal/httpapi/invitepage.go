package httpapi

import (
	"html/template"
	"net/http"

	"github.com/latchkey/latchkey/internal/invite"
)

// InvitePage is where activation links lead. It shows the code and how to
// redeem it in the app, and never redeems anything itself: mail scanners
// follow links.
var invitePageTmpl = template.Must(template.New("invite").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Your Latchkey invitation</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
code{font-size:1.6rem;letter-spacing:.1em;background:#f3f3f3;padding:.3rem .6rem;border-radius:.3rem}</style></head>
<body><h1>Your invitation</h1>
{{if .}}<p>Your invitation code is</p><p><code>{{.}}</code></p>
<p>Open the app on your phone, choose <em>Redeem invitation</em> and enter this code. It works once, until the time given in your invitation mail.</p>
{{else}}<p>This link does not contain a valid invitation code. Please use the code from your invitation mail in the app.</p>{{end}}
</body></html>`))

func InvitePage(w http.ResponseWriter, r *http.Request) {
	code := ""
	if c, ok := invite.Normalize(r.PathValue("code")); ok {
		code = invite.Format(c)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = invitePageTmpl.Execute(w, code)
}
