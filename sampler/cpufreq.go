package sampler

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register("cpufreq", true, func() collector { return cpufreqCollector{} })
}

// cpufreqCollector reads the current frequency the kernel's cpufreq
// governor set for each CPU (scaling_cur_freq, in kHz; sar -m CPU) as
// node_exporter's node_cpu_scaling_frequency_hertz. Hosts without cpufreq
// (most VMs) record nothing.
type cpufreqCollector struct{}

func (cpufreqCollector) update(_ context.Context, r *run) error {
	// Without a cpufreq driver the policy directories do not exist: one
	// directory read instead of a failing open per CPU.
	policies, err := r.readSysDir("devices/system/cpu/cpufreq")
	if err != nil || !slices.ContainsFunc(policies, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "policy") }) {
		return err
	}
	entries, err := r.readSysDir("devices/system/cpu")
	if err != nil {
		return err
	}
	for _, e := range entries {
		cpu, ok := strings.CutPrefix(e.Name(), "cpu")
		if !ok || cpu == "" || strings.Trim(cpu, "0123456789") != "" {
			continue
		}
		data, ok, err := r.readSysOptional(filepath.Join("devices/system/cpu", e.Name(), "cpufreq/scaling_cur_freq"))
		if err != nil || !ok {
			continue // no cpufreq, or an offline CPU
		}
		khz, err := strconv.ParseUint(strings.TrimSpace(data), 10, 64)
		if err != nil {
			continue
		}
		r.add("node_cpu_scaling_frequency_hertz", float64(khz)*1000, "cpu", cpu)
	}
	return nil
}
