//go:build linux

package sampler

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"syscall"
	"unsafe"
)

// readFile reads a whole file through the run's reusable buffer with plain
// system calls: open, read until EOF, close. os.Open would add an
// epoll_ctl and two fcntl calls per file, which is more than the reading
// of most /proc files costs; and as /proc files report a size of 0,
// os.ReadFile would grow its buffer several times.
func (r *run) readFile(path string) (string, error) {
	b, err := r.readFileBytes(path)
	return string(b), err
}

// readText is readFile for the host's files under HOST_PROC and HOST_SYS
// (readProc, readSysOptional): its strings share the run's text slab, 16
// KiB at a time, instead of each being an allocation of its own. The ~50
// files of a one-shot record, from 100 bytes to 10 KiB, were spread over
// as many size classes, each a span of fresh pages for a few hundred bytes
// (15-19 page faults of a one-shot record). A string kept past the run pins
// its slab: the per-process files, whose names the procs state keeps from
// one sample set to the next, go through readFile.
func (r *run) readText(path string) (string, error) {
	b, err := r.readFileBytes(path)
	if err != nil || len(b) == 0 {
		return "", err
	}
	if cap(r.text)-len(r.text) < len(b) {
		r.text = make([]byte, 0, max(16<<10, len(b)))
	}
	start := len(r.text)
	r.text = append(r.text, b...)
	return unsafe.String(&r.text[start], len(b)), nil // that part of the slab is never written again
}

// readFileBytes is readFile returning the run's buffer: the bytes are
// valid until the run's next read.
func (r *run) readFileBytes(path string) ([]byte, error) {
	fd, err := openRetry(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
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
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return r.buf[:n], nil
}

func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// readDir calls fn with the name and whether it is a directory of each
// entry of the directory dir but "." and "..", in the order the kernel
// lists them, reading it with getdents64 into the run's buffer: name is
// valid only during the call. os.File.Readdirnames and os.ReadDir read 8
// KiB at a time and make a string (and a DirEntry) of each name, which for
// /proc's 600 processes cost half as much again as the kernel's listing.
func (r *run) readDir(dir string, fn func(name []byte, isDir bool)) error {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 32<<10)
	}
	for {
		n, err := syscall.Getdents(fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n == 0 {
			return nil
		}
		// struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen
		// (2), d_type (1), d_name (NUL-terminated).
		for b := r.buf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 20 || reclen > len(b) {
				return fmt.Errorf("getdents %s: bad record length %d", dir, reclen)
			}
			name := b[19:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if string(name) != "." && string(name) != ".." {
				isDir := b[18] == syscall.DT_DIR
				if b[18] == syscall.DT_UNKNOWN { // a file system that does not say
					var st syscall.Stat_t
					isDir = syscall.Lstat(dir+"/"+string(name), &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR
				}
				fn(name, isDir)
			}
			b = b[reclen:]
		}
	}
}

// listPIDs returns the numeric entries of the directory dir (HOST_PROC:
// the processes), in the order the kernel lists them.
func (r *run) listPIDs(dir string) ([]int, error) {
	pids := make([]int, 0, 512)
	err := r.readDir(dir, func(name []byte, _ bool) {
		if pid, ok := atoiName(name); ok {
			pids = append(pids, pid)
		}
	})
	return pids, err
}

// atoiName parses a directory entry name of digits (a pid) without
// leading zeros.
func atoiName(name []byte) (int, bool) {
	pid := 0
	for i, c := range name {
		if c < '0' || c > '9' || (i == 0 && c == '0') || pid > 1<<40 {
			return 0, false
		}
		pid = pid*10 + int(c-'0')
	}
	return pid, len(name) > 0
}
