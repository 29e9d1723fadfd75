package webhook_test

import (
	"net/netip"
	"testing"

	"github.com/latchkey/latchkey/internal/webhook"
)

// TestInternalAddresses: every internal range is refused, and public
// addresses, also inside IPv6 translation prefixes, are not.
func TestInternalAddresses(t *testing.T) {
	for addr, internal := range map[string]bool{
		"127.0.0.1": true, "10.0.0.1": true, "172.16.0.1": true, "192.168.0.1": true, "169.254.169.254": true,
		"100.64.0.1": true, "100.127.255.254": true, "0.0.0.0": true, "0.1.2.3": true, "224.0.0.1": true, "255.255.255.255": true,
		"198.18.0.1": true, "192.0.0.8": true, "::1": true, "::": true, "fe80::1": true, "fd00::1": true, "fc00::1": true,
		"ff02::1": true, "fec0::1": true, "::ffff:127.0.0.1": true, "64:ff9b::7f00:1": true, "2002:a00:1::": true,
		"93.184.216.34": false, "100.128.0.1": false, "8.8.8.8": false, "2606:4700::1111": false, "64:ff9b::808:808": false,
	} {
		if got := webhook.Internal(netip.MustParseAddr(addr)); got != internal {
			t.Errorf("Internal(%s) = %v, want %v", addr, got, internal)
		}
	}
}

// TestSignMatchesTheSpecification: the signature of the specification's
// own example (its secret, id, timestamp and body).
func TestSignMatchesTheSpecification(t *testing.T) {
	key, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), key)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
