package tsdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoreNeverFollowsLinks checks that the store refuses, instead of
// following or truncating, a symbolic link or a FIFO where a head log goes,
// a symbolic link for one of its directories or its lock, and that it
// refuses to turn a directory that holds only dotfiles into a store.
func TestStoreNeverFollowsLinks(t *testing.T) {
	ctx := context.Background()
	c := &clock{day0.Add(time.Hour)}
	outside := filepath.Join(t.TempDir(), "precious")
	const precious = "not srvmon's\n"
	checkOutside := func(what string) {
		t.Helper()
		if data, err := os.ReadFile(outside); err != nil || string(data) != precious {
			t.Fatalf("%s: the link's target was changed: %q, %v", what, data, err)
		}
	}
	if err := os.WriteFile(outside, []byte(precious), 0o644); err != nil {
		t.Fatal(err)
	}
	appendErr := func(s *Store) error {
		w, err := s.Lock(ctx)
		if err != nil {
			return err
		}
		defer w.Close()
		return w.Append(day0.Add(time.Minute), []Sample{{serA, 1}})
	}

	t.Run("head log is a symlink", func(t *testing.T) {
		s := newTestStore(t, c)
		if err := os.Symlink(outside, s.headPath(dayOf(day0.Unix()))); err != nil {
			t.Fatal(err)
		}
		if err := appendErr(s); !errors.Is(err, ErrNotRegular) {
			t.Fatalf("append through a symlinked head log: %v, want ErrNotRegular", err)
		}
		checkOutside("append")
		err := s.Read(ctx, day0, day0.Add(time.Hour), nil, func(Series, []Point) error { return nil })
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), dayName(dayOf(day0.Unix()))) {
			t.Fatalf("read through a symlinked head log: %v, want ErrNotRegular naming the file", err)
		}
	})
	t.Run("head log is a FIFO", func(t *testing.T) {
		s := newTestStore(t, c)
		if err := syscall.Mkfifo(s.headPath(dayOf(day0.Unix())), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := appendErr(s); !errors.Is(err, ErrNotRegular) {
			t.Fatalf("append to a FIFO head log: %v, want ErrNotRegular", err)
		}
	})
	for _, d := range []string{headDir, blocksDir, tmpDir} {
		t.Run(d+" is a symlink", func(t *testing.T) {
			s := newTestStore(t, c)
			target := t.TempDir()
			os.RemoveAll(filepath.Join(s.Dir(), d))
			if err := os.Symlink(target, filepath.Join(s.Dir(), d)); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(s.Dir()); err == nil || !strings.Contains(err.Error(), "not a directory") {
				t.Fatalf("Open with %s a symlink: %v", d, err)
			}
			if _, err := Create(s.Dir()); err == nil {
				t.Fatalf("Create with %s a symlink succeeded", d)
			}
			if entries, _ := os.ReadDir(target); len(entries) != 0 {
				t.Fatalf("the store wrote %d entries into the link's target", len(entries))
			}
		})
	}
	t.Run("lock is a symlink", func(t *testing.T) {
		s := newTestStore(t, c)
		os.Remove(filepath.Join(s.Dir(), lockName))
		if err := os.Symlink(outside, filepath.Join(s.Dir(), lockName)); err != nil {
			t.Fatal(err)
		}
		if err := appendErr(s); err == nil {
			t.Fatal("a writer took a symlinked lock")
		}
		checkOutside("lock")
	})
	t.Run("directory of dotfiles", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, ".bashrc"), []byte("x"), 0o644)
		if _, err := Create(dir); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("Create in a directory of dotfiles: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("a refused Create left %d entries", len(entries))
		}
	})
}
