package graph_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// redeemFrom redeems the code with the X-Forwarded-For header a proxy
// would send.
func redeemFrom(e *testenv.Env, xff, code string) *testenv.Response {
	e.T.Helper()
	return e.DoWith(http.Header{"X-Forwarded-For": {xff}}, "", redeem, map[string]any{"code": code})
}

// codeEnv starts a server with the options and returns it with the code of
// a grant to a new user.
func codeEnv(t *testing.T, db string, opts ...testenv.Option) (*testenv.Env, string) {
	t.Helper()
	e := testenv.Start(t, db, opts...)
	acme := e.Account("Acme")
	user := newUser(e, acme.Token, "Ada", "ada@example.com")
	return e, grantCode(e, acme.Token, user, ids(e.Devices(acme, 1, "UTC")), nil)
}

// fail10 makes ten wrong redemptions, the i-th from xff(i).
func fail10(t *testing.T, e *testenv.Env, xff func(i int) string) {
	t.Helper()
	for i := range 10 {
		if r := redeemFrom(e, xff(i), fmt.Sprintf("0000-0000-0004-%04d", i)); r.Code() != "INVITATION_INVALID" {
			t.Fatalf("guess %d: %s", i, r.Body)
		}
	}
}

// TestRedeemLimitSpoofedForwardedFor: without trusted proxies, the
// X-Forwarded-For header is the client's word and changes nothing; the
// refusal says when to come back in the Retry-After header too.
func TestRedeemLimitSpoofedForwardedFor(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db)
		fail10(t, e, func(i int) string { return fmt.Sprintf("198.51.100.%d", i) })
		r := redeemFrom(e, "203.0.113.9", code)
		if r.Code() != "RATE_LIMITED" {
			t.Fatalf("a valid code with another X-Forwarded-For: %s", r.Body)
		}
		ra, _ := r.Errors[0].Extensions["retryAfter"].(float64)
		if h := r.Header.Get("Retry-After"); h != strconv.Itoa(int(ra)) || ra < 1 || ra > 60 {
			t.Errorf("Retry-After %q, extensions.retryAfter %v", h, ra)
		}
	})
}

// TestRedeemLimitBehindProxy: behind trusted proxies, the client is the
// rightmost hop that is not a proxy; what the client wrote further left
// does not matter, and the request log names that client.
func TestRedeemLimitBehindProxy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var log testenv.Buffer
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.0/8, 10.0.0.0/8"),
			testenv.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
		fail10(t, e, func(i int) string { return fmt.Sprintf("192.0.2.%d, 203.0.113.5, 10.0.0.%d", i, i) })
		if !strings.Contains(log.String(), "client=203.0.113.5") {
			t.Errorf("the request log does not name the client:\n%s", log.String())
		}
		if r := redeemFrom(e, "198.51.100.1, 203.0.113.5", code); r.Code() != "RATE_LIMITED" {
			t.Errorf("203.0.113.5 with another address to its left: %s", r.Body)
		}
		// Another client behind the same proxies is not held up.
		if r := redeemFrom(e, "203.0.113.6, 10.0.0.1", code); len(r.Errors) > 0 {
			t.Errorf("another client behind the proxies: %s", r.Body)
		}
	})
}

// TestRedeemLimitIPv6Prefix: the addresses of one IPv6 /64 share a limit.
func TestRedeemLimitIPv6Prefix(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e, code := codeEnv(t, db, testenv.WithTrustedProxies("127.0.0.1"))
		fail10(t, e, func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("2001:db8:1:2::%x", i+1)
			}
			return fmt.Sprintf("[2001:db8:1:2:ffff:%x::1]:443", i)
		})
		if r := redeemFrom(e, "2001:db8:1:2:abcd::1", code); r.Code() != "RATE_LIMITED" {
			t.Errorf("another address of the /64: %s", r.Body)
		}
		if r := redeemFrom(e, "2001:db8:1:3::1", code); len(r.Errors) > 0 {
			t.Errorf("an address of the next /64: %s", r.Body)
		}
	})
}

// TestRedeemLimitConcurrent: of many wrong redemptions from one address
// at once, on two instances, exactly the limit get an answer about the
// code; the rest are refused.
func TestRedeemLimitConcurrent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		a := testenv.Start(t, db)
		b := testenv.Start(t, db)
		const n = 30
		codes := make(chan string, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			e := a
			if i%2 == 1 {
				e = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes <- e.Do("", redeem, map[string]any{"code": fmt.Sprintf("0000-0000-0005-%04d", i)}).Code()
			}()
		}
		close(start)
		wg.Wait()
		close(codes)
		got := map[string]int{}
		for c := range codes {
			got[c]++
		}
		if got["INVITATION_INVALID"] != 10 || got["RATE_LIMITED"] != n-10 {
			t.Errorf("answers: %v, want 10 INVITATION_INVALID and %d RATE_LIMITED", got, n-10)
		}
	})
}
