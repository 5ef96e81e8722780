package sampler

import (
	"context"
	"fmt"
	"strconv"
)

func init() {
	register("filefd", true, func() collector { return filefdCollector{} })
}

// filefdCollector reads the kernel's file, inode and dentry tables (sar
// -v): /proc/sys/fs/file-nr, inode-nr and dentry-state, and the number of
// pseudo-terminals from /proc/sys/kernel/pty/nr.
type filefdCollector struct{}

func (filefdCollector) update(_ context.Context, r *run) error {
	// allocated, allocated but unused (always 0 since Linux 2.6), maximum
	if err := r.addUints(false, "sys/fs/file-nr", "node_filefd_allocated", "", "node_filefd_maximum"); err != nil {
		return err
	}
	// nr_inodes, nr_free_inodes
	if err := r.addUints(true, "sys/fs/inode-nr", "srvmon_inodes", "srvmon_inodes_free"); err != nil {
		return err
	}
	// nr_dentry, nr_unused, age_limit, want_pages, nr_negative, dummy
	if err := r.addUints(true, "sys/fs/dentry-state", "srvmon_dentries", "srvmon_dentries_unused"); err != nil {
		return err
	}
	return r.addUints(true, "sys/kernel/pty/nr", "srvmon_ptys")
}

// parseUints parses the first len(dst) decimal fields of data, separated
// by spaces, tabs or newlines, into dst; it fails if data has fewer.
func parseUints(dst []uint64, data string) error {
	for i := range dst {
		for data != "" && (data[0] == ' ' || data[0] == '\t' || data[0] == '\n') {
			data = data[1:]
		}
		j := 0
		for j < len(data) && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' {
			j++
		}
		if j == 0 {
			return fmt.Errorf("%d fields, want at least %d", i, len(dst))
		}
		n, err := strconv.ParseUint(data[:j], 10, 64)
		if err != nil {
			return err
		}
		dst[i], data = n, data[j:]
	}
	return nil
}
