// Package zone checks and loads IANA time zones. Check accepts the
// canonical names only (names.go). Load loads a zone once per process: time.LoadLocation
// reads and parses the zone's file on every call, which showed in the
// profile of a 500-device grant (a quarter of its CPU, one load per
// device for the invitation mail) and costs every checkAccess a file read.
package zone

import (
	"errors"
	"fmt"
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

// ErrNotCanonical reports a name that is not a canonical IANA zone.
var ErrNotCanonical = errors.New("must be a canonical IANA time zone such as Europe/Berlin")

// Check accepts the IANA database's location zones (those of zone.tab and
// zone1970.tab) and UTC. It refuses what time.LoadLocation would also
// take: the system's own names (Local, localtime, posixrules, Factory),
// the copies with leap seconds or POSIX rules (right/…, posix/…), and old
// or alternative names (US/Pacific, Asia/Calcutta, Etc/UTC), for which the
// error names the canonical zone. Old names are refused rather than
// rewritten, so that what is stored is what the client sent.
func Check(name string) error {
	if canonical[name] {
		return nil
	}
	if c, ok := aliasOf[name]; ok {
		return fmt.Errorf("%s; %s is an old or alternative name of %s", ErrNotCanonical, name, c)
	}
	return ErrNotCanonical
}
