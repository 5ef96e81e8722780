package tsdb

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenReadKeepsAccessTime checks that reading a store file does not
// update its access time: with relatime (the Linux default) a read after
// the file changed would, and record changes the head log every run, so
// serve would make the file system write an inode at every request.
func TestOpenReadKeepsAccessTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "head.log")
	if err := os.WriteFile(path, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, time.Now()); err != nil { // atime before mtime: relatime would update it
		t.Fatal(err)
	}
	f, err := openNoFollow(path, os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	at := st.Sys().(*syscall.Stat_t).Atim
	if got := time.Unix(at.Sec, at.Nsec); !got.Equal(old) {
		t.Errorf("reading the file moved its access time from %s to %s", old, got)
	}
}
