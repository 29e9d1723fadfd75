package graph_test

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

// BenchmarkSignIn times a failed sign-in for an unknown email and for a
// known email with a wrong password, through the server: the two must
// take about as long (compare the medians of -count runs), so that the
// time does not tell which emails are admins'. The clock moves past the
// rate-limit window before each attempt.
func BenchmarkSignIn(b *testing.B) {
	testenv.EachB(b, func(b *testing.B, db string) {
		e := testenv.Start(b, db)
		newAdmin(e, e.Account("Acme"), "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		for _, c := range []struct{ name, email string }{
			{"unknown-email", "nobody@example.com"},
			{"wrong-password", "ada@example.com"},
		} {
			b.Run(c.name, func(b *testing.B) {
				e := e.For(b)
				vars := map[string]any{"input": map[string]any{"email": c.email, "password": "the wrong passphrase"}}
				for b.Loop() {
					e.Advance(16 * time.Minute)
					if r := e.Do("", signIn, vars); r.Code() != "UNAUTHENTICATED" {
						b.Fatalf("sign-in: %s", r.Body)
					}
				}
			})
		}
	})
}
