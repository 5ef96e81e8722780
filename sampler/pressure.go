package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("pressure", true, func() collector { return pressureCollector{} })
}

// pressureCollector reads the pressure stall information (PSI) totals of
// /proc/pressure/{cpu,memory,io}: the time some tasks (waiting) or all
// non-idle tasks (stalled) were stalled on the resource. Only the totals
// are kept; the kernel's avg10/60/300 are decaying averages that readers
// recompute exactly as rates of the totals over any interval.
//
// A kernel without PSI (before 4.20, or CONFIG_PSI off, or psi=0 on the
// command line) has no /proc/pressure: the collector then records nothing
// and succeeds, as a host without the feature is not an error.
type pressureCollector struct{}

// pressureResources are the files of /proc/pressure srvmon reads, with the
// names node_exporter gives their some and full totals ("" where
// node_exporter 1.5 has none: the system-wide full line of cpu appeared in
// Linux 5.13 and is named as newer node_exporters name it).
var pressureResources = [...]struct{ file, some, full string }{
	{"pressure/cpu", "node_pressure_cpu_waiting_seconds_total", "node_pressure_cpu_stalled_seconds_total"},
	{"pressure/io", "node_pressure_io_waiting_seconds_total", "node_pressure_io_stalled_seconds_total"},
	{"pressure/memory", "node_pressure_memory_waiting_seconds_total", "node_pressure_memory_stalled_seconds_total"},
}

// psi holds the totals of one /proc/pressure file in microseconds.
type psi struct {
	some, full       uint64
	hasSome, hasFull bool
}

func (pressureCollector) update(_ context.Context, r *run) error {
	for _, res := range pressureResources {
		data, ok, err := r.readProcOptional(res.file)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p, err := parsePressure(data)
		if err != nil {
			return fmt.Errorf("%s: %w", res.file, err)
		}
		if p.hasSome {
			r.add(res.some, float64(p.some)/1e6)
		}
		if p.hasFull {
			r.add(res.full, float64(p.full)/1e6)
		}
	}
	return nil
}

// parsePressure parses one /proc/pressure file:
//
//	some avg10=0.00 avg60=0.00 avg300=0.00 total=0
//	full avg10=0.00 avg60=0.00 avg300=0.00 total=0
//
// The full line is missing from cpu before Linux 5.13.
func parsePressure(data string) (psi, error) {
	var p psi
	for line := range lines(data) {
		var kind string
		kind, line = nextField(line)
		if kind == "" {
			continue
		}
		if kind != "some" && kind != "full" {
			return p, fmt.Errorf("parse pressure: unknown line %q", kind)
		}
		var total string
		found := false
		for {
			var f string
			f, line = nextField(line)
			if f == "" {
				break
			}
			if v, ok := strings.CutPrefix(f, "total="); ok {
				total, found = v, true
			}
		}
		if !found {
			return p, fmt.Errorf("parse pressure: %s line without total", kind)
		}
		n, err := strconv.ParseUint(total, 10, 64)
		if err != nil {
			return p, fmt.Errorf("parse pressure %s total: %w", kind, err)
		}
		if kind == "some" {
			p.some, p.hasSome = n, true
		} else {
			p.full, p.hasFull = n, true
		}
	}
	if !p.hasSome {
		return p, fmt.Errorf("parse pressure: no some line")
	}
	return p, nil
}
