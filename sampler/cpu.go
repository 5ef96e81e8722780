package sampler

import (
	"context"
)

func init() {
	register("cpu", true, func() collector { return cpuCollector{} })
}

// cpuCollector reads the per-CPU and total time counters of /proc/stat.
//
// It parses /proc/stat itself instead of calling gopsutil's cpu package:
// importing that package runs an init() that reads /proc/stat twice in every
// srvmon process, whatever the subcommand.
type cpuCollector struct{}

func (cpuCollector) update(_ context.Context, r *run) error {
	st, err := r.procStat()
	if err != nil {
		return err
	}
	convertCPU(st, r)
	return nil
}

// convertCPU emits node_cpu_seconds_total{cpu,mode} and
// node_cpu_guest_seconds_total{cpu,mode} per CPU and
// srvmon_cpu_seconds_total{mode} for the sum over all CPUs. As in
// node_exporter, user and nice still include the guest time.
func convertCPU(st *procStat, r *run) {
	for i := range st.cpus {
		c := &st.cpus[i]
		for m := 0; m < modeGuest; m++ {
			r.add("node_cpu_seconds_total", ticksToSeconds(c.ticks[m]), "cpu", c.cpu, "mode", cpuModes[m])
		}
		r.add("node_cpu_guest_seconds_total", ticksToSeconds(c.ticks[modeGuest]), "cpu", c.cpu, "mode", "user")
		r.add("node_cpu_guest_seconds_total", ticksToSeconds(c.ticks[modeGuestNice]), "cpu", c.cpu, "mode", "nice")
	}
	for m := 0; m < modeGuest; m++ {
		r.add("srvmon_cpu_seconds_total", ticksToSeconds(st.total.ticks[m]), "mode", cpuModes[m])
	}
}

// ticksToSeconds converts USER_HZ ticks to seconds. Dividing (rather than
// multiplying by 0.01) gives the float64 nearest to the exact value.
func ticksToSeconds(t uint64) float64 { return float64(t) / userHZ }
