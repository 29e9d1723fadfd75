package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

// BenchmarkSignIn times failed sign-ins through the server, for an unknown
// email and for a known email with a wrong password, alternately, so that
// both kinds run on the same machine state. It reports the median of each
// (unknown-ms, wrong-ms) and how far they differ (diff-%, of the smaller):
// the time must not tell which emails are admins'. The clock moves past
// the rate-limit window before each attempt.
func BenchmarkSignIn(b *testing.B) {
	testenv.EachB(b, func(b *testing.B, db string) {
		e := testenv.Start(b, db)
		newAdmin(e, e.Account("Acme"), "Ada", "ada@example.com", enum.AdminOwner, "the right passphrase")
		attempt := func(email string) time.Duration {
			e.Advance(16 * time.Minute)
			start := time.Now()
			r := e.Do("", signIn, map[string]any{"input": map[string]any{"email": email, "password": "the wrong passphrase"}})
			took := time.Since(start)
			if r.Code() != "UNAUTHENTICATED" {
				e.T.Fatalf("sign-in: %s", r.Body)
			}
			return took
		}
		const unknown, known = "nobody@example.com", "ada@example.com"
		// Warm up first (the heap grows to hold argon2's memory, the
		// database's caches fill).
		for range 10 {
			attempt(unknown)
			attempt(known)
		}
		var u, w []time.Duration
		for i := 0; b.Loop(); i++ {
			// Which kind goes first alternates too.
			if i%2 == 0 {
				u, w = append(u, attempt(unknown)), append(w, attempt(known))
			} else {
				w, u = append(w, attempt(known)), append(u, attempt(unknown))
			}
		}
		mu, mw := median(u), median(w)
		b.ReportMetric(ms(mu), "unknown-ms")
		b.ReportMetric(ms(mw), "wrong-ms")
		b.ReportMetric(100*ms(max(mu, mw)-min(mu, mw))/ms(min(mu, mw)), "diff-%")
	})
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
