package sampler

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v4/load"
)

func init() {
	register("load", true, func() collector { return loadCollector{} })
}

// loadCollector reads the load averages through gopsutil (/proc/loadavg;
// gopsutil falls back to sysinfo(2) when that file cannot be read).
type loadCollector struct{}

func (loadCollector) update(ctx context.Context, r *run) error {
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		return fmt.Errorf("read load average: %w", err)
	}
	convertLoad(avg, r)
	return nil
}

// convertLoad emits node_load1, node_load5 and node_load15.
func convertLoad(avg *load.AvgStat, r *run) {
	r.add("node_load1", avg.Load1)
	r.add("node_load5", avg.Load5)
	r.add("node_load15", avg.Load15)
}
