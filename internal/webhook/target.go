package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/text/unicode/norm"
)

// MaxURL bounds an endpoint's URL.
const MaxURL = 2048

// internal are the networks a webhook may not reach unless private
// targets are allowed (WEBHOOK_ALLOW_PRIVATE): besides what netip names
// (loopback, private, link-local, multicast, unspecified), the shared
// address space of carrier-grade NAT, "this network", the IETF protocol
// block, benchmarking, reserved and broadcast addresses, and IPv6's
// site-local and discard prefixes, the local-use NAT64 prefix (whose
// translator is inside the network) and the deprecated IPv4-compatible
// addresses. IPv6 ULA (fc00::/7) is IsPrivate.
var internal = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("::/96"),
}

// Prefixes that embed an IPv4 address, which is judged in its place: the
// NAT64 well-known prefix (the low 32 bits) and 6to4 (bits 16 to 48).
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// Internal reports whether a is an address a webhook may not reach by
// default.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return Internal(netip.AddrFrom4([4]byte(b[12:16])))
		case sixTo4.Contains(a):
			return Internal(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range internal {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ErrInternalTarget is a connection refused before it was made: the
// address is loopback, private or otherwise internal.
var ErrInternalTarget = errors.New("the address is internal (loopback, private, link-local or reserved); WEBHOOK_ALLOW_PRIVATE=true allows it")

// CheckURL judges an endpoint's URL as given: http or https, a host, no
// user name or password (they would be stored and shown), and, unless
// allowPrivate, no host that is an internal address or a name for the
// machine itself. A name is judged again, by the address it resolves to,
// at every connection (Dialer).
func CheckURL(raw string, allowPrivate bool) error {
	if len(raw) > MaxURL {
		return fmt.Errorf("must be at most %d characters", MaxURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		return errors.New("must be an absolute http or https URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil:
		return errors.New("must not hold a user name or password (put a token in the path or query instead)")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("must have a port from 1 to 65535")
		}
	}
	host := strings.TrimSuffix(asDialed(u.Hostname()), ".")
	if _, err := netip.ParseAddr(host); err != nil && endsInNumber(host) {
		// 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 are 127.0.0.1 to
		// resolvers and URL parsers, whatever they are to this check.
		return errors.New("must write an IPv4 address as four decimal numbers (a.b.c.d)")
	}
	if allowPrivate {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil && Internal(a) {
		return errors.New("must not point at a loopback, private, link-local or otherwise internal address")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("must not point at this machine")
	}
	return nil
}

// asDialed folds a host as IDNA's mapping does before the sender dials
// it (compatibility forms such as full-width letters and digits, upper
// case, the ideographic full stops), so that the check judges the host
// that is reached: "１２７.０.０.１" is 127.0.0.1.
func asDialed(host string) string {
	host = strings.Map(func(r rune) rune {
		switch r {
		case '\u3002', '\uff0e', '\uff61':
			return '.'
		}
		return r
	}, host)
	return strings.ToLower(norm.NFKC.String(host))
}

// endsInNumber reports whether a host's last label is a number (decimal,
// or hexadecimal after 0x), which makes the host an IPv4 address in one
// of the legacy notations rather than a name: no top-level domain is a
// number.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// Dialer connects to webhook receivers. Unless AllowPrivate, it refuses
// every connection to an internal address, judged on the address it is
// about to connect to (after name resolution, in the socket's Control),
// so that a name that resolves, or later re-resolves, to an internal
// address reaches nothing.
type Dialer struct {
	AllowPrivate bool
	// Lookup resolves a host name; nil uses the system resolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	net.Dialer
}

// DialContext resolves addr's host and connects to its addresses in turn.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		lookup := d.Lookup
		if lookup == nil {
			lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			}
		}
		if addrs, err = lookup(ctx, host); err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("%s has no address", host)
		}
	}
	dialer := d.Dialer
	dialer.Control = d.control
	var errs []error
	for _, a := range addrs {
		c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// control refuses a connection to an internal address before it is made.
func (d *Dialer) control(_, address string, _ syscall.RawConn) error {
	if d.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected address %q", address)
	}
	if Internal(ap.Addr()) {
		return ErrInternalTarget
	}
	return nil
}
