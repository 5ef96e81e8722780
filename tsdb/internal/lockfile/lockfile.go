// Package lockfile takes the flock(2) locks of the store's writer and of
// push (one per URL). It is internal to tsdb: the store and tsdb/remote
// use it, nothing else.
package lockfile

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ErrLocked is returned by Lock when another process kept the lock.
var ErrLocked = errors.New("store is locked by another writer")

// Lock takes an exclusive flock(2) on path (created if missing),
// waiting up to wait or until ctx is done, and returns the open file that
// holds it: closing the file, or the process ending in any way, releases
// it. If another process kept the lock the error wraps ErrLocked.
func Lock(ctx context.Context, path string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, err
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, ErrLocked
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
