package sampler

import (
	"context"
	"fmt"
	"strconv"
)

func init() {
	register("vmstat", true, func() collector { return vmstatCollector{} })
}

// vmstatCollector reads paging and swapping counters from /proc/vmstat.
//
// It parses the file itself: gopsutil's mem.SwapMemory multiplies these
// counts by 4096, while node_exporter exports them as the kernel gives them.
type vmstatCollector struct{}

// vmstatFields are the /proc/vmstat counters srvmon keeps (node_exporter's
// default vmstat fields); each is exported as node_vmstat_<field>.
var vmstatFields = [...]struct{ field, metric string }{
	{"pgpgin", "node_vmstat_pgpgin"},
	{"pgpgout", "node_vmstat_pgpgout"},
	{"pswpin", "node_vmstat_pswpin"},
	{"pswpout", "node_vmstat_pswpout"},
	{"pgfault", "node_vmstat_pgfault"},
	{"pgmajfault", "node_vmstat_pgmajfault"},
	{"oom_kill", "node_vmstat_oom_kill"},
}

// vmstat holds the values of vmstatFields.
type vmstat struct {
	value   [len(vmstatFields)]uint64
	present [len(vmstatFields)]bool
}

func (vmstatCollector) update(_ context.Context, r *run) error {
	vs, err := readParsed(r, "vmstat", parseVmstat)
	if err != nil {
		return err
	}
	convertVmstat(vs, r)
	return nil
}

// parseVmstat parses /proc/vmstat, keeping the fields of vmstatFields that
// the kernel has (oom_kill appeared in Linux 4.13).
func parseVmstat(data string) (*vmstat, error) {
	vs := &vmstat{}
	found := false
	for line := range lines(data) {
		var key, v string
		key, line = nextField(line)
		if key == "" {
			continue
		}
		found = true
		i := -1
		for j := range vmstatFields {
			if vmstatFields[j].field == key {
				i = j
				break
			}
		}
		if i < 0 {
			continue
		}
		v, _ = nextField(line)
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse vmstat %s: %w", key, err)
		}
		vs.value[i], vs.present[i] = n, true
	}
	if !found {
		return nil, fmt.Errorf("parse vmstat: empty file")
	}
	return vs, nil
}

// convertVmstat emits node_vmstat_<field> with the raw kernel counts.
func convertVmstat(vs *vmstat, r *run) {
	for i := range vmstatFields {
		if vs.present[i] {
			r.add(vmstatFields[i].metric, float64(vs.value[i]))
		}
	}
}
