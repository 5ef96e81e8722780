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
	var v [3]uint64
	data, err := r.readProc("sys/fs/file-nr")
	if err != nil {
		return err
	}
	// allocated, allocated but unused (always 0 since Linux 2.6), maximum
	if err := parseUints(v[:3], data); err != nil {
		return fmt.Errorf("parse file-nr: %w", err)
	}
	r.add("node_filefd_allocated", float64(v[0]))
	r.add("node_filefd_maximum", float64(v[2]))

	if data, ok, err := r.readProcOptional("sys/fs/inode-nr"); err != nil {
		return err
	} else if ok {
		// nr_inodes, nr_free_inodes
		if err := parseUints(v[:2], data); err != nil {
			return fmt.Errorf("parse inode-nr: %w", err)
		}
		r.add("srvmon_inodes", float64(v[0]))
		r.add("srvmon_inodes_free", float64(v[1]))
	}
	if data, ok, err := r.readProcOptional("sys/fs/dentry-state"); err != nil {
		return err
	} else if ok {
		// nr_dentry, nr_unused, age_limit, want_pages, nr_negative, dummy
		if err := parseUints(v[:2], data); err != nil {
			return fmt.Errorf("parse dentry-state: %w", err)
		}
		r.add("srvmon_dentries", float64(v[0]))
		r.add("srvmon_dentries_unused", float64(v[1]))
	}
	if data, ok, err := r.readProcOptional("sys/kernel/pty/nr"); err != nil {
		return err
	} else if ok {
		if err := parseUints(v[:1], data); err != nil {
			return fmt.Errorf("parse pty/nr: %w", err)
		}
		r.add("srvmon_ptys", float64(v[0]))
	}
	return nil
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
