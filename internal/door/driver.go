// Package door decides and carries out requests to operate devices: the
// access decision for a user at an instant, the driver that moves the
// hardware, and the activity log of every decision.
package door

import (
	"context"
	"errors"
	"sync"

	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Driver moves a device. A real vendor driver implements it; the decision
// code never depends on which one runs.
type Driver interface {
	Operate(ctx context.Context, device pulid.ID, action enum.LockAction) (enum.LockState, error)
}

// Simulated is a driver without hardware: it keeps each device's state in
// memory (every device starts LOCKED). UNLATCH pulls the latch and leaves
// the lock unlocked afterwards, as most smart locks do. A device set
// offline answers every request with ErrOffline.
type Simulated struct {
	mu      sync.Mutex
	states  map[pulid.ID]enum.LockState
	offline map[pulid.ID]bool
}

// ErrOffline is the answer of a device that cannot be reached.
var ErrOffline = errors.New("the device does not answer")

// Operate implements Driver.
func (s *Simulated) Operate(_ context.Context, device pulid.ID, action enum.LockAction) (enum.LockState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offline[device] {
		return "", ErrOffline
	}
	if s.states == nil {
		s.states = map[pulid.ID]enum.LockState{}
	}
	next := enum.LockLocked
	switch action {
	case enum.ActionUnlock:
		next = enum.LockUnlocked
	case enum.ActionUnlatch:
		next = enum.LockUnlatched
	}
	s.states[device] = next
	return next, nil
}

// SetOffline takes a simulated device off the network, or back on.
func (s *Simulated) SetOffline(device pulid.ID, offline bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offline == nil {
		s.offline = map[pulid.ID]bool{}
	}
	s.offline[device] = offline
}

// State returns the simulated state of a device.
func (s *Simulated) State(device pulid.ID) enum.LockState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[device]; ok {
		return st
	}
	return enum.LockLocked
}
