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

// meminfoCollector reads /proc/meminfo and, like node_exporter, exports
// every field the kernel lists.
//
// It parses the file itself: gopsutil's mem.VirtualMemory adds SReclaimable
// to Cached and invents MemAvailable on kernels without it, so its values are
// not the raw fields node_exporter exports.
type meminfoCollector struct{}

// meminfoFields are the /proc/meminfo fields of Linux up to 6.18 (and the
// older or architecture-specific ones) in the kernel's order, with the
// names node_exporter gives them: "(anon)" becomes "_anon", fields in kB
// become bytes and get _bytes, counts (HugePages_*) keep the bare name.
// A field missing here (a newer kernel's) is exported all the same under
// the name the same rules give it; the table only saves the work of
// building names, and gives the catalog its entries.
var meminfoFields = [...]struct{ field, metric string }{
	{"MemTotal", "node_memory_MemTotal_bytes"},
	{"MemFree", "node_memory_MemFree_bytes"},
	{"MemAvailable", "node_memory_MemAvailable_bytes"},
	{"Buffers", "node_memory_Buffers_bytes"},
	{"Cached", "node_memory_Cached_bytes"},
	{"SwapCached", "node_memory_SwapCached_bytes"},
	{"Active", "node_memory_Active_bytes"},
	{"Inactive", "node_memory_Inactive_bytes"},
	{"Active(anon)", "node_memory_Active_anon_bytes"},
	{"Inactive(anon)", "node_memory_Inactive_anon_bytes"},
	{"Active(file)", "node_memory_Active_file_bytes"},
	{"Inactive(file)", "node_memory_Inactive_file_bytes"},
	{"Unevictable", "node_memory_Unevictable_bytes"},
	{"Mlocked", "node_memory_Mlocked_bytes"},
	{"HighTotal", "node_memory_HighTotal_bytes"},
	{"HighFree", "node_memory_HighFree_bytes"},
	{"LowTotal", "node_memory_LowTotal_bytes"},
	{"LowFree", "node_memory_LowFree_bytes"},
	{"MmapCopy", "node_memory_MmapCopy_bytes"},
	{"SwapTotal", "node_memory_SwapTotal_bytes"},
	{"SwapFree", "node_memory_SwapFree_bytes"},
	{"Zswap", "node_memory_Zswap_bytes"},
	{"Zswapped", "node_memory_Zswapped_bytes"},
	{"Dirty", "node_memory_Dirty_bytes"},
	{"Writeback", "node_memory_Writeback_bytes"},
	{"AnonPages", "node_memory_AnonPages_bytes"},
	{"Mapped", "node_memory_Mapped_bytes"},
	{"Shmem", "node_memory_Shmem_bytes"},
	{"KReclaimable", "node_memory_KReclaimable_bytes"},
	{"Slab", "node_memory_Slab_bytes"},
	{"SReclaimable", "node_memory_SReclaimable_bytes"},
	{"SUnreclaim", "node_memory_SUnreclaim_bytes"},
	{"KernelStack", "node_memory_KernelStack_bytes"},
	{"ShadowCallStack", "node_memory_ShadowCallStack_bytes"},
	{"PageTables", "node_memory_PageTables_bytes"},
	{"SecPageTables", "node_memory_SecPageTables_bytes"},
	{"Quicklists", "node_memory_Quicklists_bytes"},
	{"NFS_Unstable", "node_memory_NFS_Unstable_bytes"},
	{"Bounce", "node_memory_Bounce_bytes"},
	{"WritebackTmp", "node_memory_WritebackTmp_bytes"},
	{"CommitLimit", "node_memory_CommitLimit_bytes"},
	{"Committed_AS", "node_memory_Committed_AS_bytes"},
	{"VmallocTotal", "node_memory_VmallocTotal_bytes"},
	{"VmallocUsed", "node_memory_VmallocUsed_bytes"},
	{"VmallocChunk", "node_memory_VmallocChunk_bytes"},
	{"Percpu", "node_memory_Percpu_bytes"},
	{"EarlyMemtestBad", "node_memory_EarlyMemtestBad_bytes"},
	{"HardwareCorrupted", "node_memory_HardwareCorrupted_bytes"},
	{"AnonHugePages", "node_memory_AnonHugePages_bytes"},
	{"ShmemHugePages", "node_memory_ShmemHugePages_bytes"},
	{"ShmemPmdMapped", "node_memory_ShmemPmdMapped_bytes"},
	{"FileHugePages", "node_memory_FileHugePages_bytes"},
	{"FilePmdMapped", "node_memory_FilePmdMapped_bytes"},
	{"CmaTotal", "node_memory_CmaTotal_bytes"},
	{"CmaFree", "node_memory_CmaFree_bytes"},
	{"Unaccepted", "node_memory_Unaccepted_bytes"},
	{"Balloon", "node_memory_Balloon_bytes"},
	{"HugePages_Total", "node_memory_HugePages_Total"},
	{"HugePages_Free", "node_memory_HugePages_Free"},
	{"HugePages_Rsvd", "node_memory_HugePages_Rsvd"},
	{"HugePages_Surp", "node_memory_HugePages_Surp"},
	{"Hugepagesize", "node_memory_Hugepagesize_bytes"},
	{"Hugetlb", "node_memory_Hugetlb_bytes"},
	{"DirectMap4k", "node_memory_DirectMap4k_bytes"},
	{"DirectMap4M", "node_memory_DirectMap4M_bytes"},
	{"DirectMap2M", "node_memory_DirectMap2M_bytes"},
	{"DirectMap1G", "node_memory_DirectMap1G_bytes"},
}

// memField is one /proc/meminfo line: its metric name and value, in bytes
// or as a count.
type memField struct {
	metric string
	value  uint64
}

func (meminfoCollector) update(_ context.Context, r *run) error {
	fields, err := readParsed(r, "meminfo", parseMeminfo)
	if err != nil {
		return err
	}
	convertMeminfo(fields, r)
	return nil
}

// parseMeminfo parses every line of /proc/meminfo; values in kB are
// converted to bytes.
func parseMeminfo(data string) ([]memField, error) {
	out := make([]memField, 0, len(meminfoFields))
	next, total := 0, false
	for line := range lines(data) {
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		key := line[:colon]
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
		var metric string
		if i := meminfoIndex(key, next); i >= 0 {
			metric, next = meminfoFields[i].metric, i+1
		} else {
			metric = meminfoMetric(key, unit != "")
		}
		total = total || key == "MemTotal"
		out = append(out, memField{metric, n})
	}
	if !total {
		return nil, errors.New("parse meminfo: no MemTotal")
	}
	return out, nil
}

// meminfoIndex returns the index of field in meminfoFields, or -1. The
// kernel lists its fields in the table's order, so the search starts at
// from, where the previous field's successor is.
func meminfoIndex(field string, from int) int {
	for i := range meminfoFields {
		j := (from + i) % len(meminfoFields)
		if meminfoFields[j].field == field {
			return j
		}
	}
	return -1
}

// meminfoMetric names a field meminfoFields does not know as node_exporter
// does: "Name(x)" becomes "Name_x", and a field with a unit gets _bytes.
// Any other character a metric name cannot hold becomes "_".
func meminfoMetric(field string, hasUnit bool) string {
	var b strings.Builder
	b.WriteString("node_memory_")
	for i := 0; i < len(field); i++ {
		switch c := field[i]; {
		case c == ')':
		case c == '_' || isDigit(c) || isLower(c) || (c >= 'A' && c <= 'Z'):
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	if hasUnit {
		b.WriteString("_bytes")
	}
	return b.String()
}

// convertMeminfo emits node_memory_* for every field the kernel has.
func convertMeminfo(fields []memField, r *run) {
	for _, f := range fields {
		r.add(f.metric, float64(f.value))
	}
}
