// Package noatime reads files and directories without updating their
// access times where the kernel allows it (O_NOATIME: the file's owner, or
// CAP_FOWNER), and as usual where it does not.
//
// record changes files in the store directory every run (the head log, the
// sampler state, the last run's problems, the directory itself by renaming
// files into it). With relatime, the Linux default, the first read of a
// file or directory after it changed updates its access time, and the
// kernel charges the inode block it makes dirty to the reader: serve and
// status, which only read, would make the file system write every half
// minute (CI's serve soak saw 4 KiB every 30-60 s).
package noatime

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Open opens path for reading, with O_NOATIME where permitted.
func Open(path string) (*os.File, error) {
	return OpenFile(path, os.O_RDONLY)
}

// OpenFile is os.OpenFile with O_NOATIME added when flag opens for reading
// only and the kernel permits it.
func OpenFile(path string, flag int) (*os.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		return os.OpenFile(path, flag, 0o644)
	}
	f, err := os.OpenFile(path, flag|unix.O_NOATIME|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EPERM) { // not the owner
		f, err = os.OpenFile(path, flag|unix.O_CLOEXEC, 0)
	}
	return f, err
}

// ReadFile is os.ReadFile without updating the access time.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// ReadDir is os.ReadDir (entries sorted by name) without updating the
// directory's access time.
func ReadDir(dir string) ([]os.DirEntry, error) {
	f, err := OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}
