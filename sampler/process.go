package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register("process", true, func() collector { return processCollector{} })
}

// processCollector exports srvmon's own process under the process_* names
// a Prometheus client library gives every exporter (node_exporter's
// "Exporter Processes" panels read them): CPU seconds, resident and virtual
// memory, open and maximum file descriptors, start time. They describe the
// srvmon process that takes the sample set: for `srvmon record` from cron
// a new process each time, so process_cpu_seconds_total restarts from
// about zero on every sample set (Prometheus' rate() reads each restart as
// a counter reset: it then shows record's CPU per second of recording);
// with `record --interval` one long-running process, as an exporter.
type processCollector struct{}

// procSelf is what the process collector reads of its own process.
type procSelf struct {
	utime, stime uint64 // clock ticks
	starttime    uint64 // clock ticks after boot
	vsize        uint64 // bytes
	rss          uint64 // pages
	maxFiles     float64
	maxAddress   float64
}

func (processCollector) update(_ context.Context, r *run) error {
	p, err := readParsed(r, "self/stat", parseSelfStat)
	if err != nil {
		return err
	}
	limits, err := r.readProc("self/limits")
	if err != nil {
		return err
	}
	if p.maxFiles, p.maxAddress, err = parseLimits(limits); err != nil {
		return err
	}
	// Open descriptors: the entries of /proc/self/fd, read with the
	// descriptor that reads it counted, as client_golang counts it.
	fds, err := os.ReadDir(filepath.Join(r.proc, "self", "fd"))
	if err != nil {
		return err
	}
	st, err := r.procStat()
	if err != nil {
		return err
	}
	if st.has&hasBtime == 0 {
		return errors.New("parse stat: no btime line")
	}
	convertProcess(p, len(fds), st.btime, os.Getpagesize(), r)
	return nil
}

// parseSelfStat parses /proc/self/stat (parsePIDStat).
func parseSelfStat(data string) (procSelf, error) {
	ps, err := parsePIDStat(data)
	if err != nil {
		return procSelf{}, fmt.Errorf("parse self/stat: %w", err)
	}
	return procSelf{utime: ps.utime, stime: ps.stime, starttime: ps.start, vsize: ps.vsize, rss: ps.rss}, nil
}

// parseLimits returns the soft limits "Max open files" and "Max address
// space" of /proc/PID/limits; "unlimited" is 2^64-1, as client_golang
// exports it.
func parseLimits(data string) (files, address float64, err error) {
	found := 0
	for line := range lines(data) {
		var dst *float64
		var rest string
		switch {
		case strings.HasPrefix(line, "Max open files "):
			dst, rest = &files, line[len("Max open files "):]
		case strings.HasPrefix(line, "Max address space "):
			dst, rest = &address, line[len("Max address space "):]
		default:
			continue
		}
		soft, _ := nextField(rest)
		if soft == "unlimited" {
			*dst = math.MaxUint64
		} else {
			n, err := strconv.ParseUint(soft, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parse self/limits %q: %w", line, err)
			}
			*dst = float64(n)
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("parse self/limits: no Max open files or Max address space line")
	}
	return files, address, nil
}

// convertProcess emits the process_* gauges and counter.
func convertProcess(p procSelf, openFDs int, btime uint64, pageSize int, r *run) {
	r.add("process_cpu_seconds_total", float64(p.utime+p.stime)/userHZ)
	r.add("process_max_fds", p.maxFiles)
	r.add("process_open_fds", float64(openFDs))
	r.add("process_resident_memory_bytes", float64(p.rss*uint64(pageSize)))
	r.add("process_start_time_seconds", float64(btime)+float64(p.starttime)/userHZ)
	r.add("process_virtual_memory_bytes", float64(p.vsize))
	r.add("process_virtual_memory_max_bytes", p.maxAddress)
}
