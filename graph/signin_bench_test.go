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
// time does not tell which emails are admins'. Each iteration also makes,
// untimed, the other kind of attempt, so that both sub-benchmarks run on
// the same mix of work and state; the clock moves past the rate-limit
// window before each attempt.
func BenchmarkSignIn(b *testing.B) {
	testenv.EachB(b, func(b *testing.B, db string) {
		e := testenv.Start(b, db)
		newAdmin(e, e.Account("Acme"), "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		attempt := func(e *testenv.Env, email string) {
			e.Advance(16 * time.Minute)
			r := e.Do("", signIn, map[string]any{"input": map[string]any{"email": email, "password": "the wrong passphrase"}})
			if r.Code() != "UNAUTHENTICATED" {
				e.T.Fatalf("sign-in: %s", r.Body)
			}
		}
		const unknown, known = "nobody@example.com", "ada@example.com"
		// Warm up first (the heap grows to hold argon2's memory, the
		// database's caches fill), or the first sub-benchmark pays for it.
		for range 10 {
			attempt(e, unknown)
			attempt(e, known)
		}
		for _, c := range []struct{ name, timed, other string }{
			{"unknown-email", unknown, known},
			{"wrong-password", known, unknown},
		} {
			b.Run(c.name, func(b *testing.B) {
				e := e.For(b)
				for b.Loop() {
					b.StopTimer()
					attempt(e, c.other)
					b.StartTimer()
					attempt(e, c.timed)
				}
			})
		}
	})
}
