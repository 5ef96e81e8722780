package sampler

import (
	"context"
)

func init() {
	register("time", true, func() collector { return timeCollector{} })
}

// timeCollector exports node_time_seconds, node_exporter's "system time":
// here the sample set's own timestamp (Sampler.SampleAt), so that
// node_time_seconds - node_boot_time_seconds, the Uptime of node_exporter
// dashboards, is the uptime at the sample set's time, and the value, a
// whole number of seconds that grows by the interval, costs the store
// almost nothing.
type timeCollector struct{}

func (timeCollector) update(_ context.Context, r *run) error {
	r.add("node_time_seconds", float64(r.at.UnixNano())/1e9)
	return nil
}
