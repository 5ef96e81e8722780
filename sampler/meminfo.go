package sampler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("meminfo", true, func() collector { return meminfoCollector{} })
}

// meminfoCollector reads /proc/meminfo.
//
// It parses the file itself: gopsutil's mem.VirtualMemory adds SReclaimable
// to Cached and invents MemAvailable on kernels without it, so its values are
// not the raw fields node_exporter exports.
type meminfoCollector struct{}

// meminfoFields are the /proc/meminfo fields srvmon keeps, with their
// node_exporter names: fields in kB become bytes and get _bytes, counts
// (HugePages_*) keep the bare field name.
var meminfoFields = [...]struct{ field, metric string }{
	{"MemTotal", "node_memory_MemTotal_bytes"},
	{"MemFree", "node_memory_MemFree_bytes"},
	{"MemAvailable", "node_memory_MemAvailable_bytes"},
	{"Buffers", "node_memory_Buffers_bytes"},
	{"Cached", "node_memory_Cached_bytes"},
	{"SwapCached", "node_memory_SwapCached_bytes"},
	{"Active", "node_memory_Active_bytes"},
	{"Inactive", "node_memory_Inactive_bytes"},
	{"SwapTotal", "node_memory_SwapTotal_bytes"},
	{"SwapFree", "node_memory_SwapFree_bytes"},
	{"Dirty", "node_memory_Dirty_bytes"},
	{"Writeback", "node_memory_Writeback_bytes"},
	{"AnonPages", "node_memory_AnonPages_bytes"},
	{"Mapped", "node_memory_Mapped_bytes"},
	{"Shmem", "node_memory_Shmem_bytes"},
	{"Slab", "node_memory_Slab_bytes"},
	{"SReclaimable", "node_memory_SReclaimable_bytes"},
	{"SUnreclaim", "node_memory_SUnreclaim_bytes"},
	{"KernelStack", "node_memory_KernelStack_bytes"},
	{"PageTables", "node_memory_PageTables_bytes"},
	{"CommitLimit", "node_memory_CommitLimit_bytes"},
	{"Committed_AS", "node_memory_Committed_AS_bytes"},
	{"HugePages_Total", "node_memory_HugePages_Total"},
	{"HugePages_Free", "node_memory_HugePages_Free"},
	{"Hugepagesize", "node_memory_Hugepagesize_bytes"},
}

// meminfo holds the values of meminfoFields, in bytes or as counts.
type meminfo struct {
	value   [len(meminfoFields)]uint64
	present [len(meminfoFields)]bool
}

func (meminfoCollector) update(_ context.Context, r *run) error {
	data, err := r.readProc("meminfo")
	if err != nil {
		return err
	}
	mi, err := parseMeminfo(data)
	if err != nil {
		return err
	}
	convertMeminfo(mi, r)
	return nil
}

// parseMeminfo parses /proc/meminfo, keeping the fields of meminfoFields
// that the kernel has; values in kB are converted to bytes.
func parseMeminfo(data string) (*meminfo, error) {
	mi := &meminfo{}
	for data != "" {
		var line string
		line, data = nextLine(data)
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key := line[:colon]
		i := meminfoIndex(key)
		if i < 0 {
			continue
		}
		v, unit := nextField(line[colon+1:])
		unit, _ = nextField(unit)
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse meminfo %s: %w", key, err)
		}
		switch unit {
		case "":
		case "kB":
			n *= 1024
		default:
			return nil, fmt.Errorf("parse meminfo %s: unknown unit %q", key, unit)
		}
		mi.value[i], mi.present[i] = n, true
	}
	if !mi.present[0] {
		return nil, errors.New("parse meminfo: no MemTotal")
	}
	return mi, nil
}

func meminfoIndex(field string) int {
	for i := range meminfoFields {
		if meminfoFields[i].field == field {
			return i
		}
	}
	return -1
}

// convertMeminfo emits node_memory_* for every field the kernel has.
func convertMeminfo(mi *meminfo, r *run) {
	for i := range meminfoFields {
		if mi.present[i] {
			r.add(meminfoFields[i].metric, float64(mi.value[i]))
		}
	}
}
