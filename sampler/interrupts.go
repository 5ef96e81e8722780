package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("interrupts", false, func() collector { return interruptsCollector{} })
}

// interruptsCollector reads /proc/interrupts (sar -I) as node_exporter's
// node_interrupts_total{cpu,devices,info,type}, one counter per interrupt
// and CPU. It is not enabled by default (as in node_exporter): a host has
// tens of interrupt lines times its CPUs, more series than every default
// collector together on a large machine.
type interruptsCollector struct{}

func (interruptsCollector) update(_ context.Context, r *run) error {
	data, err := r.readProc("interrupts")
	if err != nil {
		return err
	}
	return parseInterrupts(data, r)
}

// parseInterrupts emits the counters of /proc/interrupts:
//
//	           CPU0       CPU1
//	  0:         44          0   IO-APIC   2-edge      timer
//	NMI:          0          0   Non-maskable interrupts
//	ERR:          0
//
// Labels follow node_exporter: for a numbered interrupt info is the chip
// and devices the rest of the line, for a named one info is the whole
// description. Lines with fewer columns than CPUs plus a description (ERR,
// MIS) are left out, as node_exporter leaves them out.
func parseInterrupts(data string, r *run) error {
	header, data := nextLine(data)
	cpus := fields(nil, header)
	if len(cpus) == 0 || !strings.HasPrefix(cpus[0], "CPU") {
		return fmt.Errorf("parse interrupts: unexpected header %q", header)
	}
	n := len(cpus)
	var f []string
	for line := range lines(data) {
		f = fields(f, line)
		if len(f) < n+2 {
			continue
		}
		typ, ok := strings.CutSuffix(f[0], ":")
		if !ok {
			return fmt.Errorf("parse interrupts: unexpected line %q", f[0])
		}
		var info, devices string
		if _, err := strconv.Atoi(typ); err == nil {
			info, devices = f[n+1], strings.Join(f[n+2:], " ")
		} else {
			info = strings.Join(f[n+1:], " ")
		}
		for i := 0; i < n; i++ {
			v, err := strconv.ParseUint(f[1+i], 10, 64)
			if err != nil {
				return fmt.Errorf("parse interrupts %s: %w", typ, err)
			}
			r.add("node_interrupts_total", float64(v), "cpu", strings.TrimPrefix(cpus[i], "CPU"), "devices", devices, "info", info, "type", typ)
		}
	}
	return nil
}
