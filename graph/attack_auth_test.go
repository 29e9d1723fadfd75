package graph_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestForwardedOpenQuote: a client behind a trusted proxy that appends its
// hop to the client's Forwarded line cannot swallow that hop with a quote
// it leaves open, and so cannot charge its failures to someone else's
// address and lock that address out.
func TestForwardedOpenQuote(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.1"),
			func(c *app.Config) { c.ForwardedHeader = "Forwarded" })
		// What the proxy passes on: the client's own line, then ", for=" and
		// the address the connection came from.
		fwd := func(written, peer string) http.Header {
			return http.Header{"Forwarded": {written + ", for=" + peer}}
		}
		for i := range 10 {
			r := e.DoWith(fwd(`for=192.0.2.66;by="`, "203.0.113.5"), "", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0006-%04d", i)})
			if r.Code() != "INVITATION_INVALID" {
				t.Fatalf("guess %d: %s", i, r.Body)
			}
		}
		if r := e.DoWith(http.Header{"Forwarded": {"for=192.0.2.66"}}, "", redeem, map[string]any{"code": code}); len(r.Errors) > 0 {
			t.Errorf("the address the guesser named is held up: %s", r.Body)
		}
		if r := e.DoWith(http.Header{"Forwarded": {"for=203.0.113.5"}}, "", redeem, map[string]any{"code": "0000-0000-0006-9999"}); r.Code() != "RATE_LIMITED" {
			t.Errorf("the guesser's own address is not limited: %s", r.Body)
		}
	})
}

// TestForwardedForQuote: X-Forwarded-For has no quoted strings; a quote
// in what the client wrote does not hide the hop the proxy appended, so
// the client's failures count against its own address.
func TestForwardedForQuote(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.1"))
		fail10(t, e, func(i int) string { return fmt.Sprintf(`192.0.2.%d, "x, 203.0.113.5`, i) })
		if r := redeemFrom(e, "203.0.113.5", code); r.Code() != "RATE_LIMITED" {
			t.Errorf("the guesser's own address is not limited: %s", r.Body)
		}
	})
}
