// Package ratelimit counts failures per key in a sliding window, to make
// guessing invitation codes hopeless.
package ratelimit

import (
	"sync"
	"time"
)

// Failures limits each key to Max failures per Window. While a key is at
// its limit, every attempt is refused, successful or not.
type Failures struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu    sync.Mutex
	seen  map[string][]time.Time
	sweep time.Time
}

// Blocked reports whether key is at its limit, and when it may try again.
func (f *Failures) Blocked(key string) (bool, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	recent := f.prune(key, now)
	if len(recent) < f.Max {
		return false, 0
	}
	return true, recent[len(recent)-f.Max].Add(f.Window).Sub(now)
}

// Fail records a failure of key.
func (f *Failures) Fail(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	if f.seen == nil {
		f.seen = map[string][]time.Time{}
	}
	f.seen[key] = append(f.prune(key, now), now)
	if now.Sub(f.sweep) > f.Window {
		// Forget keys that have been quiet for a window, so memory stays
		// proportional to recent attackers.
		for k := range f.seen {
			f.prune(k, now)
		}
		f.sweep = now
	}
}

// prune drops failures older than the window and returns what is left.
func (f *Failures) prune(key string, now time.Time) []time.Time {
	list := f.seen[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= f.Window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(f.seen, key)
		return nil
	}
	f.seen[key] = list
	return list
}
