package graph_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// TestLiveCloseCodesDocumented: every WebSocket close code a live
// connection can end with is named in Subscription.changes's description,
// the only place a client reads them.
func TestLiveCloseCodesDocumented(t *testing.T) {
	b, err := os.ReadFile("../schema/subscription.graphql")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []int{httpapi.CloseUnauthorized, httpapi.CloseTooManyRequests, httpapi.CloseInternal} {
		if !strings.Contains(string(b), strconv.Itoa(code)) {
			t.Errorf("close code %d is not documented in schema/subscription.graphql", code)
		}
	}
}
