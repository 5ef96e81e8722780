package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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

	// nr_inodes, nr_free_inodes
	if err := addOptionalUints(r, "sys/fs/inode-nr", "srvmon_inodes", "srvmon_inodes_free"); err != nil {
		return err
	}
	// nr_dentry, nr_unused, age_limit, want_pages, nr_negative, dummy
	if err := addOptionalUints(r, "sys/fs/dentry-state", "srvmon_dentries", "srvmon_dentries_unused"); err != nil {
		return err
	}
	return addOptionalUints(r, "sys/kernel/pty/nr", "srvmon_ptys")
}

// addOptionalUints reads the file name under /proc when it exists and
// adds its first numbers, one to each of metrics (two at most), in order.
func addOptionalUints(r *run, name string, metrics ...string) error {
	data, ok, err := r.readProcOptional(name)
	if err != nil || !ok {
		return err
	}
	var v [2]uint64
	if err := parseUints(v[:len(metrics)], data); err != nil {
		// named as in /proc/sys/fs or /proc/sys/kernel: inode-nr, pty/nr
		return fmt.Errorf("parse %s: %w", strings.TrimPrefix(strings.TrimPrefix(name, "sys/fs/"), "sys/kernel/"), err)
	}
	for i, metric := range metrics {
		r.add(metric, float64(v[i]))
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
