package clientaddr

import (
	"net/http"
	"strings"
	"testing"
)

// TestAddr: which address is the client, for each peer and header.
func TestAddr(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8, 192.0.2.7, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	xff, _ := New(trusted, "")
	fwd, _ := New(trusted, HeaderForwarded)
	for _, c := range []struct {
		name   string
		r      *Resolver
		peer   string
		header string
		want   string
	}{
		{"no proxy trusted", &Resolver{}, "10.1.1.1:5000", "203.0.113.1", "10.1.1.1"},
		{"untrusted peer", xff, "198.51.100.2:5000", "203.0.113.1", "198.51.100.2"},
		{"trusted peer, no header", xff, "10.1.1.1:5000", "", "10.1.1.1"},
		{"one hop", xff, "10.1.1.1:5000", "203.0.113.1", "203.0.113.1"},
		{"rightmost untrusted hop", xff, "10.1.1.1:5000", "198.51.100.9, 203.0.113.1, 192.0.2.7, 10.2.2.2", "203.0.113.1"},
		{"every hop a proxy", xff, "10.1.1.1:5000", "10.3.3.3, 10.2.2.2", "10.3.3.3"},
		{"unreadable hop", xff, "10.1.1.1:5000", "203.0.113.1, garbage, 10.2.2.2", "10.2.2.2"},
		{"hop with port", xff, "10.1.1.1:5000", "203.0.113.1:4711", "203.0.113.1"},
		{"IPv6 peer and hop", xff, "[fd00::1]:5000", "[2001:db8::1]:443", "2001:db8::1"},
		{"IPv4 in IPv6", xff, "[::ffff:10.1.1.1]:5000", "::ffff:203.0.113.1", "203.0.113.1"},
		{"Forwarded", fwd, "10.1.1.1:5000", `for=198.51.100.9, for="[2001:db8:cafe::17]:4711";proto=https, for=10.2.2.2;by=10.1.1.1`, "2001:db8:cafe::17"},
		{"Forwarded, obfuscated hop", fwd, "10.1.1.1:5000", `for=_hidden, for=10.2.2.2`, "10.2.2.2"},
		{"X-Forwarded-For ignores Forwarded", xff, "10.1.1.1:5000", "", "10.1.1.1"},
		{"Forwarded ignores X-Forwarded-For", fwd, "10.1.1.1:5000", "", "10.1.1.1"},
	} {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = c.peer
		if c.header != "" {
			req.Header.Set(c.r.header, c.header)
		}
		// The header the resolver does not read says something else.
		other := HeaderForwarded + ": for=198.51.100.66"
		if c.r == fwd {
			other = HeaderXForwardedFor + ": 198.51.100.66"
		}
		k, v, _ := strings.Cut(other, ": ")
		req.Header.Add(k, v)
		if got := c.r.Addr(req).String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if _, err := ParsePrefixes("10.0.0.0/8, example.com"); err == nil {
		t.Error("ParsePrefixes took a host name")
	}
	if _, err := New(nil, "X-Real-IP"); err == nil {
		t.Error("New took an unknown header")
	}
}
