package webtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestLockedBufferConcurrent writes from several goroutines while reading;
// under -race a buffer without its lock fails here.
func TestLockedBufferConcurrent(t *testing.T) {
	var buf LockedBuffer
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				fmt.Fprintf(&buf, "g%d line %d\n", g, i)
				_ = buf.String()
			}
		}()
	}
	wg.Wait()
	if got, want := strings.Count(buf.String(), "\n"), 400; got != want {
		t.Errorf("%d lines, want %d", got, want)
	}
}
