// Package budget keeps a cost budget for each caller: a leaky bucket that
// holds at most Max points and refills at Rate points a second. An
// operation takes its cost from its caller's bucket before it runs, and
// what it did not use is given back after. Buckets live in memory, on one
// instance.
package budget

import (
	"math"
	"sync"
	"time"
)

// Limits are the size of every bucket and how fast it refills.
type Limits struct {
	// Max is the most points a bucket holds, and what a new caller starts with.
	Max int
	// Rate is the points a bucket regains each second, up to Max.
	Rate int
}

// Status is a bucket as the client is told of it.
type Status struct {
	Max, Available, Rate int
}

// maxBuckets bounds the buckets kept (about 100 bytes each).
const maxBuckets = 100_000

// Buckets are the buckets of every caller, by key. A caller without a
// bucket has a full one: a bucket is kept only while it is not full.
type Buckets struct {
	limits Limits
	now    func() time.Time
	mu     sync.Mutex
	m      map[string]bucket
}

type bucket struct {
	level float64
	at    time.Time
}

// New returns buckets of the given limits that tell time by now. Rate
// must be positive.
func New(l Limits, now func() time.Time) *Buckets {
	return &Buckets{limits: l, now: now, m: make(map[string]bucket)}
}

// level is the points of key's bucket at now.
func (b *Buckets) level(key string, now time.Time) float64 {
	k, ok := b.m[key]
	if !ok {
		return float64(b.limits.Max)
	}
	// A clock that went back refills nothing.
	elapsed := max(now.Sub(k.at).Seconds(), 0)
	return min(float64(b.limits.Max), k.level+elapsed*float64(b.limits.Rate))
}

// set stores key's level, forgetting a full bucket.
func (b *Buckets) set(key string, level float64, now time.Time) {
	if level >= float64(b.limits.Max) {
		delete(b.m, key)
		return
	}
	if _, ok := b.m[key]; !ok && len(b.m) >= maxBuckets {
		b.evict(now)
	}
	b.m[key] = bucket{level: level, at: now}
}

// evict makes room for new buckets: it forgets those that have refilled
// since, then, if that freed too little, any others until a quarter of the
// room is free. A forgotten bucket starts full again, which favours only
// its caller; refusing new callers instead would lock everyone out while
// many addresses draw on their buckets.
func (b *Buckets) evict(now time.Time) {
	for key := range b.m {
		if b.level(key, now) >= float64(b.limits.Max) {
			delete(b.m, key)
		}
	}
	for key := range b.m {
		if len(b.m) < maxBuckets*3/4 {
			break
		}
		delete(b.m, key)
	}
}

func (b *Buckets) status(level float64) Status {
	return Status{Max: b.limits.Max, Available: int(level), Rate: b.limits.Rate}
}

// Take takes n points from key's bucket if it holds them. If it does not,
// nothing is taken, and wait says how long until it will.
func (b *Buckets) Take(key string, n int) (st Status, wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	level := b.level(key, now)
	if level < float64(n) {
		secs := (float64(n) - level) / float64(b.limits.Rate)
		return b.status(level), time.Duration(math.Ceil(secs * float64(time.Second))), false
	}
	level -= float64(n)
	b.set(key, level, now)
	return b.status(level), 0, true
}

// Refund gives n points back to key's bucket.
func (b *Buckets) Refund(key string, n int) Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	level := min(b.level(key, now)+float64(n), float64(b.limits.Max))
	b.set(key, level, now)
	return b.status(level)
}
