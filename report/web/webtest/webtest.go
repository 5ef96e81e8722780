// Package webtest holds helpers for tests of the web view and of the
// commands that run it, as net/http/httptest does for net/http.
package webtest

import (
	"bytes"
	"sync"
)

// LockedBuffer is a bytes.Buffer that a server's goroutines (its log, a
// command's stdout and stderr) and the test reading it may use at once.
// Its zero value is an empty buffer ready to use.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what has been written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
