//go:build linux

package sampler

import (
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
