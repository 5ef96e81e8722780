package noatime

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKeepsAccessTime checks that ReadFile and ReadDir leave the access
// time of a file and a directory that changed since it (which relatime
// would update) where it was, and that ReadDir sorts like os.ReadDir.
func TestKeepsAccessTime(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "b")
	for _, name := range []string{"c", "b", "a"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, p := range []string{file, dir} {
		if err := os.Chtimes(p, old, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := ReadFile(file); err != nil || string(b) != "b" {
		t.Fatalf("ReadFile: %q, %v", b, err)
	}
	entries, err := ReadDir(dir)
	if err != nil || len(entries) != 3 || entries[0].Name() != "a" || entries[2].Name() != "c" {
		t.Fatalf("ReadDir: %v, %v", entries, err)
	}
	for _, p := range []string{file, dir} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		at := st.Sys().(*syscall.Stat_t).Atim
		if got := time.Unix(at.Sec, at.Nsec); !got.Equal(old) {
			t.Errorf("reading %s moved its access time from %s to %s", p, old, got)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "none")); !os.IsNotExist(err) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}
