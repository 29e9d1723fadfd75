// Package zone loads IANA time zones once per process: time.LoadLocation
// reads and parses the zone's file on every call, which showed in the
// profile of a 500-device grant (a quarter of its CPU, one load per
// device for the invitation mail) and costs every checkAccess a file read.
package zone

import (
	"sync"
	"time"
)

var loaded sync.Map // zone name → *time.Location

// Load returns the named location as time.LoadLocation does. Only zones
// that load are remembered, so the cache holds no more than the zones that
// exist.
func Load(name string) (*time.Location, error) {
	if loc, ok := loaded.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	loaded.Store(name, loc)
	return loc, nil
}
