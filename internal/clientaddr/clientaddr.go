// Package clientaddr decides who the client of a request is: the peer of
// the connection, or, when that peer is a configured proxy, the address
// the proxies name for it. It is the one home of that answer; the rate
// limits and the request log read it from the request's context.
package clientaddr

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Headers a proxy may name the client in.
const (
	HeaderXForwardedFor = "X-Forwarded-For"
	HeaderForwarded     = "Forwarded" // RFC 7239
)

// Resolver finds the client address of requests. The zero Resolver trusts
// no proxy: the client is the connection's peer.
type Resolver struct {
	trusted []netip.Prefix
	header  string
}

// New returns a Resolver that believes the header (HeaderXForwardedFor or
// HeaderForwarded) only when the connection comes from one of the trusted
// proxies. Only one header is read: a proxy that sets one passes the other
// on as the client wrote it.
func New(trusted []netip.Prefix, header string) (*Resolver, error) {
	switch header {
	case "":
		header = HeaderXForwardedFor
	case HeaderXForwardedFor, HeaderForwarded:
	default:
		return nil, fmt.Errorf("clientaddr: header %q: want %s or %s", header, HeaderXForwardedFor, HeaderForwarded)
	}
	return &Resolver{trusted: trusted, header: header}, nil
}

// ParsePrefixes reads a comma-separated list of CIDRs and single addresses
// ("10.0.0.0/8, 192.0.2.7, fd00::/8").
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("clientaddr: %q is neither an address nor a CIDR", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client address of req: the peer, unless the peer is a
// trusted proxy; then the rightmost hop of the header that is not a
// trusted proxy (hops further left may be written by anyone). When every
// hop is a trusted proxy, or a hop cannot be read, the last hop read is
// the answer. It is the zero Addr only when the peer has no IP address.
func (r *Resolver) Addr(req *http.Request) netip.Addr {
	client := parseHop(req.RemoteAddr)
	if !client.IsValid() || !r.isTrusted(client) {
		return client
	}
	hops := r.hops(req.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHop(hops[i])
		if !a.IsValid() {
			break
		}
		client = a
		if !r.isTrusted(a) {
			break
		}
	}
	return client
}

// hops returns the addresses the header names, nearest to the client first.
func (r *Resolver) hops(h http.Header) []string {
	var out []string
	for _, line := range h.Values(r.header) {
		if r.header == HeaderXForwardedFor {
			// X-Forwarded-For has no quoted strings: a quote is no reason
			// to read the proxy's hops after it as one.
			for _, elem := range strings.Split(line, ",") {
				out = append(out, strings.TrimSpace(elem))
			}
			continue
		}
		for _, elem := range splitOutsideQuotes(line, ',') {
			node := ""
			for _, pair := range splitOutsideQuotes(elem, ';') {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(k, "for") {
					node = strings.Trim(v, `"`)
				}
			}
			out = append(out, node)
		}
	}
	return out
}

// splitOutsideQuotes splits s at sep where sep is not inside a quoted
// string. A quote left open would run over the hops a proxy appended to
// the client's line, letting the client name any address: then s is split
// at every sep (what a proxy writes has its quotes closed, so its hops
// come out whole).
func splitOutsideQuotes(s string, sep byte) []string {
	if strings.Count(s, `"`)%2 == 1 {
		return strings.Split(s, string(sep))
	}
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseHop reads "192.0.2.1", "192.0.2.1:4711", "2001:db8::1" or
// "[2001:db8::1]:4711"; IPv4 in IPv6 becomes IPv4, and zones are dropped.
func parseHop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}

type ctxKey struct{}

// Handler puts the client address of every request into its context.
func (r *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), ctxKey{}, r.Addr(req))))
	})
}

// FromContext returns the client address Handler found, or the zero Addr.
func FromContext(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(ctxKey{}).(netip.Addr)
	return a
}
