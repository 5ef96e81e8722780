package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("stat", true, func() collector { return statCollector{} })
}

// statCollector reads process and kernel activity counters from /proc/stat
// and the number of scheduling entities from /proc/loadavg.
//
// gopsutil's load.Misc has most of these but counts processes by listing
// every /proc/<pid> directory, which srvmon avoids.
type statCollector struct{}

func (statCollector) update(_ context.Context, r *run) error {
	st, err := r.procStat()
	if err != nil {
		return err
	}
	threads, err := readParsed(r, "loadavg", parseLoadavgEntities)
	if err != nil {
		return err
	}
	return convertStat(st, threads, r)
}

// parseLoadavgEntities returns the number after the slash in the fourth field
// of /proc/loadavg ("0.21 0.37 0.39 1/719 19737"): the kernel scheduling
// entities (processes and threads) that currently exist.
func parseLoadavgEntities(data string) (uint64, error) {
	f := data
	var field string
	for range 4 {
		field, f = nextField(f)
	}
	_, total, ok := strings.Cut(field, "/")
	if !ok {
		return 0, fmt.Errorf("parse loadavg: unexpected content %q", strings.TrimSpace(data))
	}
	n, err := strconv.ParseUint(total, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse loadavg: %w", err)
	}
	return n, nil
}

// convertStat emits node_procs_running, node_procs_blocked,
// node_context_switches_total, node_intr_total, node_forks_total and
// srvmon_processes. It fails, emitting nothing, if /proc/stat lacks one of
// the lines they come from.
func convertStat(st *procStat, entities uint64, r *run) error {
	const need = hasIntr | hasCtxt | hasProcesses | hasProcsRunning | hasProcsBlocked
	if st.has&need != need {
		return fmt.Errorf("parse stat: missing intr, ctxt, processes, procs_running or procs_blocked line")
	}
	r.add("node_procs_running", float64(st.procsRunning))
	r.add("node_procs_blocked", float64(st.procsBlocked))
	r.add("node_context_switches_total", float64(st.ctxt))
	r.add("node_intr_total", float64(st.intr))
	r.add("node_forks_total", float64(st.processes))
	r.add("srvmon_processes", float64(entities))
	return nil
}
