package ratelimit

import (
	"testing"
	"time"
)

func TestFailures(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &Failures{Max: 3, Window: time.Minute, Now: func() time.Time { return now }}
	for i := range 3 {
		if b, _ := f.Blocked("a"); b {
			t.Fatalf("blocked after %d failures", i)
		}
		f.Fail("a")
		now = now.Add(10 * time.Second)
	}
	b, wait := f.Blocked("a")
	if !b || wait != 30*time.Second {
		t.Fatalf("after 3 failures: blocked=%v wait=%v, want true 30s", b, wait)
	}
	if b, _ := f.Blocked("b"); b {
		t.Fatal("another key is blocked")
	}
	now = now.Add(30 * time.Second)
	if b, _ := f.Blocked("a"); b {
		t.Fatal("still blocked once the oldest failure left the window")
	}
	now = now.Add(time.Hour)
	f.Fail("c")
	if len(f.seen) != 1 {
		t.Errorf("quiet keys are kept: %v", f.seen)
	}
}
