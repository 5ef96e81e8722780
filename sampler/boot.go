package sampler

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

func init() {
	register("boot", true, func() collector { return bootCollector{} })
}

// bootCollector reads the boot time from /proc/stat and the boot id from
// /proc/sys/kernel/random/boot_id.
//
// It does not use gopsutil's host.BootTime, which first runs the
// virtualization detection (a dozen files) and in containers derives the
// boot time from /proc/uptime and the clock, so the value can move by a
// second from one run to the next.
type bootCollector struct{}

func (bootCollector) update(_ context.Context, r *run) error {
	st, err := r.procStat()
	if err != nil {
		return err
	}
	data, err := r.readProc("sys/kernel/random/boot_id")
	if err != nil {
		return err
	}
	return convertBoot(st, data, r)
}

// convertBoot emits node_boot_time_seconds and srvmon_boot_info{boot_id}.
// The boot id is the file's content without the final newline, unchanged
// otherwise: readers compare it to tell reboots apart.
func convertBoot(st *procStat, bootID string, r *run) error {
	if st.has&hasBtime == 0 {
		return errors.New("parse stat: no btime line")
	}
	id := strings.TrimSpace(bootID)
	if id == "" || strings.ContainsAny(id, " \t\n") {
		return fmt.Errorf("parse boot_id: unexpected content %q", bootID)
	}
	r.add("node_boot_time_seconds", float64(st.btime))
	r.add("srvmon_boot_info", 1, "boot_id", id)
	return nil
}
