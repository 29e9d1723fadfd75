package testenv

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// Buffer collects what a server or process writes (its log) from any
// goroutine, for a test to read while it runs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Reset forgets what was written so far.
func (s *Buffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// Lines returns the JSON records (log lines) written so far; other lines
// are left out.
func (s *Buffer) Lines() []map[string]any {
	var out []map[string]any
	for line := range strings.SplitSeq(s.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
