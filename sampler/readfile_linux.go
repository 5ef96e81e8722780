//go:build linux

package sampler

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"syscall"
)

// readFile reads a whole file through the run's reusable buffer with plain
// system calls: open, read until EOF, close. os.Open would add an
// epoll_ctl and two fcntl calls per file, which is more than the reading
// of most /proc files costs; and as /proc files report a size of 0,
// os.ReadFile would grow its buffer several times.
func (r *run) readFile(path string) (string, error) {
	fd, err := openRetry(path)
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 32<<10)
	}
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := syscall.Read(fd, r.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return string(r.buf[:n]), nil
}

func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// listPIDs returns the numeric entries of the directory dir (HOST_PROC:
// the processes), in the order the kernel lists them, reading it with
// getdents64 into the run's buffer: os.File.Readdirnames would read 8 KiB
// at a time and make a string of each name, which for 600 processes cost
// half as much again as the kernel's listing.
func (r *run) listPIDs(dir string) ([]int, error) {
	fd, err := openRetry(dir)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 32<<10)
	}
	pids := make([]int, 0, 512)
	for {
		n, err := syscall.Getdents(fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n == 0 {
			return pids, nil
		}
		// struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen
		// (2), d_type (1), d_name (NUL-terminated).
		for b := r.buf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return nil, fmt.Errorf("getdents %s: bad record length %d", dir, reclen)
			}
			if pid, ok := atoiName(b[19:reclen]); ok {
				pids = append(pids, pid)
			}
			b = b[reclen:]
		}
	}
}

// atoiName parses a NUL-terminated directory entry name of digits (a pid)
// without leading zeros.
func atoiName(name []byte) (int, bool) {
	pid := 0
	for i, c := range name {
		switch {
		case c == 0:
			return pid, i > 0
		case c < '0' || c > '9' || (i == 0 && c == '0') || pid > 1<<40:
			return 0, false
		}
		pid = pid*10 + int(c-'0')
	}
	return pid, len(name) > 0
}
