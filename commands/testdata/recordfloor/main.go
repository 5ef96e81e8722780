// Command recordfloor makes the system calls that a one-shot record makes
// for its sample set, and nothing else: no parsing, no store. Each argument
// is a file read to its end through one 32 KiB buffer, or with a prefix
// "dir:" a directory listed, "statfs:" a statfs, "append:" a file that
// gets 1 KiB appended and fsynced (as the head log gets a sample set), and
// "netlink:" the rtnetlink dump of the links. BenchmarkRecordOneShot passes
// it what a record run did (from strace): the kernel's part of a record,
// which no change to srvmon's own code makes cheaper.
package main

import (
	"os"
	"strings"
	"syscall"
)

func main() {
	buf := make([]byte, 32<<10)
	for _, arg := range os.Args[1:] {
		kind, path, ok := strings.Cut(arg, ":")
		if !ok {
			kind, path = "file", arg
		}
		switch kind {
		case "file":
			readAll(path, syscall.O_RDONLY, buf, syscall.Read)
		case "dir":
			readAll(path, syscall.O_RDONLY|syscall.O_DIRECTORY, buf, syscall.ReadDirent)
		case "statfs":
			var st syscall.Statfs_t
			syscall.Statfs(path, &st)
		case "netlink":
			syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
		case "append":
			fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_APPEND|syscall.O_CLOEXEC, 0o644)
			if err == nil {
				syscall.Write(fd, buf[:1024])
				syscall.Fsync(fd)
				syscall.Close(fd)
			}
		}
	}
}

// readAll opens path and reads it until read returns 0 or fails.
func readAll(path string, flags int, buf []byte, read func(int, []byte) (int, error)) {
	fd, err := syscall.Open(path, flags|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	for {
		if n, err := read(fd, buf); n <= 0 || err != nil {
			break
		}
	}
	syscall.Close(fd)
}
