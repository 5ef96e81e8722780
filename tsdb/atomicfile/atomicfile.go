// Package atomicfile writes files that are wholly there or not at all, and
// durable once written: the data goes to NAME.tmp, which is synced, renamed
// to NAME, and the directory synced. The store, push's position and the
// outputs of export and report all write through it.
//
// It is a leaf under tsdb because the store is its first user and tsdb
// the lowest layer; tsdb/remote and commands import it too.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// File is a file being written in place of another: writes go to NAME.tmp
// until Commit.
type File struct {
	*os.File
	name, tmp string
	done      bool
}

// Create starts writing name, with permissions perm (before the umask). A
// symbolic link at NAME.tmp is not followed.
func Create(name string, perm os.FileMode) (*File, error) {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
	if err != nil {
		return nil, err
	}
	return &File{File: f, name: name, tmp: tmp}, nil
}

// Commit syncs the data, renames NAME.tmp to NAME and syncs the directory.
// On error NAME.tmp is removed and NAME is as it was.
func (f *File) Commit() error { return f.commit(true) }

func (f *File) commit(durable bool) error {
	if f.done {
		return errors.New("atomicfile: commit after commit or abort")
	}
	f.done = true
	var err error
	if durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp, f.name)
	}
	if err == nil && durable {
		err = SyncDir(filepath.Dir(f.name))
	}
	if err != nil {
		os.Remove(f.tmp)
		return fmt.Errorf("write %s: %w", f.name, err)
	}
	return nil
}

// Abort removes NAME.tmp; NAME stays as it was. It does nothing after
// Commit, so it can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.tmp)
}

// WriteFile writes data to name atomically and durably.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	return writeFile(name, data, perm, true)
}

// Replace writes data to name atomically but not durably: as WriteFile
// without syncing the file or the directory. After a crash NAME may hold
// what it held before, or on some file systems be empty or cut short: it
// is for a file checked when it is read that costs little to lose (the
// sampler's state, which record replaces every run; the two syncs were
// about half of what writing it cost).
func Replace(name string, data []byte, perm os.FileMode) error {
	return writeFile(name, data, perm, false)
}

func writeFile(name string, data []byte, perm os.FileMode, durable bool) error {
	f, err := Create(name, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", f.tmp, err)
	}
	return f.commit(durable)
}

// SyncDir makes a directory's entries (new, renamed, removed files)
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
