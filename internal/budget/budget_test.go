package budget

import (
	"strconv"
	"testing"
	"time"
)

// TestBucketsBounded: a full bucket is forgotten, and no more than
// maxBuckets are kept however many callers draw on theirs; those that
// refilled go first.
func TestBucketsBounded(t *testing.T) {
	now := time.Unix(0, 0)
	b := New(Limits{Max: 10, Rate: 1}, func() time.Time { return now })
	key := strconv.Itoa
	if _, _, ok := b.Take(key(0), 4); !ok || len(b.m) != 1 {
		t.Fatalf("take: %v, %d buckets", ok, len(b.m))
	}
	if st := b.Refund(key(0), 4); st.Available != 10 || len(b.m) != 0 {
		t.Fatalf("a full bucket is kept: %+v, %d buckets", st, len(b.m))
	}

	for i := range maxBuckets {
		b.Take(key(i), 5)
	}
	now = now.Add(3 * time.Second)
	b.Take(key(0), 5) // 8 points: drawn on again
	now = now.Add(3 * time.Second)
	// Every other bucket has refilled now; the new one makes room.
	b.Take(key(maxBuckets), 5)
	if len(b.m) != 2 {
		t.Fatalf("%d buckets after the refilled ones were forgotten", len(b.m))
	}
	if st, _, _ := b.Take(key(0), 0); st.Available != 6 {
		t.Errorf("a bucket drawn on was forgotten: %+v", st)
	}

	for i := range 2 * maxBuckets {
		b.Take(key(i), 5)
		if len(b.m) > maxBuckets {
			t.Fatalf("%d buckets", len(b.m))
		}
	}
}

// TestTakeWait: a take the bucket does not hold takes nothing and says how
// long until it would; a clock that goes back refills nothing.
func TestTakeWait(t *testing.T) {
	now := time.Unix(100, 0)
	b := New(Limits{Max: 10, Rate: 4}, func() time.Time { return now })
	b.Take("k", 9)
	if st, wait, ok := b.Take("k", 6); ok || wait != 1250*time.Millisecond || st.Available != 1 {
		t.Errorf("take 6 of 1: %+v %v %v", st, wait, ok)
	}
	now = now.Add(-time.Hour)
	if st, _, ok := b.Take("k", 2); ok || st.Available != 1 {
		t.Errorf("after the clock went back: %+v %v", st, ok)
	}
}
