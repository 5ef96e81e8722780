package tsdb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/srvmon/srvmon/tsdb/internal/noatime"
)

// ErrNotRegular is wrapped by the error of opening a store file that is a
// symbolic link, a FIFO, a device or anything else but a regular file: the
// store never follows links and never writes into files it did not make.
var ErrNotRegular = errors.New("not a regular file (srvmon never follows links or writes into other files in its store)")

// openNoFollow opens a store file without following a symbolic link at its
// last component (O_NOFOLLOW) and without blocking on a FIFO, and fails
// with ErrNotRegular for anything but a regular file.
//
// A file opened only for reading keeps its access time (package noatime).
func openNoFollow(path string, flag int) (*os.File, error) {
	f, err := noatime.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return f, nil
}

// createFile creates a new store file for writing; it fails if anything
// exists at path (O_EXCL, which also refuses a symbolic link).
func createFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
}

// checkStoreDirs refuses a store whose head/, blocks/ or tmp/ is anything
// but a real directory (a symbolic link would lead writes elsewhere).
// Missing ones are fine: the writer makes them.
func checkStoreDirs(dir string) error {
	for _, d := range []string{headDir, blocksDir, tmpDir} {
		st, err := os.Lstat(filepath.Join(dir, d))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return fmt.Errorf("%s is not a directory (srvmon never follows links in its store)", filepath.Join(dir, d))
		}
	}
	return nil
}
