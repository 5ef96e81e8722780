package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shirou/gopsutil/v4/load"
)

func init() {
	register("load", true, func() collector { return loadCollector{} })
}

// loadCollector reads the load averages from /proc/loadavg as the run has
// it (stat and procs read the same file: one read a run, and the three
// collectors see the same instant), parsed as gopsutil's load.Avg parses it;
// when that file cannot be read or parsed it asks gopsutil, which falls
// back to sysinfo(2).
type loadCollector struct{}

func (loadCollector) update(ctx context.Context, r *run) error {
	avg, ok := parseLoadAvg(r)
	if !ok {
		var err error
		if avg, err = load.AvgWithContext(ctx); err != nil {
			return fmt.Errorf("read load average: %w", err)
		}
	}
	convertLoad(avg, r)
	return nil
}

// parseLoadAvg returns the three load averages of the run's /proc/loadavg
// ("0.21 0.37 0.39 1/719 19737"); ok is false when it cannot.
func parseLoadAvg(r *run) (avg *load.AvgStat, ok bool) {
	data, err := r.readProc("loadavg")
	if err != nil {
		return nil, false
	}
	var v [3]float64
	for i := range v {
		var f string
		f, data, _ = strings.Cut(strings.TrimLeft(data, " "), " ")
		if v[i], err = strconv.ParseFloat(f, 64); err != nil {
			return nil, false
		}
	}
	return &load.AvgStat{Load1: v[0], Load5: v[1], Load15: v[2]}, true
}

// convertLoad emits node_load1, node_load5 and node_load15.
func convertLoad(avg *load.AvgStat, r *run) {
	r.add("node_load1", avg.Load1)
	r.add("node_load5", avg.Load5)
	r.add("node_load15", avg.Load15)
}
